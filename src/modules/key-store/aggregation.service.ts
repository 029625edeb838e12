import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { FileStore } from '../../infrastructure/file-store';
import { Clock } from '../../infrastructure/clock';
import { DSOS_MISSING, FIELD_ABSENT, KEY_LENGTH, KeyColumns, writeExportFileFromColumns } from '../../protocol/gaen';
import { DeterministicRandom } from './deterministic-random';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { ExportSigningService } from './export-signing.service';
import { isUniqueViolation } from '../../database/errors';

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
 * The aggregation cycle: claims ready keys into a batch (exactly once: a key's `export_batch_id` is set
 * by one atomic UPDATE), then writes shuffled, padded, signed export files for it. A batch stays
 * `pending` until its files are listed, so a crash mid-cycle is finished by the next run with the same
 * keys (shuffle and padding come from a keyed deterministic stream).
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
    const regions = await this.dataSource
      .getRepository(DiagnosisKey)
      .createQueryBuilder('k')
      .select('DISTINCT k.region', 'region')
      .where('k.export_batch_id IS NULL AND k.available_at <= :windowEnd', { windowEnd })
      .getRawMany<{ region: string }>();
    for (const { region } of regions) {
      const started = performance.now();
      const batch = await this.openBatch(region, windowEnd);
      if (!batch) continue;
      const keys = await this.claimKeys(batch, windowEnd);
      if (!keys) continue;
      this.logger.log({ region, batchId: batch.id, keys: keys.cols.count, ms: Math.round(performance.now() - started) }, 'keys claimed for export');
      reports.push(await this.produceFiles(batch, keys));
    }
    return reports;
  }

  /** Creates the pending batch of (region, windowEnd); null when that window (or a later one) has one. */
  private async openBatch(region: string, windowEnd: Date): Promise<ExportBatch | null> {
    try {
      return await this.dataSource.transaction(async (em) => {
        const previous = await em.findOne(ExportBatch, { where: { region }, order: { windowEnd: 'DESC' } });
        if (previous && previous.windowEnd >= windowEnd) return null;
        const batch = em.create(ExportBatch, {
          region,
          windowStart: previous?.windowEnd ?? new Date(windowEnd.getTime() - this.config.keyStore.exportPeriodMs),
          windowEnd,
          status: 'pending',
          keyCount: 0,
          createdAt: this.clock.now(),
          completedAt: null,
        });
        await em.insert(ExportBatch, batch);
        return batch;
      });
    } catch (e) {
      // Another instance created this window's batch first: its keys are its to export.
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  /**
   * Moves ready, unclaimed keys into the batch and reads them in the same statements (UPDATE … RETURNING,
   * in chunks), so the claim and the read are one pass over the rows. `export_batch_id IS NULL` is checked
   * again on the updated row, so a key another instance claimed meanwhile is skipped, never taken twice;
   * a crash between chunks leaves a pending batch that the next run finishes with what it holds.
   */
  private async claimKeys(batch: ExportBatch, windowEnd: Date): Promise<BatchKeys | null> {
    const postgres = this.dataSource.options.type === 'postgres';
    const p = (n: number) => (postgres ? `$${n}` : '?');
    const availableAt = this.dataSource
      .getRepository(DiagnosisKey)
      .metadata.findColumnWithPropertyName('availableAt')!;
    const sql =
      `UPDATE diagnosis_key SET export_batch_id = ${p(1)} WHERE export_batch_id IS NULL AND id IN (` +
      `SELECT id FROM diagnosis_key WHERE region = ${p(2)} AND export_batch_id IS NULL AND available_at <= ${p(3)} ` +
      // Keyset paging: each chunk starts after the last one instead of skipping every row claimed so far.
      `AND id > ${p(4)} ORDER BY id LIMIT ${p(5)}${postgres ? ' FOR UPDATE SKIP LOCKED' : ''}) ` +
      `RETURNING ${KEY_COLUMNS_SQL}`;
    // SQLite binds `?` by position: keep the parameters in the order they appear.
    const params = [batch.id, batch.region, this.dataSource.driver.preparePersistentValue(windowEnd, availableAt), 0, PAGE];
    // Sized up front: doubling a million keys' columns would briefly hold two copies.
    const ready = await this.dataSource
      .getRepository(DiagnosisKey)
      .createQueryBuilder('k')
      .where('k.region = :region AND k.export_batch_id IS NULL AND k.available_at <= :windowEnd', { region: batch.region, windowEnd })
      .getCount();
    const keys = new GrowingBatchKeys(ready);
    const runner = this.dataSource.createQueryRunner();
    try {
      for (;;) {
        const result = (await runner.query(sql, params, true)) as { records: RawKeyRow[] };
        if (result.records.length === 0) break;
        keys.append(result.records);
        for (const r of result.records) if (r.id > (params[3] as number)) params[3] = r.id;
      }
    } finally {
      await runner.release();
    }
    if (keys.count === 0) {
      await this.dataSource.getRepository(ExportBatch).delete({ id: batch.id });
      return null;
    }
    await this.dataSource.getRepository(ExportBatch).update({ id: batch.id }, { keyCount: keys.count });
    return keys.done();
  }

  /** Writes the batch's files; a resumed batch reads its keys back first. */
  private async produceFiles(batch: ExportBatch, claimed?: BatchKeys): Promise<CycleReport> {
    const { exportMinKeys, exportMaxKeysPerFile, paddingSecret } = this.config.keyStore;
    let phase = performance.now();
    const { cols: keys, byId } = claimed ?? (await this.loadBatch(batch.id));
    if (!claimed) this.logger.log({ batchId: batch.id, keys: keys.count, ms: Math.round(performance.now() - phase) }, 'batch keys loaded');
    phase = performance.now();
    const rng = new DeterministicRandom(paddingSecret, `export-batch:${batch.id}`);
    // Shuffle from id order, so a resumed batch gets the very same files' key sets.
    const order = shuffle(byId, rng);
    const fileCount = Math.max(1, Math.ceil(keys.count / exportMaxKeysPerFile));
    const signer = this.signing.signer();
    const startTs = Math.floor(batch.windowStart.getTime() / 1000);
    const endTs = Math.floor(batch.windowEnd.getTime() / 1000);
    const rows: ExportFile[] = [];
    for (let f = 0; f < fileCount; f++) {
      const slice = order.subarray(f * exportMaxKeysPerFile, Math.min(keys.count, (f + 1) * exportMaxKeysPerFile));
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
        { startTimestamp: startTs, endTimestamp: fileEnd, region: batch.region, batchNum: 1, batchSize: 1, signatureInfos: [this.signing.activeInfo()] },
        fileKeys,
        signer,
        fileOrder,
      );
      const name = `${batch.region}-${startTs}-${fileEnd}.zip`;
      this.logger.log({ batchId: batch.id, file: `${f + 1}/${fileCount}`, keys: fileKeyCount, ms: Math.round(performance.now() - phase) }, 'export file signed');
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
      if (keys.count > 0) await em.insert(ExportFile, rows);
      await em.update(ExportBatch, { id: batch.id }, { status: 'complete', completedAt: this.clock.now(), keyCount: keys.count });
    });
    this.logger.log({ region: batch.region, batchId: batch.id, keys: keys.count, files: rows.length }, 'export batch published');
    return { region: batch.region, batchId: batch.id, realKeys: keys.count, files: keys.count > 0 ? rows.length : 0 };
  }

  /** Reads a pending batch's keys back, page by page (a resumed batch after a crash). */
  private async loadBatch(batchId: string): Promise<BatchKeys> {
    const postgres = this.dataSource.options.type === 'postgres';
    const p = (n: number) => (postgres ? `$${n}` : '?');
    const sql = `SELECT ${KEY_COLUMNS_SQL} FROM diagnosis_key WHERE export_batch_id = ${p(1)} AND id > ${p(2)} ORDER BY id LIMIT ${p(3)}`;
    const keys = new GrowingBatchKeys();
    let lastId = 0;
    for (;;) {
      const rows = await this.dataSource.query<RawKeyRow[]>(sql, [batchId, lastId, PAGE]);
      if (rows.length === 0) break;
      keys.append(rows);
      lastId = rows[rows.length - 1].id;
    }
    return keys.done();
  }
}

const KEY_COLUMNS_SQL =
  'id, key_data, rolling_start_interval_number AS rsin, rolling_period AS period, transmission_risk_level AS trl, report_type, days_since_onset AS dsos';

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

  constructor(expected = 1024) {
    this.cols = KeyColumns.allocate(Math.max(1, expected));
    this.ids = new Int32Array(Math.max(1, expected));
  }

  append(rows: RawKeyRow[]): void {
    if (this.count + rows.length > this.cols.count) this.grow(Math.max(this.cols.count * 2, this.count + rows.length));
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
    for (let i = 0; i < n; i++) byId[i] = i;
    byId.sort((a, b) => ids[a] - ids[b]);
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

export function exportStorageKey(region: string, name: string): string {
  return `exports/${region}/${name}`;
}

/**
 * The file's real keys followed by generated ones up to `target`; each generated key copies the metadata
 * of a random real key of the same file, so padding cannot be told apart.
 */
function withPadding(keys: KeyColumns, slice: Uint32Array, target: number, rng: DeterministicRandom): KeyColumns {
  const out = KeyColumns.allocate(target);
  for (let n = 0; n < target; n++) {
    const real = n < slice.length;
    const i = real ? slice[n] : slice[rng.int(slice.length)];
    out.keyData.set(real ? keys.keyData.subarray(i * KEY_LENGTH, (i + 1) * KEY_LENGTH) : rng.bytes(KEY_LENGTH), n * KEY_LENGTH);
    out.rollingStartIntervalNumber[n] = keys.rollingStartIntervalNumber[i]!;
    out.rollingPeriod[n] = keys.rollingPeriod[i]!;
    out.transmissionRiskLevel[n] = keys.transmissionRiskLevel[i]!;
    out.reportType[n] = keys.reportType[i]!;
    out.daysSinceOnsetOfSymptoms[n] = keys.daysSinceOnsetOfSymptoms[i]!;
    out.variantOfConcern[n] = keys.variantOfConcern[i]!;
  }
  return out;
}

/** Fisher–Yates over a copy of `base` with the batch's stream: never upload order, same order on a re-run. */
function shuffle(base: Uint32Array, rng: DeterministicRandom): Uint32Array {
  const order = Uint32Array.from(base);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
