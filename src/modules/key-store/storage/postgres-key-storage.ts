import { createHash } from 'node:crypto';
import { escapeLiteral, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { Batcher } from '../../../common/batching';
import { copyFixedRecords } from '../../../database/copy-binary';
import { isConcurrencyFailure, isUniqueViolation } from '../../../database/errors';
import { queryPrepared } from '../../../database/prepared';
import { DiagnosisKey } from '../entities/diagnosis-key.entity';
import { KEY_RECORD_INTEGERS, KEY_RECORD_LENGTH, PackedKeys } from '../packed-keys';
import type { KeyRow, PendingUpload } from './key-storage';
import { PortableKeyStorage } from './portable-key-storage';

/** PostgreSQL connections that read one window at once, each a part of it. */
const READ_PARTS = 2;

/** The COPY row of a key: exactly a packed record (see KEY_RECORD_INTEGERS). */
const COPY_RECORD = [
  'key_data',
  ...KEY_RECORD_INTEGERS.map((f) =>
    'absent' in f ? `int4send(COALESCE(${f.column}, CAST(${f.absent} AS integer)))` : `int4send(${f.column})`,
  ),
].join(' || ');

/** The columns that differ from key to key within one upload; the others are the upload's. */
const PER_KEY: ReadonlySet<keyof DiagnosisKey> = new Set<keyof DiagnosisKey>([
  'keyData',
  'rollingStartIntervalNumber',
  'rollingPeriod',
  'transmissionRiskLevel',
  'daysSinceOnsetOfSymptoms',
  'availableAt',
]);

/** At most this many uploads share one statement. */
const MAX_UPLOADS_PER_STATEMENT = 16;
/**
 * Statements at a time per instance and flow: while one commits, the next collects uploads. More in
 * flight only makes batches smaller; in the upload benchmark (32 concurrent uploads) two carried 5.4
 * uploads per transaction where four carried 3.3, for about a tenth less server CPU per upload.
 */
const STATEMENTS_IN_FLIGHT = 2;

/**
 * The key store tuned for PostgreSQL. Uploads: one statement for several of them under load; each
 * statement spends each upload's proof and inserts the keys of the uploads whose spend changed a row, as
 * one implicit transaction: one round trip and one commit for the lot. Uploads that arrive while such
 * statements are running wait for the next one (see Batcher), so a quiet server sends each upload at once;
 * uploads with different spend statements (flows) are batched apart. Export windows: a binary COPY of
 * packed records over several connections. Everything else is the portable storage's.
 */
export class PostgresKeyStorage extends PortableKeyStorage {
  private readonly batchers = new Map<string, Batcher<PendingUpload, void>>();
  private readonly perKey: ColumnMetadata[];
  private readonly perUpload: ColumnMetadata[];
  /** Statement name and text by spend SQL and number of uploads. */
  private readonly statements = new Map<string, { name: string; text: string }[]>();

  constructor(dataSource: DataSource) {
    super(dataSource);
    const columns = dataSource.getMetadata(DiagnosisKey).columns.filter((c) => !c.isGenerated);
    this.perKey = columns.filter((c) => PER_KEY.has(c.propertyName as keyof DiagnosisKey));
    this.perUpload = columns.filter((c) => !PER_KEY.has(c.propertyName as keyof DiagnosisKey));
  }

  override storeUpload(upload: PendingUpload): Promise<void> {
    // Writes of the flow's own (an audit entry) need the upload's transaction, and the statement sends
    // the upload-wide columns once: either way the portable storage does it.
    if (upload.alsoInTransaction || !this.sharesUploadColumns(upload.rows)) return super.storeUpload(upload);
    let batcher = this.batchers.get(upload.spend.sql);
    if (!batcher) {
      batcher = new Batcher((uploads) => this.storeBatch(uploads), {
        maxInFlight: STATEMENTS_IN_FLIGHT,
        maxBatch: MAX_UPLOADS_PER_STATEMENT,
      });
      this.batchers.set(upload.spend.sql, batcher);
    }
    return batcher.submit(upload);
  }

  /** One statement for any number of keys. */
  override async storedKeys(keyData: readonly Buffer[]): Promise<Set<string>> {
    const rows: { key_data: Buffer }[] = await this.dataSource.query(
      'SELECT key_data FROM diagnosis_key WHERE key_data = ANY($1::bytea[])',
      [keyData],
    );
    return new Set(rows.map((r) => r.key_data.toString('hex')));
  }

  /**
   * One binary COPY per part of the window (readParts), each on a connection of its own, of fixed-size
   * records (the key, then the integers as int4send big-endian bytes, in KEY_RECORD_INTEGERS' order): no
   * row object per key and no text encoding on either side. Absent optional fields come as the sentinels.
   */
  override async readWindow(region: string, start: Date, end: Date): Promise<PackedKeys> {
    const keys = new PackedKeys();
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    await Promise.all(
      (await this.readParts(region, start, end)).map(([from, to]) => {
        // COPY takes no parameters, hence the quoted literals.
        const window =
          `region = ${escapeLiteral(region)} AND available_at > ${escapeLiteral(from.toISOString())} ` +
          `AND available_at <= ${escapeLiteral(to.toISOString())}`;
        const writer = keys.writer();
        return copyFixedRecords(
          pool,
          `SELECT ${COPY_RECORD} FROM diagnosis_key WHERE ${window}`,
          KEY_RECORD_LENGTH,
          (records, first, count, stride) => writer.append(records, first, count, stride),
        );
      }),
    );
    return keys;
  }

  /** Whether the rows agree on every column the statement sends once per upload (an app's upload does). */
  private sharesUploadColumns(rows: readonly KeyRow[]): boolean {
    const value = (c: ColumnMetadata, r: KeyRow) => JSON.stringify(c.getEntityValue(r));
    return this.perUpload.every((c) => rows.every((r) => value(c, r) === value(c, rows[0])));
  }

  /** `keysChecked`: none of these uploads holds a key stored before (a retry after looking). */
  private async storeBatch(
    uploads: PendingUpload[],
    keysChecked = false,
  ): Promise<PromiseSettledResult<void>[]> {
    try {
      const spent = await this.run(uploads);
      return uploads.map((upload, i) =>
        spent.includes(i + 1)
          ? { status: 'fulfilled', value: undefined }
          : { status: 'rejected', reason: upload.spend.refusal() },
      );
    } catch (e) {
      if (uploads.length === 1 || !(isUniqueViolation(e) || isConcurrencyFailure(e))) throw e;
      // A key stored before aborts the whole statement, every spend with it. Exported keys are public, so
      // one token could do this again and again: refuse the uploads that hold one, store the rest together.
      if (isUniqueViolation(e) && !keysChecked) {
        const stored = await this.storedKeys(uploads.flatMap((u) => u.rows.map((r) => r.keyData)));
        const holds = uploads.map((u) => u.rows.some((r) => stored.has(r.keyData.toString('hex'))));
        if (holds.some(Boolean)) {
          const rest = uploads.filter((_, i) => !holds[i]);
          const restResults =
            rest.length > 0 ? await this.settled(this.storeBatch(rest, true), rest.length) : [];
          return holds.map((held) => (held ? { status: 'rejected', reason: e } : restResults.shift()!));
        }
      }
      // Keys shared within the batch, a race with another statement, or a deadlock: each upload alone.
      const results: PromiseSettledResult<void>[] = [];
      for (const upload of uploads) results.push(...(await this.settled(this.storeBatch([upload], true), 1)));
      return results;
    }
  }

  /** The batch's results, or its error as every upload's. */
  private settled(
    results: Promise<PromiseSettledResult<void>[]>,
    count: number,
  ): Promise<PromiseSettledResult<void>[]> {
    return results.catch((reason: unknown) =>
      Array.from({ length: count }, () => ({ status: 'rejected', reason }) as const),
    );
  }

  /**
   * The window cut into READ_PARTS consecutive windows (start, end] with about as many keys each, taking
   * keys to arrive at an even pace between the first and the last. PostgreSQL sends the rows of one
   * connection from one core, ~250 ms per million keys, so a large window is read over several at once.
   */
  private async readParts(region: string, start: Date, end: Date): Promise<[Date, Date][]> {
    const range = await this.availableRange(region, start, end);
    if (!range || range.last.getTime() - range.first.getTime() < READ_PARTS) return [[start, end]];
    const step = (range.last.getTime() - range.first.getTime()) / READ_PARTS;
    const cuts = [start];
    for (let p = 1; p < READ_PARTS; p++) cuts.push(new Date(Math.floor(range.first.getTime() + p * step)));
    cuts.push(end);
    return cuts.slice(1).map((to, p) => [cuts[p], to]);
  }

  /** Runs the statement for these uploads; returns the (1-based) numbers of those whose spend held. */
  private async run(uploads: PendingUpload[]): Promise<number[]> {
    const driver = this.dataSource.driver;
    const params: unknown[] = [];
    for (const upload of uploads) params.push(...upload.spend.params);
    const value = (c: ColumnMetadata, row: KeyRow): unknown =>
      driver.preparePersistentValue(c.getEntityValue(row), c);
    for (const c of this.perKey) params.push(uploads.flatMap((u) => u.rows.map((row) => value(c, row))));
    params.push(uploads.flatMap((u, i) => u.rows.map(() => i + 1)));
    for (const c of this.perUpload) params.push(uploads.map((u) => value(c, u.rows[0])));
    const { name, text } = this.statement(uploads);
    const [result] = await queryPrepared<{ spent: number[] }>(this.dataSource, name, text, params);
    return result.spent;
  }

  /**
   * `WITH s1 AS (spend 1), …, spent AS (numbers of the spends that held), stored AS (INSERT the keys of
   * those uploads) SELECT spent`. Keys travel as arrays (`unnest`), so the text depends only on the
   * spend and the number of uploads; each text is prepared once per connection.
   */
  private statement(uploads: PendingUpload[]): { name: string; text: string } {
    const spendSql = uploads[0].spend.sql;
    const known = this.statements.get(spendSql) ?? [];
    this.statements.set(spendSql, known);
    const cached = known[uploads.length];
    if (cached) return cached;

    const driver = this.dataSource.driver;
    let next = 0;
    const spends = uploads.map((u, i) => {
      const offset = next;
      next += u.spend.params.length;
      const sql = u.spend.sql.replace(/\$(\d+)/g, (_, n: string) => `$${offset + Number(n)}`);
      return `s${i + 1} AS (${sql} RETURNING 1)`;
    });
    const spent = uploads
      .map((_, i) => `SELECT ${i + 1} AS upload WHERE EXISTS (SELECT 1 FROM s${i + 1})`)
      .join(' UNION ALL ');
    const array = (c: ColumnMetadata) => `$${++next}::${driver.normalizeType(c)}[]`;
    const keyArrays = [...this.perKey.map(array), `$${++next}::integer[]`];
    const uploadArrays = this.perUpload.map(array);
    const k = this.perKey.map((_, i) => `k${i}`);
    const u = this.perUpload.map((_, i) => `u${i}`);
    const text =
      `WITH ${spends.join(', ')}, spent AS (${spent}), ` +
      `stored AS (INSERT INTO diagnosis_key (${[...this.perKey, ...this.perUpload].map((c) => c.databaseName).join(', ')}) ` +
      `SELECT ${[...k, ...u].join(', ')} FROM unnest(${keyArrays.join(', ')}) AS k(${k.join(', ')}, upload) ` +
      `JOIN unnest(${uploadArrays.join(', ')}) WITH ORDINALITY AS u(${u.join(', ')}, upload) USING (upload) ` +
      `WHERE upload IN (SELECT upload FROM spent) RETURNING 1) ` +
      `SELECT ARRAY(SELECT upload FROM spent) AS spent`;
    const statement = {
      name: `upload-${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`,
      text,
    };
    known[uploads.length] = statement;
    return statement;
  }
}
