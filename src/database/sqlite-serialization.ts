import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver has one connection. Concurrent requests would otherwise nest
 * transactions ("cannot start a transaction within a transaction") or slip their writes into another
 * request's open transaction, to be lost if it rolls back. So in the embedded profile:
 * - `dataSource.transaction()` calls take turns (a mutex), and the callback runs in an async context
 *   that marks it as the lock holder;
 * - a query from outside that context waits while a transaction is open;
 * - a transaction TypeORM starts by itself (e.g. inside `save()`) also takes the lock, until it ends.
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

  const runner: QueryRunner = dataSource.driver.createQueryRunner('master');
  const originalQuery = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  (runner as { query: unknown }).query = async (...args: unknown[]) => {
    if (runner.isTransactionActive && !holder.getStore() && !implicitRelease) {
      const release = await acquire();
      release();
    }
    return originalQuery(...args);
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
      return await originalCommit();
    } finally {
      endImplicit();
    }
  };
  runner.rollbackTransaction = async () => {
    try {
      return await originalRollback();
    } finally {
      endImplicit();
    }
  };
}
