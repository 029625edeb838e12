/**
 * A unique or primary-key constraint refused a write: PostgreSQL SQLSTATE 23505, SQLite's
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY. Callers use it to turn a lost race into the answer the
 * winner already gave (a second claim, a reused token, a duplicate key).
 */
export function isUniqueViolation(error: unknown): boolean {
  const driver =
    (error as { driverError?: { code?: string } } | null)?.driverError ?? (error as { code?: string } | null);
  const code = driver?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
