/**
 * The one typed configuration: every module's env schema combined, validated at boot (naming every bad
 * variable at once) and mapped into a nested, typed object. Services receive `AppConfig`, never
 * `process.env`. A module adds its configuration by appending its section to `sections`.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { accountsConfig } from '../modules/accounts/accounts.config';
import { disclosureConfig } from '../modules/disclosure/disclosure.config';
import { federationConfig } from '../modules/federation/federation.config';
import { identityVerificationConfig } from '../modules/identity-verification/identity-verification.config';
import { keyStoreConfig } from '../modules/key-store/key-store.config';
import { veiligBellenConfig } from '../modules/veilig-bellen/veilig-bellen.config';
import { coreEnv, databaseEnv, redisEnv, storageEnv } from './core.config';
import { metaOf, type ConfigSection, type EnvShape } from './env';
import { secretWeakness } from './secret-strength';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySection = ConfigSection<string, any, unknown>;

/** Module configuration sections, in README order. */
const sections = [
  accountsConfig,
  keyStoreConfig,
  veiligBellenConfig,
  federationConfig,
  identityVerificationConfig,
  disclosureConfig,
] as const satisfies readonly AnySection[];

type SectionConfigs = { [S in (typeof sections)[number] as S['key']]: ReturnType<S['map']> };

export const envSchemaParts: { title: string; shape: EnvShape }[] = [
  { title: 'Core', shape: coreEnv },
  { title: 'Database', shape: databaseEnv },
  { title: 'Redis and jobs', shape: redisEnv },
  { title: 'File storage', shape: storageEnv },
  ...sections.map((s) => ({ title: s.title, shape: s.shape })),
];

const envSchema = z.object(Object.assign({}, ...envSchemaParts.map((p) => p.shape)) as EnvShape);
type CoreEnv = z.output<
  z.ZodObject<typeof coreEnv & typeof databaseEnv & typeof redisEnv & typeof storageEnv>
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  // Empty strings count as unset, so `FOO=` in an env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const env = parsed.data as CoreEnv & Record<string, unknown>;
  const isProduction = env.NODE_ENV === 'production';
  const problems = [
    ...crossFieldProblems(env, cleaned),
    ...sections.flatMap((s) => s.check?.(env as never, { isProduction }) ?? []),
  ];
  if (problems.length) throw new ConfigError(problems);
  const core = coreConfig(env);
  const core4sections = {
    dataDir: core.dataDir,
    isProduction,
    demoSimulators: core.demoSimulators,
    publicUrl: core.http.publicUrl,
  };
  const modules = Object.fromEntries(
    sections.map((s) => [s.key, s.map(env as never, core4sections)]),
  ) as SectionConfigs;
  return { ...core, ...modules };
}

function crossFieldProblems(env: CoreEnv, raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (Boolean(env.TLS_CERT) !== Boolean(env.TLS_KEY))
    problems.push('TLS_CERT and TLS_KEY: set both or neither');
  if (env.DATABASE_SSL === 'verify-full' && !env.DATABASE_CA_FILE) {
    problems.push('DATABASE_CA_FILE: required when DATABASE_SSL=verify-full');
  }
  // pg lets sslmode and friends in the URL override the TLS options we pass; one place decides TLS.
  if (/[?&](ssl|sslmode|sslrootcert|sslcert|sslkey)=/i.test(env.DATABASE_URL ?? ''))
    problems.push('DATABASE_URL: set TLS with DATABASE_SSL and DATABASE_CA_FILE, not in the URL');
  const redisTls = [env.REDIS_CA_FILE, env.REDIS_CERT_FILE, env.REDIS_KEY_FILE].some(Boolean);
  if (redisTls && !env.REDIS_URL?.startsWith('rediss://'))
    problems.push('REDIS_CA_FILE, REDIS_CERT_FILE, REDIS_KEY_FILE: need a rediss:// REDIS_URL');
  if (Boolean(env.REDIS_CERT_FILE) !== Boolean(env.REDIS_KEY_FILE))
    problems.push('REDIS_CERT_FILE and REDIS_KEY_FILE: set both or neither');
  const s3 = [env.S3_ENDPOINT, env.S3_BUCKET, env.S3_ACCESS_KEY_ID, env.S3_SECRET_ACCESS_KEY];
  if (s3.some(Boolean) && !s3.every(Boolean))
    problems.push('S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set all or none');
  if (env.NODE_ENV === 'production') {
    if (raw.DEMO_SIMULATORS === undefined || env.DEMO_SIMULATORS) {
      problems.push(
        'DEMO_SIMULATORS: must be set to false in production (simulators are for demos and tests)',
      );
    }
    if (!env.DATABASE_URL) problems.push('DATABASE_URL: production requires PostgreSQL');
    // All traffic to and from the database goes over verified TLS (docs/deployment.md).
    if (env.DATABASE_URL && env.DATABASE_SSL !== 'verify-full')
      problems.push('DATABASE_SSL: production requires verify-full');
    if (!env.REDIS_URL) {
      problems.push(
        'REDIS_URL: production requires Redis (several instances: jobs run once per period, limits and live calls are shared)',
      );
    } else if (!env.REDIS_URL.startsWith('rediss://')) {
      problems.push('REDIS_URL: production requires TLS (rediss://)');
    }
    if (!env.PUBLIC_URL?.startsWith('https://')) {
      problems.push(
        'PUBLIC_URL: production needs the https:// address users reach (Secure cookies, links, webhook signatures)',
      );
    }
    if (!env.METRICS_TOKEN) problems.push('METRICS_TOKEN: production requires a bearer token for /metrics');
    for (const part of envSchemaParts) {
      for (const [name, schema] of Object.entries(part.shape)) {
        const { devSecret, secret, developmentValue } = metaOf(schema);
        const value = raw[name];
        if (devSecret !== undefined && (value === undefined || value === devSecret)) {
          problems.push(`${name}: production needs its own secret, not the development default`);
        } else if (secret && value !== undefined) {
          const weakness = secretWeakness(value, devSecret ?? developmentValue);
          if (weakness)
            problems.push(`${name}: ${weakness}; use a random value, e.g. \`openssl rand -base64 32\``);
        }
      }
    }
  }
  return problems;
}

function coreConfig(env: CoreEnv) {
  const dataDir = resolve(env.DATA_DIR);
  const publicUrl = new URL(env.PUBLIC_URL ?? `${env.TLS_CERT ? 'https' : 'http'}://localhost:${env.PORT}`);
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    demoSimulators: env.DEMO_SIMULATORS,
    dataDir,
    logLevel: env.LOG_LEVEL,
    bootstrapAdminEmail: env.BOOTSTRAP_ADMIN_EMAIL,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicUrl: publicUrl.toString().replace(/\/$/, ''),
      tls: env.TLS_CERT && env.TLS_KEY ? { certFile: env.TLS_CERT, keyFile: env.TLS_KEY } : undefined,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS,
      bodyLimit: env.BODY_LIMIT,
      secureCookies: Boolean(env.TLS_CERT) || publicUrl.protocol === 'https:',
      metricsToken: env.METRICS_TOKEN,
    },
    database: env.DATABASE_URL
      ? {
          kind: 'postgres' as const,
          url: env.DATABASE_URL,
          ssl: env.DATABASE_SSL,
          caFile: env.DATABASE_CA_FILE,
          poolSize: env.DATABASE_POOL_SIZE,
          migrationsRun: env.DATABASE_MIGRATIONS_RUN,
        }
      : {
          kind: 'sqlite' as const,
          file: resolve(dataDir, 'veilig.sqlite'),
          migrationsRun: env.DATABASE_MIGRATIONS_RUN,
        },
    redis: env.REDIS_URL
      ? {
          url: env.REDIS_URL,
          prefix: env.REDIS_PREFIX,
          caFile: env.REDIS_CA_FILE,
          certFile: env.REDIS_CERT_FILE,
          keyFile: env.REDIS_KEY_FILE,
        }
      : undefined,
    files: env.S3_ENDPOINT
      ? {
          kind: 's3' as const,
          endpoint: env.S3_ENDPOINT,
          bucket: env.S3_BUCKET!,
          region: env.S3_REGION,
          prefix: env.S3_PREFIX,
          accessKeyId: env.S3_ACCESS_KEY_ID!,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
        }
      : { kind: 'local' as const, dir: resolve(dataDir, 'files') },
    jobs: { worker: env.JOBS_WORKER, scheduleCheckMs: env.JOBS_SCHEDULE_CHECK_SECONDS * 1000 },
  };
}

export type AppConfig = ReturnType<typeof coreConfig> & SectionConfigs;

/** Injection token for the validated `AppConfig`. */
export const APP_CONFIG = Symbol('APP_CONFIG');
