import { Inject, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../infrastructure/clock';
import { JOBS } from '../../jobs/job-definitions';
import { JobProcessor } from '../../jobs/job-processor.decorator';
import type { JobHandler } from '../../jobs/job-runner';
import { CallbackTask } from '../entities/callback-task.entity';
import { GatewayBatch } from '../entities/gateway-batch.entity';
import { GatewayKeyHash } from '../entities/gateway-key-hash.entity';
import { GatewayUpload } from '../entities/gateway-upload.entity';
import { CallbackService } from './callback.service';
import { GatewayBatchingService } from './gateway-batching.service';

const DAY_MS = 86_400_000;

/**
 * The batching job (docs/protocols/efgs.md §A7), every FEDERATION_GATEWAY_BATCH_INTERVAL_MINUTES, once across
 * instances.
 */
@JobProcessor(JOBS.federationGatewayBatch)
export class GatewayBatchProcessor implements JobHandler {
  constructor(
    private readonly batching: GatewayBatchingService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    if (this.config.federation.gatewayEnabled) await this.batching.runBatching(this.clock.now());
  }
}

/**
 * Delivers due callbacks (docs/protocols/efgs.md §A8): right after batching, and on a schedule for retries.
 */
@JobProcessor(JOBS.federationGatewayCallbacks)
export class GatewayCallbackProcessor implements JobHandler {
  constructor(
    private readonly callbacks: CallbackService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    if (this.config.federation.gatewayEnabled) await this.callbacks.deliverDue(this.clock.now());
  }
}

/**
 * Retention (docs/protocols/efgs.md §A7): keys, uploads, batches and stale callback tasks created before
 * today 00:00 UTC minus FEDERATION_GATEWAY_RETENTION_DAYS are deleted, daily.
 */
@JobProcessor(JOBS.federationGatewayRetention)
export class GatewayRetentionProcessor implements JobHandler {
  private readonly logger = new Logger('EfgsGateway');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    if (!this.config.federation.gatewayEnabled) return;
    const now = this.clock.now();
    const cutoff = new Date(
      Math.floor(now.getTime() / DAY_MS) * DAY_MS - this.config.federation.gateway.retentionDays * DAY_MS,
    );
    const counts = await this.dataSource.transaction(async (em) => ({
      keys: (await em.delete(GatewayKeyHash, { createdAt: LessThan(cutoff) })).affected ?? 0,
      uploads: (await em.delete(GatewayUpload, { createdAt: LessThan(cutoff) })).affected ?? 0,
      batches: (await em.delete(GatewayBatch, { createdAt: LessThan(cutoff) })).affected ?? 0,
      callbackTasks: (await em.delete(CallbackTask, { createdAt: LessThan(cutoff) })).affected ?? 0,
    }));
    this.logger.log({ ...counts, before: cutoff.toISOString() }, 'gateway retention done');
  }
}
