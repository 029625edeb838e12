import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, IsNull, LessThanOrEqual } from 'typeorm';
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
      const batch = await this.claim(region, windowEnd);
      if (!batch) continue;
      this.logger.log({ region, batchId: batch.id, keys: batch.keyCount, ms: Math.round(performance.now() - started) }, 'keys claimed for export');
      reports.push(await this.produceFiles(batch));
    }
    return reports;
  }

  /** Creates the batch for (region, windowEnd) and moves every ready, unclaimed key into it. */
  private async claim(region: string, windowEnd: Date): Promise<ExportBatch | null> {
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
        const claimed = await em.update(
          DiagnosisKey,
          { region, exportBatchId: IsNull(), availableAt: LessThanOrEqual(windowEnd) },
          { exportBatchId: batch.id },
        );
        batch.keyCount = claimed.affected ?? 0;
        if (batch.keyCount === 0) {
          await em.delete(ExportBatch, { id: batch.id });
          return null;
        }
        await em.update(ExportBatch, { id: batch.id }, { keyCount: batch.keyCount });
        return batch;
      });
    } catch (e) {
      // Another instance created this window's batch first: its keys are its to export.
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  private async produceFiles(batch: ExportBatch): Promise<CycleReport> {
    const { exportMinKeys, exportMaxKeysPerFile, paddingSecret } = this.config.keyStore;
    let phase = performance.now();
    const keys = await this.loadBatch(batch.id);
    this.logger.log({ batchId: batch.id, keys: keys.count, ms: Math.round(performance.now() - phase) }, 'batch keys loaded');
    phase = performance.now();
    const rng = new DeterministicRandom(paddingSecret, `export-batch:${batch.id}`);
    const order = shuffledIndices(keys.count, rng);
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

  /** Reads a batch's keys page by page into columns, in id order (so a re-run sees the same order). */
  private async loadBatch(batchId: string): Promise<KeyColumns> {
    const repo = this.dataSource.getRepository(DiagnosisKey);
    const count = await repo.countBy({ exportBatchId: batchId });
    const cols = KeyColumns.allocate(count);
    let lastId = 0;
    let n = 0;
    while (n < count) {
      // Raw rows, not entities: hydrating a million entities costs more than the query.
      const page = await repo
        .createQueryBuilder('k')
        .select(['k.id AS id', 'k.key_data AS key_data', 'k.rolling_start_interval_number AS rsin', 'k.rolling_period AS period'])
        .addSelect(['k.transmission_risk_level AS trl', 'k.report_type AS report_type', 'k.days_since_onset AS dsos'])
        .where('k.export_batch_id = :batchId AND k.id > :lastId', { batchId, lastId })
        .orderBy('k.id', 'ASC')
        .limit(PAGE)
        .getRawMany<RawKeyRow>();
      if (page.length === 0) break;
      for (const k of page) {
        cols.keyData.set(k.key_data, n * KEY_LENGTH);
        cols.rollingStartIntervalNumber[n] = k.rsin;
        cols.rollingPeriod[n] = k.period;
        cols.transmissionRiskLevel[n] = k.trl ?? FIELD_ABSENT;
        cols.reportType[n] = k.report_type;
        cols.daysSinceOnsetOfSymptoms[n] = k.dsos ?? DSOS_MISSING;
        n++;
      }
      lastId = page[page.length - 1].id;
    }
    return cols;
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

/** Fisher–Yates over 0..n-1 with the batch's stream: never upload order, same order on a re-run. */
function shuffledIndices(n: number, rng: DeterministicRandom): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
