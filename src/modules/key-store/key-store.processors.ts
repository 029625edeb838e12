import { Inject, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { FileStore } from '../../infrastructure/file-store';
import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobContext, JobHandler } from '../jobs/job-runner';
import { AggregationService, exportStorageKey } from './aggregation.service';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { UploadTokenService } from './upload-token.service';

/**
 * One aggregation cycle per period; the window ends the settle time before the period boundary the job
 * was scheduled for, so every key in it has been committed (see AggregationService).
 */
@JobProcessor(JOBS.aggregateExports)
export class AggregateExportsProcessor implements JobHandler<{ windowEnd?: string }> {
  constructor(
    private readonly aggregation: AggregationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(data: { windowEnd?: string }, ctx: JobContext): Promise<void> {
    await this.aggregation.runCycle(
      data.windowEnd
        ? new Date(data.windowEnd)
        : new Date(ctx.scheduledAt.getTime() - this.config.keyStore.settleMs),
    );
  }
}

/** Deletes keys, export files and spent token ids past the retention period. */
@JobProcessor(JOBS.purgeKeys)
export class PurgeKeysProcessor implements JobHandler {
  private readonly logger = new Logger('KeyStore');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly files: FileStore,
    private readonly tokens: UploadTokenService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    const now = this.clock.now().getTime();
    const cutoff = new Date(now - this.config.keyStore.retentionDays * 86_400_000);
    // A key is useless once its whole day is older than the retention: phones keep 14 days of scans.
    const oldestInterval = Math.floor(cutoff.getTime() / 600_000);
    const keys = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(DiagnosisKey)
      .where('rolling_start_interval_number + rolling_period < :oldestInterval', { oldestInterval })
      .execute();
    const oldFiles = await this.dataSource.getRepository(ExportFile).findBy({ createdAt: LessThan(cutoff) });
    for (const f of oldFiles) await this.files.delete(exportStorageKey(f.region, f.name));
    if (oldFiles.length)
      await this.dataSource.getRepository(ExportFile).delete({ id: In(oldFiles.map((f) => f.id)) });
    // A region's newest batch stays: the next window starts where it ended.
    const batches = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(ExportBatch)
      .where("status = 'complete' AND window_end < :cutoff", { cutoff })
      .andWhere(
        'window_end < (SELECT MAX(newest.window_end) FROM export_batch newest WHERE newest.region = export_batch.region)',
      )
      .execute();
    const tokens = await this.tokens.purgeExpired();
    this.logger.log(
      { keys: keys.affected ?? 0, files: oldFiles.length, batches: batches.affected ?? 0, tokens },
      'retention purge done',
    );
  }
}
