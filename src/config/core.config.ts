import { z } from 'zod';
import { envBool, envInt, envList, envOptionalSecret } from './env';

/** Process-wide settings: HTTP listener, profile, data directory, logging. */
export const coreEnv = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'])
    .default('development')
    .describe('`production` enforces non-default secrets and refuses demo simulators.'),
  PORT: envInt(3000, 0, 65535).describe('HTTP(S) port of the public listener.'),
  HOST: z.string().default('0.0.0.0').describe('Interface the listener binds to.'),
  PUBLIC_URL: z
    .url()
    .optional()
    .describe('External base URL (links, cookies, webhook signatures). Default: http(s)://localhost:PORT.'),
  DATA_DIR: z
    .string()
    .default('./data')
    .describe('Embedded profile: SQLite file, export files and keys are kept here.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level (JSON logs, personal data redacted).'),
  TLS_CERT: z.string().optional().describe('PEM certificate file: serve HTTPS directly (with TLS_KEY).'),
  TLS_KEY: z.string().optional().describe('PEM private key file for TLS_CERT.'),
  TRUST_PROXY: envBool(false).describe('Trust X-Forwarded-* from a load balancer (client IP, protocol).'),
  CORS_ORIGINS: envList().describe('Comma-separated origins allowed to call the API with credentials.'),
  BODY_LIMIT: z.string().default('100kb').describe('Default maximum request body size.'),
  DEMO_SIMULATORS: envBool(true).describe(
    'Run the built-in protocol simulators (IRMA, identity provider, lab registry, phone exchange) for demos. Refused in production.',
  ),
  BOOTSTRAP_ADMIN_EMAIL: z
    .email()
    .default('admin@veilig.local')
    .describe('Embedded profile: platform admin created on first start (its one-time password is printed).'),
  METRICS_TOKEN: envOptionalSecret(
    'When set, GET /metrics requires `Authorization: Bearer <token>`. Required in production.',
  ),
  JOBS_WORKER: envBool(true).describe('Process background jobs in this instance (false: only enqueue).'),
  JOBS_SCHEDULE_CHECK_SECONDS: envInt(30, 1, 3600).describe(
    'Bull: how often each instance registers its job schedules again, should Redis have lost them (restarted empty).',
  ),
};

export const databaseEnv = {
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .describe('PostgreSQL URL (production). Unset: embedded SQLite file under DATA_DIR.'),
  DATABASE_SSL: z
    .enum(['disable', 'require', 'verify-full'])
    .default('disable')
    .describe(
      'TLS to PostgreSQL: `verify-full` checks that DATABASE_CA_FILE signed the server certificate and that it names the host in DATABASE_URL (production requires it); `require` encrypts without checking.',
    ),
  DATABASE_CA_FILE: z.string().optional().describe('PEM CA bundle for DATABASE_SSL=verify-full.'),
  DATABASE_MIGRATIONS_RUN: envBool(true).describe('Run pending migrations at start-up.'),
  DATABASE_POOL_SIZE: envInt(10, 1, 500).describe('PostgreSQL connection pool size per instance.'),
};

export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional()
    .describe('Redis URL: Bull job queues, shared rate limits and live events across instances.'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]+$/)
    .default('veilig')
    .describe('Key prefix in Redis (lets several deployments or test runs share one server).'),
  REDIS_CA_FILE: z
    .string()
    .optional()
    .describe(
      'PEM CA bundle that signed the Redis server certificate (rediss:// URLs; unset: the system CAs). The host in REDIS_URL must be in the certificate.',
    ),
  REDIS_CERT_FILE: z
    .string()
    .optional()
    .describe(
      'PEM client certificate for Redis servers that ask for one (`tls-auth-clients yes`), with REDIS_KEY_FILE.',
    ),
  REDIS_KEY_FILE: z.string().optional().describe('PEM private key of REDIS_CERT_FILE.'),
};

export const storageEnv = {
  S3_ENDPOINT: z
    .url()
    .optional()
    .describe(
      'S3-compatible object store for export files (several instances share them), e.g. `https://s3.eu-west-1.amazonaws.com`; path-style requests. Unset: files under DATA_DIR.',
    ),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional()
    .describe('Bucket for S3_ENDPOINT.'),
  S3_REGION: z.string().default('us-east-1').describe('Region the S3 requests are signed for (SigV4).'),
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with /')
    .default('')
    .describe('Key prefix inside the bucket, e.g. `veilig/`.'),
  S3_ACCESS_KEY_ID: z.string().optional().describe('Access key for S3_ENDPOINT.'),
  S3_SECRET_ACCESS_KEY: envOptionalSecret('Secret key for S3_ENDPOINT (never logged).', 1),
};
