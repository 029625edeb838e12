import { Logger } from '@nestjs/common';
import { nextCronTime } from './cron';
import { jobKey, type JobDefinition } from './job-definitions';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  JobRunner,
  type JobHandler,
  type JobOptions,
  type RepeatOptions,
} from './job-runner';

interface QueuedJob {
  job: JobDefinition;
  id: string;
  data: unknown;
  attempts: number;
  backoffMs: number;
  scheduledAt: Date;
}

const RECENT_IDS_KEPT = 10_000;

/**
 * Runs jobs in this process: one queue at a time per queue name (like Bull's default concurrency),
 * retries with exponential back-off, deterministic ids deduplicated against queued and recent jobs.
 * There is only one instance in the embedded profile, so "once per period" holds by construction.
 */
export class InProcessJobRunner extends JobRunner {
  private readonly logger = new Logger('Jobs');
  private readonly handlers = new Map<string, JobHandler>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly knownIds = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = 0;
  private started = false;
  private closed = false;
  private readonly beforeStart: QueuedJob[] = [];
  private idleWaiters: (() => void)[] = [];
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  register(job: JobDefinition, handler: JobHandler): void {
    this.handlers.set(jobKey(job), handler);
  }

  async start(): Promise<void> {
    this.started = true;
    for (const queued of this.beforeStart.splice(0)) this.enqueue(queued);
  }

  async add<T>(job: JobDefinition, data: T, options: JobOptions = {}): Promise<void> {
    const id = options.jobId ?? `${jobKey(job)}:${++this.seq}`;
    if (options.jobId && this.knownIds.has(id)) return;
    this.remember(id);
    const queued: QueuedJob = {
      job,
      id,
      data,
      attempts: options.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_BACKOFF_MS,
      scheduledAt: new Date(this.now()),
    };
    this.pending++;
    if (options.delayMs) this.later(options.delayMs, () => this.enqueue(queued));
    else if (this.started) this.enqueue(queued);
    else this.beforeStart.push(queued);
  }

  async addRepeatable<T>(
    job: JobDefinition,
    data: T,
    repeat: RepeatOptions,
    options: Pick<JobOptions, 'attempts' | 'backoffMs'> = {},
  ): Promise<void> {
    const scheduleNext = () => {
      if (this.closed) return;
      const next = nextRun(repeat, this.now());
      this.later(next - this.now(), () => {
        void this.add(job, data, { ...options, jobId: `repeat:${jobKey(job)}:${next}` });
        scheduleNext();
      });
    };
    scheduleNext();
  }

  async idle(): Promise<void> {
    if (this.pending === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.chains.values()]);
  }

  private enqueue(queued: QueuedJob): void {
    if (this.closed) return this.done();
    const period = /^repeat:.*:(\d+)$/.exec(queued.id);
    if (period) queued.scheduledAt = new Date(Number(period[1]));
    const previous = this.chains.get(queued.job.queue) ?? Promise.resolve();
    const next = previous.then(() => this.runOnce(queued, 1));
    this.chains.set(queued.job.queue, next);
  }

  private async runOnce(queued: QueuedJob, attempt: number): Promise<void> {
    const handler = this.handlers.get(jobKey(queued.job));
    if (!handler) {
      this.logger.error(`no handler for ${jobKey(queued.job)}`);
      return this.done();
    }
    try {
      await handler.handle(queued.data, { jobId: queued.id, attempt, scheduledAt: queued.scheduledAt });
      this.done();
    } catch (err) {
      if (attempt >= queued.attempts || this.closed) {
        this.logger.error({ err, job: jobKey(queued.job), jobId: queued.id, attempt }, 'job failed for good');
        return this.done();
      }
      const delay = queued.backoffMs * 2 ** (attempt - 1);
      this.logger.warn(
        { job: jobKey(queued.job), jobId: queued.id, attempt, retryInMs: delay },
        'job failed; will retry',
      );
      this.later(delay, () => {
        const previous = this.chains.get(queued.job.queue) ?? Promise.resolve();
        this.chains.set(
          queued.job.queue,
          previous.then(() => this.runOnce(queued, attempt + 1)),
        );
      });
    }
  }

  private done(): void {
    this.pending--;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    t.unref();
    this.timers.add(t);
  }

  private remember(id: string): void {
    this.knownIds.add(id);
    if (this.knownIds.size > RECENT_IDS_KEPT) {
      const oldest = this.knownIds.values().next().value;
      if (oldest !== undefined) this.knownIds.delete(oldest);
    }
  }
}

/** Next period start after `now`: `everyMs` aligned to the epoch (as Bull does), or the cron's next time. */
export function nextRun(repeat: RepeatOptions, now: number): number {
  if ('everyMs' in repeat) return Math.floor(now / repeat.everyMs) * repeat.everyMs + repeat.everyMs;
  return nextCronTime(repeat.cron, now, repeat.tz);
}
