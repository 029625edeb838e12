import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { serializeSqliteAccess, SqliteTransactionAbortedError } from './sqlite-serialization';

/** What another connection reads from the file: only committed rows. */
const committedRows = async (file: string) => {
  const reader = await new DataSource({
    type: 'better-sqlite3',
    database: file,
    readonly: true,
  }).initialize();
  try {
    return (await reader.query<{ n: number }[]>('SELECT count(*) AS n FROM t'))[0].n;
  } finally {
    await reader.destroy();
  }
};

describe('serializeSqliteAccess after SQLite ended a transaction by itself', () => {
  let sut: DataSource;
  let file: string;
  const pragma = (s: string) =>
    (
      sut.driver as unknown as { databaseConnection: { pragma(s: string, o: { simple: true }): unknown } }
    ).databaseConnection.pragma(s, { simple: true });
  const insert = (em: { query(q: string, p: unknown[]): Promise<unknown> }) =>
    em.query('INSERT INTO t (payload) VALUES (?)', [Buffer.alloc(20_000)]);
  const full = () => pragma(`max_page_count = ${Number(pragma('page_count'))}`);
  const roomy = () => pragma('max_page_count = 1000000');

  beforeEach(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'veilig-sqlite-')), 'db.sqlite');
    sut = await new DataSource({ type: 'better-sqlite3', database: file }).initialize();
    serializeSqliteAccess(sut);
    await sut.query('PRAGMA journal_mode = WAL');
    await sut.query('CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)');
  });
  afterEach(() => sut.destroy());

  it('fails every later statement of that transaction instead of running it in autocommit', async () => {
    full();
    await expect(
      sut.transaction(async (em) => {
        await insert(em).catch(() => undefined); // a caller that swallows the SQLITE_FULL …
        roomy();
        await insert(em); // … must not store this one on its own
      }),
    ).rejects.toBeInstanceOf(SqliteTransactionAbortedError);
    expect(await committedRows(file)).toBe(0);
  });

  it('commits the next transactions for real, also after a rollback', async () => {
    full();
    await expect(sut.transaction(insert)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    roomy();
    await sut.transaction(insert);
    await expect(
      sut.transaction(async (em) => {
        await insert(em);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await sut.transaction(insert);
    await sut.query('SELECT 1'); // and plain queries still run
    expect(await committedRows(file)).toBe(2);
  });
});
