import { JOBS } from '../jobs/job-definitions';
import { JobProcessor } from '../jobs/job-processor.decorator';
import type { JobHandler } from '../jobs/job-runner';
import { VeiligBellenService } from './veilig-bellen.service';

/** Deletes caller data past its expiry or the maximum age, whatever happened to the call. */
@JobProcessor(JOBS.veiligBellenPurge)
export class PurgeCallsProcessor implements JobHandler {
  constructor(private readonly service: VeiligBellenService) {}

  async handle(): Promise<void> {
    await this.service.purge();
  }
}
