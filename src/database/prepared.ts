import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs a named statement on the PostgreSQL pool: each connection parses and plans it once, and the
 * call skips TypeORM's per-query runner. For hot paths only; `name` must identify `text`.
 */
export async function queryPrepared<R extends object>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  return (await pool.query<R>({ name, text, values })).rows;
}
