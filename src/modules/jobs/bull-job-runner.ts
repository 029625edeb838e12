import { Logger } from '@nestjs/common';
import Bull from 'bull';
import type { RedisOptions } from 'ioredis';
import { jobKey, type JobDefinition } from './job-definitions';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  JobRunner,
  periodStartFromJobId,
  type JobHandler,
  type JobOptions,
  type RepeatOptions,
} from './job-runner';

/**
 * Bull on Redis: several instances share the queues. Repeatable jobs get ids derived from the repeat
 * key and the period's timestamp (Bull's `getRepeatJobId`), so when every instance registers the same
 * schedule each period still runs exactly once.
 *
 * A schedule lives in Redis only: Bull adds a period's job when the previous one starts. A Redis that
 * restarts empty (or is flushed) therefore ends every schedule until an instance registers it again. So
 * every instance keeps its schedules and registers them again whenever a connection to Redis becomes
 * ready and every JOBS_SCHEDULE_CHECK_SECONDS; the deterministic ids make that a no-op while Redis still has them.
 */
export class BullJobRunner extends JobRunner {
  private readonly logger = new Logger('Jobs');
  private readonly queues = new Map<string, Bull.Queue>();
  private readonly handlers = new Map<string, JobHandler>();
  /** Per repeatable job: registers its schedule (again). */
  private readonly schedules = new Map<string, () => Promise<unknown>>();
  private scheduleCheck?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisOptions,
    private readonly prefix: string,
    private readonly worker: boolean,
    private readonly scheduleCheckMs: number,
  ) {
    super();
  }

  register(job: JobDefinition, handler: JobHandler): void {
    this.handlers.set(jobKey(job), handler);
  }

  async start(): Promise<void> {
    if (!this.worker) return;
    for (const [key, handler] of this.handlers) {
      const [queueName, name] = key.split(':') as [string, string];
      void this.queue(queueName).process(name, 1, async (job: Bull.Job) => {
        await handler.handle(job.data, {
          jobId: String(job.id),
          attempt: job.attemptsMade + 1,
          scheduledAt: periodStartFromJobId(String(job.id), job.timestamp),
        });
      });
    }
    for (const q of this.queues.values()) {
      q.on('failed', (job, err) =>
        this.logger.warn(
          { err, job: `${q.name}:${job.name}`, jobId: job.id, attempt: job.attemptsMade },
          'job attempt failed',
        ),
      );
    }
  }

  async add<T>(job: JobDefinition, data: T, options: JobOptions = {}): Promise<void> {
    await this.queue(job.queue).add(job.name, data, {
      jobId: options.jobId,
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
      delay: options.delayMs,
      // Keep finished jobs a day so a deterministic id enqueued again is still recognised as done.
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async addRepeatable<T>(
    job: JobDefinition,
    data: T,
    repeat: RepeatOptions,
    options: Pick<JobOptions, 'attempts' | 'backoffMs'> = {},
  ): Promise<void> {
    const queue = this.queue(job.queue);
    const bullRepeat: Bull.CronRepeatOptions | Bull.EveryRepeatOptions =
      'everyMs' in repeat ? { every: repeat.everyMs } : { cron: repeat.cron, tz: repeat.tz ?? 'UTC' };
    // A changed schedule (new config) replaces the old one instead of running both.
    for (const existing of await queue.getRepeatableJobs()) {
      const same =
        'everyMs' in repeat ? Number(existing.every) === repeat.everyMs : existing.cron === repeat.cron;
      if (existing.name === job.name && !same) await queue.removeRepeatableByKey(existing.key);
    }
    const schedule = () =>
      queue.add(job.name, data, {
        repeat: bullRepeat,
        jobId: jobKey(job),
        attempts: options.attempts ?? DEFAULT_ATTEMPTS,
        backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_BACKOFF_MS },
        removeOnComplete: { age: 24 * 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    this.schedules.set(jobKey(job), schedule);
    this.scheduleCheck ??= setInterval(() => void this.restoreSchedules(), this.scheduleCheckMs).unref();
    await schedule();
  }

  /** Registers every schedule of this instance again; a no-op for those Redis still has. */
  async restoreSchedules(): Promise<void> {
    for (const [key, schedule] of this.schedules) {
      await schedule().catch((err: unknown) =>
        this.logger.warn({ err, job: key }, 'could not restore a job schedule; retrying later'),
      );
    }
  }

  async idle(): Promise<void> {
    for (;;) {
      let busy = 0;
      for (const q of this.queues.values()) {
        const c = await q.getJobCounts();
        busy += c.active + c.waiting;
      }
      if (busy === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.scheduleCheck);
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  /** For tests and operations: drop every job and schedule of our queues. */
  async obliterate(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.obliterate({ force: true })));
  }

  private queue(name: string): Bull.Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Bull(name, { redis: this.redis, prefix: `${this.prefix}:bull` });
      // After a reconnect Redis may be a new, empty server.
      q.client.on('ready', () => void this.restoreSchedules());
      this.queues.set(name, q);
    }
    return q;
  }
}
