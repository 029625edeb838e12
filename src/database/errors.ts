/** The driver's error code (PostgreSQL SQLSTATE, SQLite's code), also when TypeORM wrapped the error. */
function errorCode(error: unknown): string | undefined {
  const driver =
    (error as { driverError?: { code?: string } } | null)?.driverError ?? (error as { code?: string } | null);
  return driver?.code;
}

/**
 * A unique or primary-key constraint refused a write: PostgreSQL SQLSTATE 23505, SQLite's
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. Callers use it to turn a lost race into the answer the
 * winner already gave (a second claim, a reused token, a duplicate key).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * PostgreSQL gave up on a statement because of another one running at the same time: a deadlock
 * (40P01) or a serialization failure (40001). Run alone, the statement would likely go through.
 */
export function isConcurrencyFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code === '40P01' || code === '40001';
}
