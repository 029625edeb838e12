import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../infrastructure/clock';
import { JOBS } from '../../jobs/job-definitions';
import { JobProcessor } from '../../jobs/job-processor.decorator';
import type { JobHandler } from '../../jobs/job-runner';
import { MemberDownloadService } from './member-download.service';
import { MemberUploadService } from './member-upload.service';

/**
 * Upload job (docs/protocols/efgs.md §A10), every FEDERATION_UPLOAD_INTERVAL_MINUTES, once across instances.
 */
@JobProcessor(JOBS.federationMemberUpload)
export class MemberUploadProcessor implements JobHandler {
  constructor(
    private readonly uploads: MemberUploadService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(): Promise<void> {
    if (this.config.federation.memberEnabled) await this.uploads.run(this.clock.now());
  }
}

/** Data of a download job: empty for the scheduled walk, or the batch a callback announced. */
export interface DownloadJobData {
  date?: string;
  batchTag?: string;
}

/**
 * Download job (docs/protocols/efgs.md §A7, §A8): on schedule for the last days, or from the batch a callback
 * names.
 */
@JobProcessor(JOBS.federationMemberDownload)
export class MemberDownloadProcessor implements JobHandler<DownloadJobData> {
  constructor(
    private readonly downloads: MemberDownloadService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handle(data: DownloadJobData): Promise<void> {
    if (!this.config.federation.memberEnabled) return;
    if (data.date && data.batchTag) await this.downloads.walk(data.date, data.batchTag, this.clock.now());
    else await this.downloads.runScheduled(this.clock.now());
  }
}
