process.env.TZ = 'UTC';
// Entity column types are chosen at import time from DATABASE_URL (src/database/column-types.ts); each
// app instance still gets its own database URL through its config.
if (process.env.VEILIG_TEST_PROFILE === 'services') {
  process.env.DATABASE_URL ??= process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}
