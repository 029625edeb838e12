import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { readConfiguredFile } from '../infrastructure/startup-errors';
import { entities } from './entities';
import { migrations } from './migrations';

/**
 * TypeORM options for both profiles. `synchronize` is never on: the schema comes from migrations only.
 */
export function dataSourceOptions(config: Pick<AppConfig, 'database'>): DataSourceOptions {
  const db = config.database;
  const common = {
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false, // run explicitly in DatabaseModule so SQLite can switch foreign keys off around it
    migrationsTransactionMode: 'each',
  } as const;
  if (db.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: db.url,
      extra: { max: db.poolSize },
      ssl:
        db.ssl === 'disable'
          ? false
          : {
              rejectUnauthorized: db.ssl === 'verify-full',
              ca: db.caFile ? readConfiguredFile('DATABASE_CA_FILE', db.caFile) : undefined,
            },
    };
  }
  mkdirSync(dirname(db.file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.file,
    // WAL lets readers proceed during the aggregation job's writes; foreign keys on for every connection.
    // secure_delete overwrites deleted rows (a finished login, an expired verification time) with zeros
    // instead of leaving them readable in free space (docs/identity-verification.md, "What remains").
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma('journal_mode = WAL');
      conn.pragma('secure_delete = ON');
      conn.pragma('busy_timeout = 5000');
      conn.pragma('foreign_keys = ON');
    },
  };
}
