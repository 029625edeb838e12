import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobContext, JobHandler } from '../jobs/job-runner';
import { AggregationService } from './aggregation.service';
import { KeyRetentionService } from './key-retention.service';

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
  constructor(private readonly retention: KeyRetentionService) {}

  async handle(): Promise<void> {
    await this.retention.purge();
  }
}
