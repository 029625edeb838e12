import type { DataSource } from 'typeorm';

// Arbitrary but fixed: every instance takes the same PostgreSQL advisory lock around migrations.
const MIGRATION_LOCK_ID = 741_852_963;

/**
 * Runs pending migrations, one transaction each. On PostgreSQL an advisory lock makes instances that
 * start together take turns. SQLite cannot alter tables in place: TypeORM rebuilds them, which fails
 * with foreign keys on, so they are switched off around the run (as Vendure does).
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type === 'postgres') {
    const lock = dataSource.createQueryRunner();
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      const done = await dataSource.runMigrations({ transaction: 'each' });
      return done.map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await lock.release();
    }
  }
  await dataSource.query('PRAGMA foreign_keys = OFF');
  try {
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await dataSource.query('PRAGMA foreign_keys = ON');
  }
}

/** SQL the entities would still need after all migrations ran; empty when they agree. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}
