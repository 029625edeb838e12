import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { escapeLiteral, type Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { copyFixedRecords } from '../../database/copy-binary';
import { isUniqueViolation } from '../../database/errors';
import { Clock } from '../../infrastructure/clock';
import { FileStore } from '../../infrastructure/file-store';
import {
  DSOS_MISSING,
  exportBinBuffer,
  FIELD_ABSENT,
  KeyColumns,
  writeExportFileFromColumns,
} from '../../protocol/gaen';
// From its module, not the barrel: the compiled barrel re-exports through getters, a call per use in hot loops.
import { KEY_LENGTH } from '../../protocol/gaen/constants';
import { DeterministicRandom } from './deterministic-random';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { ExportSigningService } from './export-signing.service';

/** Rows per page when reading keys row by row (SQLite). */
const PAGE = 50_000;
/** ENS adds 0..100 to the padding target so the file size does not give the minimum away. */
const PADDING_JITTER = 101;

export interface CycleReport {
  region: string;
  batchId: string;
  realKeys: number;
  files: number;
}

interface RawKeyRow {
  id: number;
  key_data: Buffer;
  rsin: number;
  period: number;
  trl: number | null;
  report_type: number;
  dsos: number | null;
}

/**
 * The aggregation cycle. Each region's exports form a chain of batches whose windows of `available_at`
 * (start, end] follow each other without gap or overlap: a batch starts where the region's previous one
 * ended, and (region, window start) is unique, so of two instances opening the next batch at once one
 * wins and the other stops. A key belongs to the one batch whose window holds its `available_at`; nothing
 * is written per key, which keeps a cycle of a million keys to reading them. A batch stays `pending` until
 * its files are listed, so a crash mid-cycle is finished by the next run from the same window, with the
 * same keys (shuffle and padding come from a keyed deterministic stream).
 *
 * The window is commit-safe because the job closes it EXPORT_SETTLE_SECONDS in the past: a key's
 * `available_at` is never earlier than the moment its upload was accepted, and an upload commits within
 * that margin, so no key can appear in a window after the window was read.
 */
@Injectable()
export class AggregationService {
  private readonly logger = new Logger('Aggregation');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signing: ExportSigningService,
    private readonly files: FileStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Runs the cycle whose window ends at `windowEnd`: finishes pending batches, then exports ready keys per region. */
  async runCycle(windowEnd: Date = this.clock.now()): Promise<CycleReport[]> {
    const reports: CycleReport[] = [];
    const batches = this.dataSource.getRepository(ExportBatch);
    for (const pending of await batches.find({ where: { status: 'pending' }, order: { createdAt: 'ASC' } })) {
      this.logger.warn({ batchId: pending.id }, 'finishing an interrupted export batch');
      reports.push(await this.produceFiles(pending));
    }
    for (const region of await this.regions()) {
      const started = performance.now();
      const previous = await batches.findOne({ where: { region }, order: { windowEnd: 'DESC' } });
      if (previous && previous.windowEnd >= windowEnd) continue;
      const firstAvailable = await this.firstAvailable(region, previous?.windowEnd ?? null, windowEnd);
      if (!firstAvailable) continue;
      // A region's first window starts just before its first key, so its files say when keys began.
      const windowStart = previous?.windowEnd ?? new Date(firstAvailable.getTime() - 1);
      const batch = await this.openBatch(region, windowStart, windowEnd);
      if (!batch) continue;
      const keys = await this.readWindow(batch);
      this.logger.log(
        { region, batchId: batch.id, keys: keys.cols.count, ms: Math.round(performance.now() - started) },
        'keys read for export',
      );
      reports.push(await this.produceFiles(batch, keys));
    }
    return reports;
  }

  /** The regions that have keys, by a loose index scan (one index probe per region, not a pass over the keys). */
  private async regions(): Promise<string[]> {
    const rows = await this.dataSource.query<{ region: string | null }[]>(
      `WITH RECURSIVE r(region) AS (
         SELECT MIN(region) FROM diagnosis_key
         UNION ALL
         SELECT (SELECT MIN(k.region) FROM diagnosis_key k WHERE k.region > r.region) FROM r WHERE r.region IS NOT NULL
       ) SELECT region FROM r WHERE region IS NOT NULL`,
    );
    return rows.map((r) => r.region!);
  }

  /**
   * Opens the region's next batch in the chain; null when another instance opened one first (the unique
   * (region, window start) or (region, window end) refuses the second) or the chain moved on meanwhile.
   */
  private async openBatch(region: string, windowStart: Date, windowEnd: Date): Promise<ExportBatch | null> {
    try {
      return await this.dataSource.transaction(async (em) => {
        const previous = await em.findOne(ExportBatch, { where: { region }, order: { windowEnd: 'DESC' } });
        if (previous && previous.windowEnd.getTime() !== windowStart.getTime()) return null;
        const batch = em.create(ExportBatch, {
          region,
          windowStart,
          windowEnd,
          status: 'pending',
          keyCount: 0, // counted when the batch completes
          createdAt: this.clock.now(),
          completedAt: null,
        });
        await em.insert(ExportBatch, batch);
        return batch;
      });
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  /** When the region's first key with `available_at` in (start, end] became available (one index probe), or null. */
  private async firstAvailable(region: string, start: Date | null, end: Date): Promise<Date | null> {
    const { sql, params } = this.windowFilter(region, start, end);
    const [row] = await this.dataSource.query<{ first: Date | string | null }[]>(
      `SELECT MIN(available_at) AS first FROM diagnosis_key WHERE ${sql}`,
      params,
    );
    const availableAt = this.dataSource
      .getRepository(DiagnosisKey)
      .metadata.findColumnWithPropertyName('availableAt')!;
    return row.first === null
      ? null
      : (this.dataSource.driver.prepareHydratedValue(row.first, availableAt) as Date);
  }

  private windowFilter(region: string, start: Date | null, end: Date): { sql: string; params: unknown[] } {
    const postgres = this.dataSource.options.type === 'postgres';
    const availableAt = this.dataSource
      .getRepository(DiagnosisKey)
      .metadata.findColumnWithPropertyName('availableAt')!;
    const at = (d: Date) => this.dataSource.driver.preparePersistentValue(d, availableAt) as unknown;
    const params: unknown[] = [region, at(end)];
    let sql = `region = ${postgres ? '$1' : '?'} AND available_at <= ${postgres ? '$2' : '?'}`;
    if (start) {
      params.push(at(start));
      sql += ` AND available_at > ${postgres ? '$3' : '?'}`;
    }
    return { sql, params };
  }

  /** Reads the keys of the batch's window into columns. */
  private async readWindow(batch: ExportBatch): Promise<BatchKeys> {
    const keys = new GrowingBatchKeys();
    if (this.dataSource.options.type === 'postgres') {
      // One binary COPY of fixed-size records (the key, then the integers as int4send big-endian bytes):
      // no row object per key and no text encoding on either side. Absent optional fields come as the
      // columns' sentinels. COPY takes no parameters, hence the quoted literals.
      const window =
        `region = ${escapeLiteral(batch.region)} AND available_at > ${escapeLiteral(batch.windowStart.toISOString())} ` +
        `AND available_at <= ${escapeLiteral(batch.windowEnd.toISOString())}`;
      await copyFixedRecords(
        (this.dataSource.driver as PostgresDriver).master as Pool,
        `SELECT key_data || int4send(id) || int4send(rolling_start_interval_number) || int4send(rolling_period) || ` +
          `int4send(COALESCE(transmission_risk_level, ${FIELD_ABSENT})) || int4send(report_type) || ` +
          `int4send(COALESCE(days_since_onset, CAST(${DSOS_MISSING} AS integer))) FROM diagnosis_key WHERE ${window}`,
        RECORD_LENGTH,
        (records, first, count, stride) => keys.appendRecords(records, first, count, stride),
      );
    } else {
      const { sql: filter, params } = this.windowFilter(batch.region, batch.windowStart, batch.windowEnd);
      const sql = `SELECT ${KEY_COLUMNS_SQL} FROM diagnosis_key WHERE ${filter} AND id > ? ORDER BY id LIMIT ?`;
      for (let lastId = 0; ;) {
        const rows = await this.dataSource.query<RawKeyRow[]>(sql, [...params, lastId, PAGE]);
        if (rows.length === 0) break;
        keys.append(rows);
        lastId = rows[rows.length - 1].id;
      }
    }
    return keys.done();
  }

  /** Writes the batch's files; a resumed batch reads its window's keys again first. */
  private async produceFiles(batch: ExportBatch, read?: BatchKeys): Promise<CycleReport> {
    const { exportMinKeys, exportMaxKeysPerFile, paddingSecret } = this.config.keyStore;
    let phase = performance.now();
    const { cols: keys, byId } = read ?? (await this.readWindow(batch));
    if (!read)
      this.logger.log(
        { batchId: batch.id, keys: keys.count, ms: Math.round(performance.now() - phase) },
        'batch keys loaded',
      );
    phase = performance.now();
    const rng = new DeterministicRandom(paddingSecret, `export-batch:${batch.id}`);
    // Shuffle from id order, so a resumed batch gets the very same files' key sets.
    const order = shuffleInPlace(byId, rng);
    // No keys (they were purged before a resumed batch was finished): the batch completes without files.
    const fileCount = Math.ceil(keys.count / exportMaxKeysPerFile);
    const signer = this.signing.signer();
    const startTs = Math.floor(batch.windowStart.getTime() / 1000);
    const endTs = Math.floor(batch.windowEnd.getTime() / 1000);
    const rows: ExportFile[] = [];
    // One export.bin buffer for all files of the batch: file 2 must not wait for file 1's to be collected.
    const binBuffer = exportBinBuffer(
      Math.max(exportMinKeys + PADDING_JITTER, Math.min(keys.count, exportMaxKeysPerFile)),
    );
    for (let f = 0; f < fileCount; f++) {
      const slice = order.subarray(
        f * exportMaxKeysPerFile,
        Math.min(keys.count, (f + 1) * exportMaxKeysPerFile),
      );
      // Columns and an order, never an object per key: flat memory for files of 500,000 keys.
      let fileKeys: KeyColumns = keys;
      let fileOrder: Uint32Array | undefined = slice;
      if (slice.length < exportMinKeys) {
        fileKeys = withPadding(keys, slice, exportMinKeys + rng.int(PADDING_JITTER), rng);
        fileOrder = undefined;
      }
      const fileKeyCount = fileOrder ? fileOrder.length : fileKeys.count;
      // Android tells files apart by (start, end, batch_num): give each file of a cycle its own end.
      const fileEnd = endTs + f;
      const zip = await writeExportFileFromColumns(
        {
          startTimestamp: startTs,
          endTimestamp: fileEnd,
          region: batch.region,
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [this.signing.activeInfo()],
        },
        fileKeys,
        signer,
        fileOrder,
        binBuffer,
      );
      const name = `${batch.region}-${startTs}-${fileEnd}.zip`;
      this.logger.log(
        {
          batchId: batch.id,
          file: `${f + 1}/${fileCount}`,
          keys: fileKeyCount,
          ms: Math.round(performance.now() - phase),
        },
        'export file signed',
      );
      phase = performance.now();
      await this.files.put(exportStorageKey(batch.region, name), zip);
      rows.push(
        Object.assign(new ExportFile(), {
          batchId: batch.id,
          region: batch.region,
          name,
          batchNum: f + 1,
          realKeys: slice.length,
          totalKeys: fileKeyCount,
          bytes: zip.length,
          sha256: createHash('sha256').update(zip).digest('hex'),
          startTimestamp: String(startTs),
          endTimestamp: String(fileEnd),
          createdAt: this.clock.now(),
        }),
      );
    }
    await this.dataSource.transaction(async (em) => {
      await em.delete(ExportFile, { batchId: batch.id });
      if (rows.length > 0) await em.insert(ExportFile, rows);
      await em.update(
        ExportBatch,
        { id: batch.id },
        { status: 'complete', completedAt: this.clock.now(), keyCount: keys.count },
      );
    });
    this.logger.log(
      { region: batch.region, batchId: batch.id, keys: keys.count, files: rows.length },
      'export batch published',
    );
    return { region: batch.region, batchId: batch.id, realKeys: keys.count, files: rows.length };
  }
}

const KEY_COLUMNS_SQL =
  'id, key_data, rolling_start_interval_number AS rsin, rolling_period AS period, transmission_risk_level AS trl, report_type, days_since_onset AS dsos';

/** A packed record: the 16-byte key, then id, rolling start, period, risk, report type and onset (int32 BE). */
const RECORD_LENGTH = KEY_LENGTH + 6 * 4;

/** A batch's keys in columns, and their positions in id order (the order every run shuffles from). */
interface BatchKeys {
  cols: KeyColumns;
  byId: Uint32Array;
}

/** Collects raw key rows into columns that grow by doubling: a million keys take ~40 MB. */
class GrowingBatchKeys {
  count = 0;
  private cols: KeyColumns;
  private ids: Int32Array;

  constructor(capacity = 16_384) {
    this.cols = KeyColumns.allocate(capacity);
    this.ids = new Int32Array(capacity);
  }

  append(rows: RawKeyRow[]): void {
    if (this.count + rows.length > this.cols.count)
      this.grow(Math.max(this.cols.count * 2, this.count + rows.length));
    const c = this.cols;
    for (const k of rows) {
      const n = this.count++;
      this.ids[n] = k.id;
      c.keyData.set(k.key_data, n * KEY_LENGTH);
      c.rollingStartIntervalNumber[n] = k.rsin;
      c.rollingPeriod[n] = k.period;
      c.transmissionRiskLevel[n] = k.trl ?? FIELD_ABSENT;
      c.reportType[n] = k.report_type;
      c.daysSinceOnsetOfSymptoms[n] = k.dsos ?? DSOS_MISSING;
    }
  }

  /** `count` packed records (see RECORD_LENGTH), the first at `first`, one every `stride` bytes. */
  appendRecords(records: Buffer, first: number, count: number, stride: number): void {
    if (this.count + count > this.cols.count) this.grow(Math.max(this.cols.count * 2, this.count + count));
    const c = this.cols;
    const ids = this.ids;
    let n = this.count;
    for (let r = 0, at = first; r < count; r++, at += stride, n++) {
      for (let b = 0, k = n * KEY_LENGTH; b < KEY_LENGTH; b++) c.keyData[k + b] = records[at + b];
      ids[n] = int32At(records, at + 16);
      c.rollingStartIntervalNumber[n] = int32At(records, at + 20);
      c.rollingPeriod[n] = int32At(records, at + 24);
      c.transmissionRiskLevel[n] = int32At(records, at + 28);
      c.reportType[n] = int32At(records, at + 32);
      c.daysSinceOnsetOfSymptoms[n] = int32At(records, at + 36);
    }
    this.count = n;
  }

  done(): BatchKeys {
    const n = this.count;
    const c = this.cols;
    const cols = new KeyColumns(
      n,
      c.keyData.subarray(0, n * KEY_LENGTH),
      c.rollingStartIntervalNumber.subarray(0, n),
      c.rollingPeriod.subarray(0, n),
      c.transmissionRiskLevel.subarray(0, n),
      c.reportType.subarray(0, n),
      c.daysSinceOnsetOfSymptoms.subarray(0, n),
      c.variantOfConcern.subarray(0, n),
    );
    const ids = this.ids.subarray(0, n);
    const byId = new Uint32Array(n);
    let ascending = true;
    for (let i = 0; i < n; i++) {
      byId[i] = i;
      if (i > 0 && ids[i] < ids[i - 1]) ascending = false;
    }
    // Both readers return keys in id order; sorting is only a safeguard.
    if (!ascending) byId.sort((a, b) => ids[a] - ids[b]);
    return { cols, byId };
  }

  private grow(capacity: number): void {
    const next = KeyColumns.allocate(capacity);
    const c = this.cols;
    next.keyData.set(c.keyData);
    next.rollingStartIntervalNumber.set(c.rollingStartIntervalNumber);
    next.rollingPeriod.set(c.rollingPeriod);
    next.transmissionRiskLevel.set(c.transmissionRiskLevel);
    next.reportType.set(c.reportType);
    next.daysSinceOnsetOfSymptoms.set(c.daysSinceOnsetOfSymptoms);
    next.variantOfConcern.set(c.variantOfConcern);
    const ids = new Int32Array(capacity);
    ids.set(this.ids);
    this.cols = next;
    this.ids = ids;
  }
}

/** Big-endian int32 without Buffer's range checks (the caller stays inside the record). */
function int32At(b: Buffer, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

export function exportStorageKey(region: string, name: string): string {
  return `exports/${region}/${name}`;
}

/**
 * The file's real keys followed by generated ones up to `target`; each generated key copies the metadata
 * of a random real key of the same file, so padding cannot be told apart.
 */
function withPadding(
  keys: KeyColumns,
  slice: Uint32Array,
  target: number,
  rng: DeterministicRandom,
): KeyColumns {
  const out = KeyColumns.allocate(target);
  for (let n = 0; n < target; n++) {
    const real = n < slice.length;
    const i = real ? slice[n] : slice[rng.int(slice.length)];
    out.keyData.set(
      real ? keys.keyData.subarray(i * KEY_LENGTH, (i + 1) * KEY_LENGTH) : rng.bytes(KEY_LENGTH),
      n * KEY_LENGTH,
    );
    out.rollingStartIntervalNumber[n] = keys.rollingStartIntervalNumber[i]!;
    out.rollingPeriod[n] = keys.rollingPeriod[i]!;
    out.transmissionRiskLevel[n] = keys.transmissionRiskLevel[i]!;
    out.reportType[n] = keys.reportType[i]!;
    out.daysSinceOnsetOfSymptoms[n] = keys.daysSinceOnsetOfSymptoms[i]!;
    out.variantOfConcern[n] = keys.variantOfConcern[i]!;
  }
  return out;
}

/** Fisher–Yates in place with the batch's stream: never upload order, same order on a re-run. */
function shuffleInPlace(order: Uint32Array, rng: DeterministicRandom): Uint32Array {
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
