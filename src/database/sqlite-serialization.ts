import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/** The part of better-sqlite3's `Database` that tells what SQLite itself thinks. */
interface SqliteConnection {
  /** False when SQLite is in autocommit mode, i.e. no transaction is open (sqlite3_get_autocommit). */
  readonly inTransaction: boolean;
  exec(sql: string): unknown;
}

/**
 * A statement failed and SQLite rolled the whole transaction back by itself (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM, … do that). Every later statement of the same transaction fails with this error, as
 * PostgreSQL does after an error (SQLSTATE 25P02), so nothing runs in autocommit by accident. `code`
 * is the cause's, so callers classify it like the cause.
 */
export class SqliteTransactionAbortedError extends Error {
  readonly code: string | undefined;

  constructor(override readonly cause: unknown) {
    super('SQLite rolled the transaction back after an error; its statements were not stored');
    this.code = (cause as { code?: string } | null)?.code;
  }
}

/**
 * TypeORM's better-sqlite3 driver has one connection. Concurrent requests would otherwise nest
 * transactions ("cannot start a transaction within a transaction") or slip their writes into another
 * request's open transaction, to be lost if it rolls back. So in the embedded profile:
 * - `dataSource.transaction()` calls take turns (a mutex), and the callback runs in an async context
 *   that marks it as the lock holder;
 * - a query from outside that context waits while a transaction is open;
 * - a transaction TypeORM starts by itself (e.g. inside `save()`) also takes the lock, until it ends.
 *
 * It also keeps TypeORM's idea of the transaction equal to SQLite's. TypeORM counts its own depth: when
 * SQLite ends a transaction by itself (a full disk fails a statement or the COMMIT), TypeORM's ROLLBACK
 * fails, its depth stays at 1, the next transaction becomes a SAVEPOINT and, after any later
 * `ROLLBACK TO`, every following write lands in a transaction that is never committed — while the
 * requests that made them were answered as stored. So: a failed statement inside a transaction that
 * SQLite ended marks it aborted; the outermost commit or rollback that fails, or finds SQLite's state
 * different from its own, rolls back for real and resets the runner to "no transaction".
 */
export function serializeSqliteAccess(dataSource: DataSource): void {
  const holder = new AsyncLocalStorage<true>();
  let tail: Promise<void> = Promise.resolve();
  let implicitRelease: (() => void) | null = null;

  const acquire = (): Promise<() => void> => {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const previous = tail;
    tail = previous.then(() => next);
    return previous.then(() => release);
  };

  const originalTransaction = dataSource.transaction.bind(dataSource) as (
    ...args: unknown[]
  ) => Promise<unknown>;
  (dataSource as { transaction: unknown }).transaction = async (...args: unknown[]) => {
    if (holder.getStore()) return originalTransaction(...args);
    const release = await acquire();
    try {
      return await holder.run(true, () => originalTransaction(...args));
    } finally {
      release();
    }
  };

  const connection = (dataSource.driver as unknown as { databaseConnection: SqliteConnection })
    .databaseConnection;
  const runner: QueryRunner = dataSource.driver.createQueryRunner('master');
  const state = runner as unknown as { isTransactionActive: boolean; transactionDepth: number };
  /** The error after which SQLite ended the open transaction, until TypeORM ends it too. */
  let aborted: unknown = null;
  const outermost = () => state.transactionDepth <= 1;
  /** No transaction, on both sides. */
  const reset = () => {
    if (connection.inTransaction) connection.exec('ROLLBACK');
    state.isTransactionActive = false;
    state.transactionDepth = 0;
    aborted = null;
  };

  const originalQuery = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  (runner as { query: unknown }).query = async (...args: unknown[]) => {
    if (runner.isTransactionActive && !holder.getStore() && !implicitRelease) {
      const release = await acquire();
      release();
    }
    if (aborted && runner.isTransactionActive) throw new SqliteTransactionAbortedError(aborted);
    try {
      return await originalQuery(...args);
    } catch (e) {
      if (runner.isTransactionActive && !connection.inTransaction) aborted = e;
      throw e;
    }
  };

  const originalStart = runner.startTransaction.bind(runner);
  const originalCommit = runner.commitTransaction.bind(runner);
  const originalRollback = runner.rollbackTransaction.bind(runner);
  runner.startTransaction = async (level) => {
    if (!holder.getStore() && !runner.isTransactionActive) implicitRelease = await acquire();
    return originalStart(level);
  };
  const endImplicit = () => {
    if (implicitRelease && !runner.isTransactionActive) {
      const release = implicitRelease;
      implicitRelease = null;
      release();
    }
  };
  runner.commitTransaction = async () => {
    try {
      if (aborted) {
        const cause = aborted;
        if (outermost()) reset();
        throw new SqliteTransactionAbortedError(cause); // the caller rolls back the inner levels
      }
      const last = outermost();
      try {
        await originalCommit();
      } catch (e) {
        if (last) reset();
        throw e;
      }
      if (last && connection.inTransaction) {
        reset();
        throw new Error('SQLite kept the transaction open after COMMIT; it was rolled back');
      }
    } finally {
      endImplicit();
    }
  };
  runner.rollbackTransaction = async () => {
    try {
      if (aborted) {
        if (outermost()) reset();
        else state.transactionDepth -= 1; // SQLite ended the outer levels too; they roll back next
        return;
      }
      if (outermost()) {
        await originalRollback().catch(() => undefined);
        reset(); // whatever ROLLBACK said, nothing is open afterwards
      } else {
        await originalRollback();
      }
    } finally {
      endImplicit();
    }
  };
}
