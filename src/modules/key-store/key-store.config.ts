import { z } from 'zod';
import { defineConfigSection, envInt, envOptionalSecret, envSecret } from '../../config/env';

const signingKeyList = z
  .string()
  .regex(/^([A-Za-z0-9_]+=[^,]+)(,[A-Za-z0-9_]+=[^,]+)*$/, 'expected version=path.pem[,version=path.pem…]')
  .optional();

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
    EXPORT_SIGNING_KEYS: signingKeyList.describe(
      'P-256 private keys (PKCS#8 PEM files) by version: `v1=/keys/v1.pem,v2=/keys/v2.pem`. Unset in the embedded profile: one is generated under DATA_DIR/keys.',
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
    if (core.isProduction && !env.EXPORT_SIGNING_KEYS)
      problems.push('EXPORT_SIGNING_KEYS: production needs configured export signing keys');
    const versions = env.EXPORT_SIGNING_KEYS?.split(',').map((p) => p.split('=')[0]) ?? [];
    if (
      env.EXPORT_SIGNING_ACTIVE_VERSION &&
      env.EXPORT_SIGNING_KEYS &&
      !versions.includes(env.EXPORT_SIGNING_ACTIVE_VERSION)
    ) {
      problems.push('EXPORT_SIGNING_ACTIVE_VERSION: not one of the versions in EXPORT_SIGNING_KEYS');
    }
    return problems;
  },
  map: (env, core) => {
    const keys = env.EXPORT_SIGNING_KEYS?.split(',').map((pair) => {
      const [version, file] = pair.split('=') as [string, string];
      return { version, file };
    });
    return {
      homeRegion: env.HOME_REGION,
      /** Undefined: this deployment accepts no upload tokens. */
      uploadTokenSecret: env.UPLOAD_TOKEN_SECRET ?? (core.isProduction ? undefined : DEV_UPLOAD_TOKEN_SECRET),
      uploadTokenTtlMs: env.UPLOAD_TOKEN_TTL_MINUTES * 60_000,
      exportPeriodMs: env.EXPORT_PERIOD_MINUTES * 60_000,
      exportMinKeys: env.EXPORT_MIN_KEYS,
      exportMaxKeysPerFile: env.EXPORT_MAX_KEYS_PER_FILE,
      embargoMs: env.EXPORT_KEY_EMBARGO_MINUTES * 60_000,
      receiptResolutionMs: env.KEY_RECEIPT_RESOLUTION_MINUTES * 60_000,
      settleMs: env.EXPORT_SETTLE_SECONDS * 1000,
      signing: {
        keyId: env.EXPORT_SIGNING_KEY_ID,
        keys: keys ?? [{ version: 'v1', file: `${core.dataDir}/keys/export-signing-v1.pem`, generate: true }],
        activeVersion: env.EXPORT_SIGNING_ACTIVE_VERSION ?? keys?.at(-1)?.version ?? 'v1',
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
