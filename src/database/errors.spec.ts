import { isUniqueViolation } from './errors';

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
