import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseKeyring } from '../../common/crypto/envelope';
import {
  defineConfigSection,
  envBool,
  envInt,
  envList,
  envOptionalSecret,
  envSecret,
} from '../../config/env';

// Development defaults only: production refuses them (see envSecret).
const DEV_CLIENT_SECRET = 'dev-only-oidc-client-secret-change-me-0000';
const DEV_LAB_API_KEY = 'dev-only-lab-registry-api-key-change-me-000';
const DEV_SUBJECT_KEY = 'dev-only-identity-subject-hmac-key-change-me-000';
const DEV_TOKEN_KEYS = 'dev1:ZGV2LW9ubHktdG9rZW4ta2V5LWtleS0zMi1ieXRlcyE=';

/** Identity-based verification: national eID login, lab registry, limits, anonymous upload tokens. */
export const identityVerificationConfig = defineConfigSection({
  key: 'identity',
  title: 'Identity-based verification',
  shape: {
    IDENTITY_OIDC_ISSUER: z
      .url()
      .optional()
      .describe(
        'Issuer URL of the national identity provider (OpenID Connect discovery). Unset with DEMO_SIMULATORS: a simulator on loopback.',
      ),
    IDENTITY_OIDC_CLIENT_ID: z
      .string()
      .min(1)
      .max(200)
      .default('veilig-verification')
      .describe('Client id of the verification service at the identity provider.'),
    IDENTITY_OIDC_CLIENT_AUTH: z
      .enum(['client_secret_basic', 'private_key_jwt'])
      .default('client_secret_basic')
      .describe(
        'Client authentication at the token endpoint: `client_secret_basic`, or `private_key_jwt` (RFC 7523, recommended by ID-porten) with IDENTITY_OIDC_CLIENT_KEY.',
      ),
    IDENTITY_OIDC_CLIENT_SECRET: envOptionalSecret(
      'Client secret for client_secret_basic; production must set its own (a development value is used otherwise).',
      16,
    ),
    IDENTITY_OIDC_CLIENT_KEY: z
      .string()
      .optional()
      .describe(
        "private_key_jwt: PEM file with the client's private key (RSA for RS256, P-256 for ES256), registered at the identity provider.",
      ),
    IDENTITY_OIDC_CLIENT_KEY_ID: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/)
      .optional()
      .describe('private_key_jwt: `kid` of the registered key. Default: its RFC 7638 JWK thumbprint.'),
    IDENTITY_OIDC_SCOPE: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e ]+$/)
      .default('openid')
      .describe('Scopes requested at login; must include `openid`.'),
    IDENTITY_OIDC_IDENTIFIER_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .default('pid')
      .describe('ID-token claim with the national identifier (ID-porten: `pid`); `sub` is the pseudonym.'),
    IDENTITY_OIDC_ACR_LEVELS: envList().describe(
      "The provider's `acr` levels, lowest first. Default: ID-porten's `idporten-loa-low,idporten-loa-substantial,idporten-loa-high`.",
    ),
    IDENTITY_OIDC_MIN_ACR: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Lowest acceptable level of IDENTITY_OIDC_ACR_LEVELS: requested as `acr_values`, and the ID token's `acr` must be it or a higher one. Required in production.",
      ),
    IDENTITY_OIDC_LOGOUT: envBool(true).describe(
      'After each verification, log the user out at the identity provider (RP-initiated logout) when it offers an end_session_endpoint, so the next verification in that browser is a new login.',
    ),
    IDENTITY_OIDC_TIMEOUT_MS: envInt(5000, 100, 60_000).describe(
      'Timeout of each request to the identity provider (discovery, JWKS, token).',
    ),
    IDENTITY_APP_REDIRECT_URIS: envList().describe(
      'Redirect URIs of the app the login may return to (exact match). Default `nl.veilig.app:/identity-callback`.',
    ),
    IDENTITY_LOGIN_TTL_MINUTES: envInt(10, 1, 60).describe(
      'A login, and then its result, must be completed within this time.',
    ),
    IDENTITY_LOGINS_PER_IP_PER_MINUTE: envInt(60, 1, 100_000).describe(
      'Logins one client address may start per minute.',
    ),
    IDENTITY_MIN_AGE_YEARS: envInt(16, 0, 120).describe('Minimum age for verification.'),
    IDENTITY_MAX_SAMPLE_AGE_DAYS: envInt(14, 0, 60).describe(
      'A positive sample taken at most this many days ago verifies.',
    ),
    IDENTITY_MAX_VERIFICATIONS: envInt(3, 1, 1000).describe(
      'Verifications per person within the window; one more is refused (blocked).',
    ),
    IDENTITY_VERIFICATION_WINDOW_HOURS: envInt(24, 1, 24 * 30).describe(
      'Window of IDENTITY_MAX_VERIFICATIONS; verification times older than this are deleted.',
    ),
    IDENTITY_MAX_KEYS: envInt(15, 1, 30).describe('Keys one verified upload may hold (14 days plus today).'),
    IDENTITY_SUBJECT_HMAC_KEY: envSecret(
      DEV_SUBJECT_KEY,
      'HMAC key under which the identity provider pseudonym is stored for the verification limit.',
    ),
    IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS: envSecret(
      DEV_TOKEN_KEYS,
      'Encrypts the RSA token-signing keys at rest: comma-separated `id:base64(32 bytes)`; the first encrypts, all decrypt.',
    ),
    LAB_REGISTRY_URL: z
      .url()
      .optional()
      .describe('Base URL of the lab registry API. Unset with DEMO_SIMULATORS: a simulator on loopback.'),
    LAB_REGISTRY_API_KEY: envSecret(DEV_LAB_API_KEY, 'Bearer API key for the lab registry.', 16),
    LAB_REGISTRY_TIMEOUT_MS: envInt(5000, 100, 60_000).describe(
      'The registry counts as unavailable when it has not answered within this time.',
    ),
  },
  check: (env, core) => {
    const problems: string[] = [];
    try {
      parseKeyring(env.IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS);
    } catch (e) {
      problems.push(`IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS: ${(e as Error).message}`);
    }
    if (!env.IDENTITY_OIDC_SCOPE.split(' ').includes('openid'))
      problems.push('IDENTITY_OIDC_SCOPE: must include openid');
    if (env.IDENTITY_OIDC_MIN_ACR && !acrLevels(env).includes(env.IDENTITY_OIDC_MIN_ACR))
      problems.push('IDENTITY_OIDC_MIN_ACR: must be one of IDENTITY_OIDC_ACR_LEVELS');
    if (env.IDENTITY_OIDC_CLIENT_AUTH === 'private_key_jwt') {
      if (!env.IDENTITY_OIDC_CLIENT_KEY)
        problems.push('IDENTITY_OIDC_CLIENT_KEY: required with IDENTITY_OIDC_CLIENT_AUTH=private_key_jwt');
      else {
        try {
          readClientKey(env.IDENTITY_OIDC_CLIENT_KEY);
        } catch (e) {
          problems.push(`IDENTITY_OIDC_CLIENT_KEY: ${(e as Error).message}`);
        }
      }
    }
    if (core.isProduction) {
      if (!env.IDENTITY_OIDC_MIN_ACR)
        problems.push('IDENTITY_OIDC_MIN_ACR: production requires a minimum authentication level');
      const secret = env.IDENTITY_OIDC_CLIENT_SECRET;
      if (
        env.IDENTITY_OIDC_CLIENT_AUTH === 'client_secret_basic' &&
        (!secret || secret === DEV_CLIENT_SECRET)
      )
        problems.push(
          'IDENTITY_OIDC_CLIENT_SECRET: production needs its own secret, not the development default',
        );
      for (const name of ['IDENTITY_OIDC_ISSUER', 'LAB_REGISTRY_URL'] as const) {
        if (env[name] && !env[name].startsWith('https://'))
          problems.push(`${name}: production requires https`);
      }
    }
    return problems;
  },
  map: (env, core) => {
    const demo = core.demoSimulators && !core.isProduction;
    return {
      oidc: {
        issuer: env.IDENTITY_OIDC_ISSUER ?? null,
        simulated: !env.IDENTITY_OIDC_ISSUER && demo,
        clientId: env.IDENTITY_OIDC_CLIENT_ID,
        clientAuth:
          env.IDENTITY_OIDC_CLIENT_AUTH === 'private_key_jwt' && env.IDENTITY_OIDC_CLIENT_KEY
            ? {
                method: 'private_key_jwt' as const,
                privateKeyPem: readClientKey(env.IDENTITY_OIDC_CLIENT_KEY),
                keyId: env.IDENTITY_OIDC_CLIENT_KEY_ID ?? null,
              }
            : {
                method: 'client_secret_basic' as const,
                clientSecret: env.IDENTITY_OIDC_CLIENT_SECRET ?? DEV_CLIENT_SECRET,
              },
        scope: env.IDENTITY_OIDC_SCOPE,
        identifierClaim: env.IDENTITY_OIDC_IDENTIFIER_CLAIM,
        assurance: { levels: acrLevels(env), minimum: env.IDENTITY_OIDC_MIN_ACR ?? null },
        logout: env.IDENTITY_OIDC_LOGOUT,
        timeoutMs: env.IDENTITY_OIDC_TIMEOUT_MS,
        redirectUri: `${core.publicUrl.replace(/\/$/, '')}/api/v1/identity/callback`,
        postLogoutRedirectUri: `${core.publicUrl.replace(/\/$/, '')}/api/v1/identity/logged-out`,
      },
      lab: {
        url: env.LAB_REGISTRY_URL ?? null,
        simulated: !env.LAB_REGISTRY_URL && demo,
        apiKey: env.LAB_REGISTRY_API_KEY,
        timeoutMs: env.LAB_REGISTRY_TIMEOUT_MS,
      },
      appRedirectUris: env.IDENTITY_APP_REDIRECT_URIS.length
        ? env.IDENTITY_APP_REDIRECT_URIS
        : ['nl.veilig.app:/identity-callback'],
      loginTtlMs: env.IDENTITY_LOGIN_TTL_MINUTES * 60_000,
      loginsPerIpPerMinute: env.IDENTITY_LOGINS_PER_IP_PER_MINUTE,
      rules: { minAgeYears: env.IDENTITY_MIN_AGE_YEARS, maxSampleAgeDays: env.IDENTITY_MAX_SAMPLE_AGE_DAYS },
      limit: {
        maxVerifications: env.IDENTITY_MAX_VERIFICATIONS,
        windowMs: env.IDENTITY_VERIFICATION_WINDOW_HOURS * 3_600_000,
      },
      maxKeys: env.IDENTITY_MAX_KEYS,
      subjectHmacKey: env.IDENTITY_SUBJECT_HMAC_KEY,
      tokenKeyEncryptionKeys: parseKeyring(env.IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS),
    };
  },
});

/** ID-porten's levels of assurance, lowest first (its `acr` values). */
const IDPORTEN_ACR_LEVELS = ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'];

function acrLevels(env: { IDENTITY_OIDC_ACR_LEVELS: string[] }): string[] {
  return env.IDENTITY_OIDC_ACR_LEVELS.length ? env.IDENTITY_OIDC_ACR_LEVELS : IDPORTEN_ACR_LEVELS;
}

/** The PEM of a private_key_jwt client key, checked to be an RSA or P-256 private key. */
function readClientKey(file: string): string {
  const pem = readFileSync(file, 'utf8');
  const key = createPrivateKey(pem);
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'rsa' && !(key.asymmetricKeyType === 'ec' && curve === 'prime256v1'))
    throw new Error('must be an RSA or P-256 private key (PEM)');
  return pem;
}

export type IdentityVerificationConfig = ReturnType<typeof identityVerificationConfig.map>;
