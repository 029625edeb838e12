import { isStorageUnavailable, isUniqueViolation } from './errors';

describe('isUniqueViolation', () => {
  it.each([
    ['a TypeORM-wrapped PostgreSQL 23505', { driverError: { code: '23505' } }, true],
    [
      'a TypeORM-wrapped SQLite unique constraint',
      { driverError: { code: 'SQLITE_CONSTRAINT_UNIQUE' } },
      true,
    ],
    ['a SQLite primary-key constraint', { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }, true],
    ['a PostgreSQL foreign-key violation', { driverError: { code: '23503' } }, false],
    ['an error that only mentions "unique"', new Error('unique constraint?'), false],
    ['nothing', null, false],
  ])('recognises %s', (_label, error, expected) => {
    expect(isUniqueViolation(error)).toBe(expected);
  });
});

describe('isStorageUnavailable', () => {
  it.each([
    ['SQLite: disk full', { driverError: { code: 'SQLITE_FULL' } }, true],
    ['SQLite: an I/O error while writing', { code: 'SQLITE_IOERR_WRITE' }, true],
    ['SQLite: a read-only file', { code: 'SQLITE_READONLY_DBMOVED' }, true],
    ['SQLite: a constraint', { code: 'SQLITE_CONSTRAINT_UNIQUE' }, false],
    ['PostgreSQL: disk full', { driverError: { code: '53100' } }, true],
    ['PostgreSQL: too many connections', { code: '53300' }, true],
    ['PostgreSQL: a read-only standby', { code: '25006' }, true],
    ['PostgreSQL: terminated by the administrator', { code: '57P01' }, true],
    ['PostgreSQL: connection failure', { code: '08006' }, true],
    ['PostgreSQL: a unique violation', { code: '23505' }, false],
    ['PostgreSQL: a syntax error', { code: '42601' }, false],
    ['node-postgres: connection dropped', new Error('Connection terminated unexpectedly'), true],
    ['node-postgres: pool exhausted', new Error('timeout exceeded when trying to connect'), true],
    ['a refused socket', { code: 'ECONNREFUSED' }, true],
    ['any other error', new Error('boom'), false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isStorageUnavailable(error)).toBe(expected);
  });
});
