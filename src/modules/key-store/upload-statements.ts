import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { Batcher } from '../../common/batching';
import { isConcurrencyFailure, isUniqueViolation } from '../../database/errors';
import { queryPrepared } from '../../database/prepared';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import type { SpendStatement } from './upload-authorization';

export type KeyRow = Omit<DiagnosisKey, 'id'>;

/** One upload on its way to PostgreSQL: the proof to spend and the keys to store with it. */
export interface PendingUpload {
  spend: SpendStatement;
  rows: KeyRow[];
}

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
 * Stores uploads on PostgreSQL, one statement for several of them under load. Each statement spends
 * each upload's proof and inserts the keys of the uploads whose spend changed a row, as one implicit
 * transaction: one round trip and one commit for the lot. Uploads that arrive while such statements are
 * running wait for the next one (see Batcher), so a quiet server sends each upload at once. Uploads with
 * different spend statements (flows) are batched apart.
 */
export class PostgresUploadStore {
  private readonly batchers = new Map<string, Batcher<PendingUpload, void>>();
  private readonly perKey: ColumnMetadata[];
  private readonly perUpload: ColumnMetadata[];
  /** Statement name and text by spend SQL and number of uploads. */
  private readonly statements = new Map<string, { name: string; text: string }[]>();

  constructor(private readonly dataSource: DataSource) {
    const columns = dataSource.getMetadata(DiagnosisKey).columns.filter((c) => !c.isGenerated);
    this.perKey = columns.filter((c) => PER_KEY.has(c.propertyName as keyof DiagnosisKey));
    this.perUpload = columns.filter((c) => !PER_KEY.has(c.propertyName as keyof DiagnosisKey));
  }

  /**
   * Resolves when the keys are stored and the proof spent; rejects with the spend's refusal when the
   * proof was spent before, or with the unique violation when a key was stored before (nothing stored).
   */
  store(upload: PendingUpload): Promise<void> {
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
        const stored = await this.storedKeys(uploads);
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

  /** Which of these uploads' keys are stored already (hex). */
  private async storedKeys(uploads: PendingUpload[]): Promise<Set<string>> {
    const keys = uploads.flatMap((u) => u.rows.map((r) => r.keyData));
    const rows: { key_data: Buffer }[] = await this.dataSource.query(
      'SELECT key_data FROM diagnosis_key WHERE key_data = ANY($1::bytea[])',
      [keys],
    );
    return new Set(rows.map((r) => r.key_data.toString('hex')));
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
