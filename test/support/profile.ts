/**
 * Test profiles. `npm test` runs the e2e suites on the embedded profile (SQLite file, in-process jobs);
 * `npm run test:services` runs the same suites on PostgreSQL + Redis. Each test file gets its own
 * database (named after the file) and its own Redis key prefix, because CI's servers are shared.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Client } from 'pg';

export const servicesProfile = process.env.VEILIG_TEST_PROFILE === 'services';
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_TEST_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A name unique to the calling test file (and an optional suffix for several apps in one file).
 * `VEILIG_TEST_DB_TAG` sets checkouts that share one PostgreSQL server apart.
 */
export function testName(suffix = ''): string {
  const file = basename(expect.getState().testPath ?? 'adhoc').replace(/\.(e2e|browser)-spec\.ts$/, '');
  const tag = process.env.VEILIG_TEST_DB_TAG ? `${process.env.VEILIG_TEST_DB_TAG}_` : '';
  return `veilig_${tag}${file}${suffix ? `_${suffix}` : ''}`
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase()
    .slice(0, 60);
}

/** Environment for one app instance: a fresh database and key prefix in the selected profile. */
export async function freshEnv(
  name: string,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const env = embeddedEnv(name, extra);
  if (!servicesProfile) return env;
  await recreateDatabase(name);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    ...env,
    DATABASE_URL: url.toString(),
    REDIS_URL: REDIS_TEST_URL,
    REDIS_PREFIX: `${name}_${Date.now()}`,
  };
}

/** The embedded profile's environment with a fresh DATA_DIR; a suite adds its own servers to it. */
export function embeddedEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), `${name}-`));
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // No embargo after a key's validity, so "all but today's key are ready" holds at any hour; with the
    // 2 h defaults, yesterday's key would wait until 02:00 UTC. exportableFrom's spec covers the embargo.
    EXPORT_KEY_EMBARGO_MINUTES: '0',
    FEDERATION_UPLOAD_EXPIRY_MINUTES: '0',
    ...extra,
  };
}

/** Same database as another instance (for multi-instance tests). */
export function sharedEnv(
  env: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...env, ...extra };
}

export async function recreateDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
