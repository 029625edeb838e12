import { Logger } from '@nestjs/common';
import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobHandler } from '../jobs/job-runner';
import { IdentityVerificationService } from './identity-verification.service';

/** Deletes expired logins, verification times past the window, expired token keys and spent tokens. */
@JobProcessor(JOBS.identityPurge)
export class IdentityPurgeProcessor implements JobHandler {
  private readonly logger = new Logger('IdentityVerification');

  constructor(private readonly service: IdentityVerificationService) {}

  async handle(): Promise<void> {
    this.logger.log(await this.service.purge(), 'identity purge done');
  }
}
