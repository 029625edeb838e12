/** The driver's error code (PostgreSQL SQLSTATE, SQLite's code), also when TypeORM wrapped the error. */
export function databaseErrorCode(error: unknown): string | undefined {
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
  const code = databaseErrorCode(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * PostgreSQL gave up on a statement because of another one running at the same time: a deadlock
 * (40P01) or a serialization failure (40001). Run alone, the statement would likely go through.
 */
export function isConcurrencyFailure(error: unknown): boolean {
  const code = databaseErrorCode(error);
  return code === '40P01' || code === '40001';
}

/** SQLite result codes (primary, before any `_` extension) that mean "storage cannot take writes now". */
const SQLITE_UNAVAILABLE = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
]);
/** Socket-level failures of the connection to PostgreSQL. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * The database cannot take the request now, but may soon: a full disk, an I/O error, a read-only or
 * busy file (SQLite); a lost connection, class 08 (connection exception), class 53 (disk full, out of
 * memory, too many connections), 57P01–57P03 (shutdown, cannot connect now) or 25006 (a read-only
 * standby after failover) (PostgreSQL, Appendix A of its manual). Such requests are answered 503 with
 * Retry-After: nothing was stored, and the client may send the same request again.
 */
export function isStorageUnavailable(error: unknown): boolean {
  const code = databaseErrorCode(error);
  if (code) {
    if (code.startsWith('SQLITE_')) return SQLITE_UNAVAILABLE.has(code.replace(/^(SQLITE_[A-Z]+).*$/, '$1'));
    if (NETWORK_CODES.has(code)) return true;
    if (/^(08|53)[0-9A-Z]{3}$/.test(code) || code === '25006' || /^57P0[123]$/.test(code)) return true;
  }
  // node-postgres reports a dropped connection or a full pool by message only.
  const message = (error as { message?: unknown } | null)?.message;
  return (
    typeof message === 'string' &&
    /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
      message,
    )
  );
}
