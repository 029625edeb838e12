import { z } from 'zod';
import { defineConfigSection, envInt, envOptionalSecret, envSecret } from '../../config/env';

const versionList = (what: string) =>
  z
    .string()
    .regex(/^([A-Za-z0-9_]+=[^,]+)(,[A-Za-z0-9_]+=[^,]+)*$/, `expected version=${what}[,version=${what}…]`)
    .optional();

/** `v1=a,v2=b` → [{ version: 'v1', value: 'a' }, …] */
const versions = (list: string | undefined) =>
  list?.split(',').map((pair) => {
    const [version, value] = pair.split('=') as [string, string];
    return { version, value };
  });

const PKCS11_VARIABLES = [
  'EXPORT_SIGNING_PKCS11_TOKEN',
  'EXPORT_SIGNING_PKCS11_PIN_FILE',
  'EXPORT_SIGNING_PKCS11_KEYS',
] as const;

const DEV_UPLOAD_TOKEN_SECRET = 'dev-only-upload-token-secret-change-me-0000000000';

/** Uploads, aggregation cycles, export signing and downloads. */
export const keyStoreConfig = defineConfigSection({
  key: 'keyStore',
  title: 'Exposure key store',
  shape: {
    HOME_REGION: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .default('NL')
      .describe(
        "ISO 3166-1 alpha-2 of this national backend: origin of its apps' keys and the region of its exports.",
      ),
    UPLOAD_TOKEN_SECRET: envOptionalSecret(
      "HMAC key (≥ 32 chars) shared with a health authority's verification service that mints upload tokens (docs/upload-tokens.md). Unset: upload tokens are refused; outside production a development key is used.",
      32,
      DEV_UPLOAD_TOKEN_SECRET,
    ),
    UPLOAD_TOKEN_PREVIOUS_SECRET: envOptionalSecret(
      'Rotation: the previous UPLOAD_TOKEN_SECRET, still accepted for tokens it signed; remove it once the verification service signs with the new one and its old tokens have expired (docs/upload-tokens.md).',
    ),
    UPLOAD_TOKEN_TTL_MINUTES: envInt(60, 1, 24 * 60).describe('Lifetime of an upload token.'),
    EXPORT_PERIOD_MINUTES: envInt(60, 1, 24 * 60).describe(
      'Aggregation cycle: how often ready keys become a signed export.',
    ),
    EXPORT_MIN_KEYS: envInt(1000, 0, 1_000_000).describe(
      'Export files with fewer real keys are padded with generated keys up to this count.',
    ),
    EXPORT_MAX_KEYS_PER_FILE: envInt(500_000, 1000, 1_000_000).describe(
      'Keys per export file at most; larger cycles are split.',
    ),
    EXPORT_SETTLE_SECONDS: envInt(60, 0, 3600).describe(
      'A cycle exports keys that became available up to this long before it runs, so an upload still being committed is never skipped; keep it above the longest upload transaction.',
    ),
    KEY_RECEIPT_RESOLUTION_MINUTES: envInt(60, 1, 24 * 60).describe(
      'Uploaded keys store their receipt time only to this many minutes (a divisor of 1440) and are exported from the end of that period: coarser hides the upload among more others, and delays exports by up to as long.',
    ),
    EXPORT_KEY_EMBARGO_MINUTES: envInt(120, 0, 24 * 60).describe(
      'A key is exported only this long after its rolling period ended (GAEN matches RPIs ±2 h).',
    ),
    EXPORT_SIGNING_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,32}$/)
      .default('204')
      .describe('verification_key_id in SignatureInfo (Apple/Google use the MCC, e.g. 204 for NL).'),
    EXPORT_SIGNING_KEYS: versionList('path.pem').describe(
      'P-256 private keys (PKCS#8 PEM files) by version: `v1=/keys/v1.pem,v2=/keys/v2.pem`. Unset in the embedded profile (and without EXPORT_SIGNING_PKCS11_MODULE): one is generated under DATA_DIR/keys.',
    ),
    EXPORT_SIGNING_PKCS11_MODULE: z
      .string()
      .optional()
      .describe(
        'PKCS#11 library of the HSM that holds the export signing keys instead of EXPORT_SIGNING_KEYS, e.g. `/usr/lib/softhsm/libsofthsm2.so`; the private keys never leave it.',
      ),
    EXPORT_SIGNING_PKCS11_TOKEN: z
      .string()
      .optional()
      .describe('Label of the HSM token (slot) with the export signing keys.'),
    EXPORT_SIGNING_PKCS11_PIN_FILE: z
      .string()
      .optional()
      .describe('File holding the PIN of the token user (CKU_USER); read at start-up, never logged.'),
    EXPORT_SIGNING_PKCS11_KEYS: versionList('key label').describe(
      'P-256 key pairs on the token by version, as CKA_LABEL of the private and public key: `v1=veilig-export-v1,v2=veilig-export-v2`.',
    ),
    EXPORT_SIGNING_ACTIVE_VERSION: z
      .string()
      .regex(/^[A-Za-z0-9_]+$/)
      .optional()
      .describe(
        'Version that signs new exports (default: the last listed); the others stay published for rotation.',
      ),
    EXPORT_PADDING_SECRET: envSecret(
      'dev-only-export-padding-secret-change-me-000000000',
      'Seeds the generated padding keys of an export, so a re-run after a crash writes the same file.',
    ),
    KEY_STORAGE: z
      .enum(['tuned', 'portable'])
      .default('tuned')
      .describe(
        'PostgreSQL: `tuned` (several uploads per statement, binary COPY for exports) or `portable`, the TypeORM reference the tuned storage is checked against. SQLite always uses `portable`.',
      ),
    KEY_RETENTION_DAYS: envInt(14, 1, 60).describe('Keys and export files older than this are deleted.'),
    EXPORT_INDEX_MAX_AGE_SECONDS: envInt(300, 0, 86400).describe(
      'Cache lifetime of the export index (files are immutable).',
    ),
    EXPORT_INDEX_STALE_SECONDS: envInt(300, 0, 86400).describe(
      'How long after its max-age a cache may still serve the index while it fetches a fresh one (`stale-while-revalidate`).',
    ),
    EXPORT_FILES_URL: z
      .url()
      .optional()
      .describe(
        'Public base URL (a CDN or public bucket) that serves the export files as `<base>/exports/<region>/<name>`: the index lists these URLs and the file route redirects there. Unset with S3: redirects to presigned URLs.',
      ),
    EXPORT_PRESIGNED_URL_SECONDS: envInt(3600, 60, 7 * 86400).describe(
      'With S3 and no EXPORT_FILES_URL: lifetime of the presigned URL an export file request is redirected to.',
    ),
  },
  check: (env, core) => {
    const problems: string[] = [];
    if ((24 * 60) % env.KEY_RECEIPT_RESOLUTION_MINUTES !== 0)
      problems.push('KEY_RECEIPT_RESOLUTION_MINUTES: must divide a day (1440 minutes)');
    const hsm = Boolean(env.EXPORT_SIGNING_PKCS11_MODULE);
    if (core.isProduction && !env.EXPORT_SIGNING_KEYS && !hsm)
      problems.push(
        'EXPORT_SIGNING_KEYS: production needs configured export signing keys (files, or an HSM with EXPORT_SIGNING_PKCS11_MODULE)',
      );
    if (hsm && env.EXPORT_SIGNING_KEYS)
      problems.push(
        'EXPORT_SIGNING_KEYS and EXPORT_SIGNING_PKCS11_MODULE: keys come from files or from an HSM, not both',
      );
    for (const name of PKCS11_VARIABLES) {
      if (hsm && !env[name]) problems.push(`${name}: required with EXPORT_SIGNING_PKCS11_MODULE`);
      if (!hsm && env[name]) problems.push(`${name}: needs EXPORT_SIGNING_PKCS11_MODULE`);
    }
    const [listName, list] = hsm
      ? ['EXPORT_SIGNING_PKCS11_KEYS', env.EXPORT_SIGNING_PKCS11_KEYS]
      : ['EXPORT_SIGNING_KEYS', env.EXPORT_SIGNING_KEYS];
    const listed = versions(list)?.map((v) => v.version);
    if (env.EXPORT_SIGNING_ACTIVE_VERSION && listed && !listed.includes(env.EXPORT_SIGNING_ACTIVE_VERSION)) {
      problems.push(`EXPORT_SIGNING_ACTIVE_VERSION: not one of the versions in ${listName}`);
    }
    return problems;
  },
  map: (env, core) => {
    const keys = versions(env.EXPORT_SIGNING_KEYS)?.map(({ version, value }) => ({ version, file: value }));
    const hsmKeys = env.EXPORT_SIGNING_PKCS11_MODULE
      ? versions(env.EXPORT_SIGNING_PKCS11_KEYS)!.map(({ version, value }) => ({ version, label: value }))
      : undefined;
    const activeVersion = env.EXPORT_SIGNING_ACTIVE_VERSION ?? (hsmKeys ?? keys)?.at(-1)?.version ?? 'v1';
    return {
      homeRegion: env.HOME_REGION,
      /** Undefined: this deployment accepts no upload tokens. */
      uploadTokenSecret: env.UPLOAD_TOKEN_SECRET ?? (core.isProduction ? undefined : DEV_UPLOAD_TOKEN_SECRET),
      uploadTokenPreviousSecret: env.UPLOAD_TOKEN_PREVIOUS_SECRET,
      uploadTokenTtlMs: env.UPLOAD_TOKEN_TTL_MINUTES * 60_000,
      exportPeriodMs: env.EXPORT_PERIOD_MINUTES * 60_000,
      exportMinKeys: env.EXPORT_MIN_KEYS,
      exportMaxKeysPerFile: env.EXPORT_MAX_KEYS_PER_FILE,
      embargoMs: env.EXPORT_KEY_EMBARGO_MINUTES * 60_000,
      receiptResolutionMs: env.KEY_RECEIPT_RESOLUTION_MINUTES * 60_000,
      settleMs: env.EXPORT_SETTLE_SECONDS * 1000,
      signing: {
        keyId: env.EXPORT_SIGNING_KEY_ID,
        activeVersion,
        /** PEM files (none when an HSM holds the keys). */
        keys: hsmKeys
          ? []
          : (keys ?? [{ version: 'v1', file: `${core.dataDir}/keys/export-signing-v1.pem`, generate: true }]),
        pkcs11: hsmKeys
          ? {
              module: env.EXPORT_SIGNING_PKCS11_MODULE!,
              token: env.EXPORT_SIGNING_PKCS11_TOKEN!,
              pinFile: env.EXPORT_SIGNING_PKCS11_PIN_FILE!,
              keys: hsmKeys,
            }
          : undefined,
      },
      paddingSecret: env.EXPORT_PADDING_SECRET,
      storage: env.KEY_STORAGE,
      retentionDays: env.KEY_RETENTION_DAYS,
      indexMaxAgeSeconds: env.EXPORT_INDEX_MAX_AGE_SECONDS,
      indexStaleSeconds: env.EXPORT_INDEX_STALE_SECONDS,
      filesUrl: env.EXPORT_FILES_URL?.replace(/\/$/, ''),
      presignedUrlSeconds: env.EXPORT_PRESIGNED_URL_SECONDS,
    };
  },
});

export type KeyStoreConfig = ReturnType<typeof keyStoreConfig.map>;
