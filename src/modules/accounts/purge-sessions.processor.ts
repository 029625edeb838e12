import { Logger } from '@nestjs/common';
import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobHandler } from '../jobs/job-runner';
import { SessionService } from './session.service';

@JobProcessor(JOBS.purgeSessions)
export class PurgeSessionsProcessor implements JobHandler {
  private readonly logger = new Logger('Accounts');

  constructor(private readonly sessions: SessionService) {}

  async handle(): Promise<void> {
    const removed = await this.sessions.purgeExpired();
    if (removed) this.logger.log({ removed }, 'expired sessions purged');
  }
}
