import { Logger } from '@nestjs/common';
import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobHandler } from '../jobs/job-runner';
import { DisclosureService } from './disclosure.service';

/** Closes expired disclosure requests (frees their references, drops approvals) and deletes old closed ones. */
@JobProcessor(JOBS.disclosureExpire)
export class DisclosureExpireProcessor implements JobHandler {
  private readonly logger = new Logger('Disclosure');

  constructor(private readonly service: DisclosureService) {}

  async handle(): Promise<void> {
    this.logger.log(await this.service.closeExpired(), 'disclosure expiry done');
  }
}
