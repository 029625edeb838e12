/**
 * Column types that differ between SQLite and PostgreSQL. Entity decorators are evaluated at import
 * time, before Nest has a config object, so the dialect is read from the environment here; one process
 * only ever talks to one kind of database. Migrations use `columnTypesFor(queryRunner)` so entities and
 * migrations agree (the drift test checks it).
 */
import type { QueryRunner } from 'typeorm';

export type DatabaseKind = 'postgres' | 'sqlite';

export function columnTypes(kind: DatabaseKind) {
  return kind === 'postgres'
    ? ({ timestamp: 'timestamptz', binary: 'bytea', now: 'now()', true: 'true', false: 'false' } as const)
    : ({ timestamp: 'datetime', binary: 'blob', now: "datetime('now')", true: '1', false: '0' } as const);
}

export const databaseKind: DatabaseKind = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? '')
  ? 'postgres'
  : 'sqlite';

/** Types for entity decorators in this process. */
export const dbTypes = columnTypes(databaseKind);

export function columnTypesFor(queryRunner: QueryRunner) {
  return columnTypes(queryRunner.connection.driver.options.type === 'postgres' ? 'postgres' : 'sqlite');
}
