import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/errors';
import { Clock } from '../../infrastructure/clock';
import { FileStore } from '../../infrastructure/file-store';
import {
  exportBinBuffer,
  KEY_LENGTH,
  KeyColumns,
  writeExportFileFromBlocks,
  writeExportFileFromColumns,
} from '../../protocol/gaen';
import { METRICS, type Metrics } from '../health/metrics';
import { DeterministicRandom } from './deterministic-random';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { ExportSigningService } from './export-signing.service';
import type { PackedKeys } from './packed-keys';
import { KeyStorage } from './storage/key-storage';

/** ENS adds 0..100 to the padding target so the file size does not give the minimum away. */
const PADDING_JITTER = 101;

export interface CycleReport {
  region: string;
  batchId: string;
  realKeys: number;
  files: number;
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
    private readonly storage: KeyStorage,
    private readonly signing: ExportSigningService,
    private readonly files: FileStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  /** Runs the cycle whose window ends at `windowEnd`: finishes pending batches, then exports ready keys per region. */
  async runCycle(windowEnd: Date = this.clock.now()): Promise<CycleReport[]> {
    const reports: CycleReport[] = [];
    const batches = this.dataSource.getRepository(ExportBatch);
    for (const pending of await batches.find({ where: { status: 'pending' }, order: { createdAt: 'ASC' } })) {
      this.logger.warn({ batchId: pending.id }, 'finishing an interrupted export batch');
      reports.push(await this.produceFiles(pending));
    }
    for (const region of await this.storage.regions()) {
      const started = performance.now();
      const previous = await batches.findOne({ where: { region }, order: { windowEnd: 'DESC' } });
      if (previous && previous.windowEnd >= windowEnd) continue;
      const firstAvailable = (
        await this.storage.availableRange(region, previous?.windowEnd ?? null, windowEnd)
      )?.first;
      if (!firstAvailable) continue;
      // A region's first window starts just before its first key, so its files say when keys began.
      const windowStart = previous?.windowEnd ?? new Date(firstAvailable.getTime() - 1);
      const batch = await this.openBatch(region, windowStart, windowEnd);
      if (!batch) continue;
      const keys = await this.read(batch);
      this.logger.log(
        { region, batchId: batch.id, keys: keys.count, ms: Math.round(performance.now() - started) },
        'keys read for export',
      );
      reports.push(await this.produceFiles(batch, keys));
    }
    return reports;
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

  private read(batch: ExportBatch): Promise<PackedKeys> {
    return this.storage.readWindow(batch.region, batch.windowStart, batch.windowEnd);
  }

  /** Writes the batch's files; a resumed batch reads its window's keys again first. */
  private async produceFiles(batch: ExportBatch, read?: PackedKeys): Promise<CycleReport> {
    const { exportMinKeys, exportMaxKeysPerFile, paddingSecret } = this.config.keyStore;
    let phase = performance.now();
    const keys = read ?? (await this.read(batch));
    if (!read)
      this.logger.log(
        { batchId: batch.id, keys: keys.count, ms: Math.round(performance.now() - phase) },
        'batch keys loaded',
      );
    phase = performance.now();
    const rng = new DeterministicRandom(paddingSecret, `export-batch:${batch.id}`);
    // Shuffle from id order, so a resumed batch gets the very same files' key sets.
    const order = shuffleInPlace(keys.slotsById(), rng);
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
      // Packed records gathered in the file's order, never an object per key: flat memory for files of
      // 500,000 keys. A small file is padded up to the minimum.
      const padded = slice.length < exportMinKeys;
      const fileKeyCount = padded ? exportMinKeys + rng.int(PADDING_JITTER) : slice.length;
      // Android tells files apart by (start, end, batch_num): give each file of a cycle its own end.
      const fileEnd = endTs + f;
      const metadata = {
        startTimestamp: startTs,
        endTimestamp: fileEnd,
        region: batch.region,
        batchNum: 1,
        batchSize: 1,
        signatureInfos: [this.signing.activeInfo()],
      };
      const zip = padded
        ? await writeExportFileFromColumns(
            metadata,
            withPadding(keys.columns(slice), fileKeyCount, rng),
            signer,
            undefined,
            binBuffer,
          )
        : await writeExportFileFromBlocks(
            metadata,
            { count: slice.length, fill: (from, n, block) => keys.gather(slice, from, n, block) },
            signer,
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
    this.metrics.keysExported.inc({ region: batch.region }, keys.count);
    this.logger.log(
      { region: batch.region, batchId: batch.id, keys: keys.count, files: rows.length },
      'export batch published',
    );
    return { region: batch.region, batchId: batch.id, realKeys: keys.count, files: rows.length };
  }
}

export function exportStorageKey(region: string, name: string): string {
  return `exports/${region}/${name}`;
}

/**
 * The file's real keys followed by generated ones up to `target`; each generated key copies the metadata
 * of a random real key of the same file, so padding cannot be told apart.
 */
function withPadding(real: KeyColumns, target: number, rng: DeterministicRandom): KeyColumns {
  const out = KeyColumns.allocate(target);
  for (let n = 0; n < target; n++) {
    const isReal = n < real.count;
    const i = isReal ? n : rng.int(real.count);
    out.keyData.set(
      isReal ? real.keyData.subarray(i * KEY_LENGTH, (i + 1) * KEY_LENGTH) : rng.bytes(KEY_LENGTH),
      n * KEY_LENGTH,
    );
    out.rollingStartIntervalNumber[n] = real.rollingStartIntervalNumber[i]!;
    out.rollingPeriod[n] = real.rollingPeriod[i]!;
    out.transmissionRiskLevel[n] = real.transmissionRiskLevel[i]!;
    out.reportType[n] = real.reportType[i]!;
    out.daysSinceOnsetOfSymptoms[n] = real.daysSinceOnsetOfSymptoms[i]!;
    out.variantOfConcern[n] = real.variantOfConcern[i]!;
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
