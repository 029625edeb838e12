import { z } from 'zod';
import { parseAddressRange } from '../../common/http/address-ranges';
import { defineConfigSection, envBool, envInt, envList, envOptionalSecret } from '../../config/env';

const COUNTRY = /^[A-Z]{2}$/;
const REGION_MAP = /^(\*|[A-Z]{2})=[A-Z]{2}(,(\*|[A-Z]{2})=[A-Z]{2})*$/;
const ROLE = z.enum(['gateway', 'member']);

/**
 * Cross-border federation (docs/protocols/efgs.md): the EFGS-compatible gateway and/or the national member
 * role. Both are off unless FEDERATION_ROLES names them; file settings hold paths to PEM files.
 */
export const federationConfig = defineConfigSection({
  key: 'federation',
  title: 'Federation (EFGS gateway and member)',
  shape: {
    FEDERATION_ROLES: envList().describe(
      'Comma-separated roles of this instance: `gateway`, `member` or both. Empty: federation is off.',
    ),
    FEDERATION_COUNTRY: z
      .string()
      .regex(COUNTRY)
      .optional()
      .describe(
        'ISO 3166-1 alpha-2 country of this member (origin of the keys it uploads). Default: HOME_REGION.',
      ),
    FEDERATION_TRUST_ANCHOR: z
      .string()
      .optional()
      .describe(
        'Gateway: PEM file (certificate or public key) of the trust anchor whose signatures over certificate PEMs make registry rows valid.',
      ),
    FEDERATION_PROXY_CERT_HEADERS: envBool(false).describe(
      'Take the client certificate from `X-SSL-Client-SHA256` and `X-SSL-Client-DN`, as the TLS-terminating proxy sets them (deploy/nginx), on the gateway routes and the member callback — only from FEDERATION_PROXY_ADDRESSES and/or with FEDERATION_PROXY_SECRET; production needs one of them.',
    ),
    FEDERATION_PROXY_ADDRESSES: envList().describe(
      "Addresses or CIDR ranges of that proxy (the connection's peer, never X-Forwarded-For); certificate headers from anyone else are ignored.",
    ),
    FEDERATION_PROXY_SECRET: envOptionalSecret(
      'A secret the proxy sends in `X-Veilig-Proxy-Secret` with the certificate headers; requests without it have their certificate headers ignored.',
    ),
    FEDERATION_GATEWAY_DIRECT_MTLS: envBool(false).describe(
      'Gateway: ask for client certificates on our own HTTPS listener (needs TLS_CERT/TLS_KEY); the registry decides, not a CA bundle.',
    ),
    FEDERATION_GATEWAY_BATCH_INTERVAL_MINUTES: envInt(5, 1, 24 * 60).describe(
      'Gateway: how often uploads are cut into download batches.',
    ),
    FEDERATION_GATEWAY_RETENTION_DAYS: envInt(2, 1, 30).describe(
      'Gateway: keys and batches created before today (UTC) minus this many days are deleted; older download dates answer 410.',
    ),
    FEDERATION_GATEWAY_CALLBACK_INTERVAL_MINUTES: envInt(5, 1, 24 * 60).describe(
      'Gateway: how often pending callbacks are (re)tried.',
    ),
    FEDERATION_GATEWAY_CALLBACK_RETRY_SECONDS: envInt(300, 1, 86_400).describe(
      'Gateway: wait before retrying a failed callback.',
    ),
    FEDERATION_GATEWAY_CALLBACK_MAX_RETRIES: envInt(5, 0, 100).describe(
      'Gateway: retries of a failed callback before its subscription is deleted.',
    ),
    FEDERATION_GATEWAY_CALLBACK_TIMEOUT_SECONDS: envInt(10, 1, 120).describe(
      'Gateway: timeout of one callback request.',
    ),
    FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT: z
      .string()
      .optional()
      .describe('Gateway: PEM certificate presented to members when calling their callback URLs (mTLS).'),
    FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY: z
      .string()
      .optional()
      .describe('Gateway: PEM private key for FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT.'),
    FEDERATION_GATEWAY_CALLBACK_ALLOW_PRIVATE: envBool(false).describe(
      'Gateway, tests and demos only: allow callback URLs on private and loopback addresses. Refused in production.',
    ),
    FEDERATION_GATEWAY_URL: z
      .url()
      .optional()
      .describe(
        'Member: base URL of the gateway (its `/diagnosiskeys/...` routes), EFGS or another member (design A).',
      ),
    FEDERATION_CLIENT_CERT: z
      .string()
      .optional()
      .describe('Member: PEM AUTHENTICATION certificate for mTLS to the gateway.'),
    FEDERATION_CLIENT_KEY: z
      .string()
      .optional()
      .describe('Member: PEM private key of FEDERATION_CLIENT_CERT.'),
    FEDERATION_GATEWAY_CA_FILE: z
      .string()
      .optional()
      .describe("Member: PEM CA bundle for the gateway's server certificate (default: the system CAs)."),
    FEDERATION_SEND_CERT_HEADERS: envBool(false).describe(
      'Member: send `X-SSL-Client-SHA256`/`X-SSL-Client-DN` of FEDERATION_CLIENT_CERT ourselves, for a gateway behind a proxy that expects them.',
    ),
    FEDERATION_SIGNING_CERT: z
      .string()
      .optional()
      .describe('Member: PEM SIGNING certificate for batch signatures (detached CMS).'),
    FEDERATION_SIGNING_KEY: z
      .string()
      .optional()
      .describe('Member: PEM (PKCS#8) private key of FEDERATION_SIGNING_CERT.'),
    FEDERATION_FORMAT: z
      .enum(['protobuf', 'json'])
      .default('protobuf')
      .describe('Member: body format of uploads and downloads (`; version=1.0`).'),
    FEDERATION_UPLOAD_INTERVAL_MINUTES: envInt(15, 1, 24 * 60).describe(
      'Member: how often consented keys are batched and uploaded.',
    ),
    FEDERATION_UPLOAD_EXPIRY_MINUTES: envInt(120, 0, 24 * 60).describe(
      'Member: a key is shared only this long after its validity ended (CWA: 120).',
    ),
    FEDERATION_UPLOAD_MIN_KEYS: envInt(140, 1, 5000).describe(
      'Member: fewer waiting keys are held back (privacy), until FEDERATION_UPLOAD_MAX_WAIT_HOURS.',
    ),
    FEDERATION_UPLOAD_MAX_WAIT_HOURS: envInt(6, 0, 14 * 24).describe(
      'Member: after this long, waiting keys are sent even below the minimum.',
    ),
    FEDERATION_UPLOAD_MAX_KEYS: envInt(4000, 1, 5000).describe(
      'Member: keys per upload batch at most (the gateway refuses more than 5,000).',
    ),
    FEDERATION_UPLOAD_MAX_ATTEMPTS: envInt(10, 1, 1000).describe(
      'Member: tries of a retryable upload (5xx, 403, network) before it is left for an operator.',
    ),
    FEDERATION_DOWNLOAD_INTERVAL_MINUTES: envInt(60, 1, 24 * 60).describe(
      "Member: how often the days' batches are fetched without a callback.",
    ),
    FEDERATION_DOWNLOAD_DAYS: envInt(1, 0, 2).describe(
      'Member: besides today, how many past days each scheduled download walks (EFGS keeps 2).',
    ),
    FEDERATION_DOWNLOAD_POLICY: z
      .enum(['visited', 'all'])
      .default('visited')
      .describe(
        'Member: keep downloaded keys whose visitedCountries name our country (`visited`), or every valid key (`all`, "one world").',
      ),
    FEDERATION_EXPORT_REGIONS: z
      .string()
      .regex(REGION_MAP, 'expected origin=region pairs, e.g. `*=NL` or `DE=EU,*=NL`')
      .optional()
      .describe(
        'Member: export region for downloaded keys by origin country, `*` for the rest. Default: `*=<HOME_REGION>`.',
      ),
    FEDERATION_CALLBACK_URL: z
      .url()
      .optional()
      .describe(
        'Member: our public callback URL (https, no query), subscribed at the gateway by the download job; unset: download on schedule only.',
      ),
    FEDERATION_CALLBACK_ID: z
      .string()
      .regex(/^[A-Za-z0-9._~-]{1,64}$/)
      .default('veilig')
      .describe('Member: our callbackId at the gateway.'),
    FEDERATION_CALLBACK_THUMBPRINTS: envList().describe(
      'Member: SHA-256 thumbprints (hex) of the gateway certificates allowed to call our callback; empty accepts any caller (dev only).',
    ),
  },
  check: (env, core) => {
    const problems: string[] = [];
    const roles = env.FEDERATION_ROLES;
    const unknown = roles.filter((r) => !ROLE.safeParse(r).success);
    if (unknown.length)
      problems.push(
        `FEDERATION_ROLES: unknown role(s) ${unknown.join(', ')}; expected gateway and/or member`,
      );
    if (roles.includes('gateway') && !env.FEDERATION_TRUST_ANCHOR)
      problems.push('FEDERATION_TRUST_ANCHOR: required for the gateway role');
    if (
      Boolean(env.FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT) !==
      Boolean(env.FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY)
    ) {
      problems.push(
        'FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT and FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY: set both or neither',
      );
    }
    const badProxies = env.FEDERATION_PROXY_ADDRESSES.filter((a) => !parseAddressRange(a));
    if (badProxies.length)
      problems.push(`FEDERATION_PROXY_ADDRESSES: not an IP address or CIDR range: ${badProxies.join(', ')}`);
    if (
      core.isProduction &&
      env.FEDERATION_PROXY_CERT_HEADERS &&
      env.FEDERATION_PROXY_ADDRESSES.length === 0 &&
      !env.FEDERATION_PROXY_SECRET
    ) {
      problems.push(
        'FEDERATION_PROXY_CERT_HEADERS: production believes certificate headers only from FEDERATION_PROXY_ADDRESSES or with FEDERATION_PROXY_SECRET; set one',
      );
    }
    if (core.isProduction && env.FEDERATION_GATEWAY_CALLBACK_ALLOW_PRIVATE) {
      problems.push(
        'FEDERATION_GATEWAY_CALLBACK_ALLOW_PRIVATE: refused in production (callbacks must not reach private addresses)',
      );
    }
    if (roles.includes('member')) {
      if (!env.FEDERATION_GATEWAY_URL) problems.push('FEDERATION_GATEWAY_URL: required for the member role');
      if (!env.FEDERATION_SIGNING_CERT || !env.FEDERATION_SIGNING_KEY) {
        problems.push('FEDERATION_SIGNING_CERT and FEDERATION_SIGNING_KEY: required for the member role');
      }
      if (!env.FEDERATION_SEND_CERT_HEADERS && (!env.FEDERATION_CLIENT_CERT || !env.FEDERATION_CLIENT_KEY)) {
        problems.push(
          'FEDERATION_CLIENT_CERT and FEDERATION_CLIENT_KEY: required for the member role (mTLS to the gateway)',
        );
      }
      if (core.isProduction && env.FEDERATION_CALLBACK_THUMBPRINTS.length === 0) {
        problems.push(
          'FEDERATION_CALLBACK_THUMBPRINTS: production needs the thumbprints of the gateway allowed to call back',
        );
      }
    }
    if (env.FEDERATION_SEND_CERT_HEADERS && !env.FEDERATION_CLIENT_CERT) {
      problems.push('FEDERATION_CLIENT_CERT: needed to compute the headers of FEDERATION_SEND_CERT_HEADERS');
    }
    const badThumbprints = env.FEDERATION_CALLBACK_THUMBPRINTS.filter(
      (t) => !/^[0-9a-fA-F:]{64,95}$/.test(t),
    );
    if (badThumbprints.length)
      problems.push('FEDERATION_CALLBACK_THUMBPRINTS: expected SHA-256 hex thumbprints');
    return problems;
  },
  map: (env) => {
    const roles = new Set(env.FEDERATION_ROLES);
    const regions = (env.FEDERATION_EXPORT_REGIONS ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=') as [string, string]);
    return {
      gatewayEnabled: roles.has('gateway'),
      memberEnabled: roles.has('member'),
      /** Undefined: the key store's home region. */
      country: env.FEDERATION_COUNTRY,
      proxy: {
        certificateHeaders: env.FEDERATION_PROXY_CERT_HEADERS,
        addresses: env.FEDERATION_PROXY_ADDRESSES,
        secret: env.FEDERATION_PROXY_SECRET,
      },
      gateway: {
        trustAnchorFile: env.FEDERATION_TRUST_ANCHOR,
        directMtls: env.FEDERATION_GATEWAY_DIRECT_MTLS,
        batchIntervalMs: env.FEDERATION_GATEWAY_BATCH_INTERVAL_MINUTES * 60_000,
        retentionDays: env.FEDERATION_GATEWAY_RETENTION_DAYS,
        callbackIntervalMs: env.FEDERATION_GATEWAY_CALLBACK_INTERVAL_MINUTES * 60_000,
        callbackRetryMs: env.FEDERATION_GATEWAY_CALLBACK_RETRY_SECONDS * 1000,
        callbackMaxRetries: env.FEDERATION_GATEWAY_CALLBACK_MAX_RETRIES,
        callbackTimeoutMs: env.FEDERATION_GATEWAY_CALLBACK_TIMEOUT_SECONDS * 1000,
        callbackClient:
          env.FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT && env.FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY
            ? {
                certFile: env.FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT,
                keyFile: env.FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY,
              }
            : undefined,
        callbackAllowPrivate: env.FEDERATION_GATEWAY_CALLBACK_ALLOW_PRIVATE,
      },
      member: {
        gatewayUrl: env.FEDERATION_GATEWAY_URL?.replace(/\/$/, ''),
        clientCertFile: env.FEDERATION_CLIENT_CERT,
        clientKeyFile: env.FEDERATION_CLIENT_KEY,
        gatewayCaFile: env.FEDERATION_GATEWAY_CA_FILE,
        sendCertificateHeaders: env.FEDERATION_SEND_CERT_HEADERS,
        signingCertFile: env.FEDERATION_SIGNING_CERT,
        signingKeyFile: env.FEDERATION_SIGNING_KEY,
        format: env.FEDERATION_FORMAT,
        uploadIntervalMs: env.FEDERATION_UPLOAD_INTERVAL_MINUTES * 60_000,
        uploadExpiryMs: env.FEDERATION_UPLOAD_EXPIRY_MINUTES * 60_000,
        uploadMinKeys: env.FEDERATION_UPLOAD_MIN_KEYS,
        uploadMaxWaitMs: env.FEDERATION_UPLOAD_MAX_WAIT_HOURS * 3_600_000,
        uploadMaxKeys: env.FEDERATION_UPLOAD_MAX_KEYS,
        uploadMaxAttempts: env.FEDERATION_UPLOAD_MAX_ATTEMPTS,
        downloadIntervalMs: env.FEDERATION_DOWNLOAD_INTERVAL_MINUTES * 60_000,
        downloadDays: env.FEDERATION_DOWNLOAD_DAYS,
        downloadPolicy: env.FEDERATION_DOWNLOAD_POLICY,
        /** Origin country (or `*`) → export region; an empty map means everything goes to the home region. */
        exportRegions: Object.fromEntries(regions),
        callbackUrl: env.FEDERATION_CALLBACK_URL,
        callbackId: env.FEDERATION_CALLBACK_ID,
        callbackThumbprints: env.FEDERATION_CALLBACK_THUMBPRINTS.map((t) =>
          t.replace(/:/g, '').toLowerCase(),
        ),
      },
    };
  },
});

export type FederationConfig = ReturnType<typeof federationConfig.map>;
