import type { JobDefinition } from './job-definitions';

export interface JobOptions {
  /**
   * Deterministic id: adding a job whose id is already queued or recently done does nothing, so every
   * instance may enqueue the same work (e.g. `aggregate:<window>`) and it still runs once.
   */
  jobId?: string;
  /** Total tries, including the first (default 3). */
  attempts?: number;
  /** First retry delay; doubles with every further try (default 1 s). */
  backoffMs?: number;
  delayMs?: number;
}

export type RepeatOptions = { cron: string; tz?: string } | { everyMs: number };

export interface JobContext {
  jobId: string;
  /** 1 for the first try. */
  attempt: number;
  /** For repeatable jobs: the start of the period this run belongs to. */
  scheduledAt: Date;
}

export interface JobHandler<T = unknown> {
  handle(data: T, context: JobContext): Promise<void>;
}

/** One job API with two drivers: in-process (embedded profile) and Bull on Redis (production). */
export abstract class JobRunner {
  abstract add<T>(job: JobDefinition, data: T, options?: JobOptions): Promise<void>;
  /** Every instance may register the same schedule: each period still runs once. */
  abstract addRepeatable<T>(
    job: JobDefinition,
    data: T,
    repeat: RepeatOptions,
    options?: Pick<JobOptions, 'attempts' | 'backoffMs'>,
  ): Promise<void>;
  abstract register(job: JobDefinition, handler: JobHandler): void;
  abstract start(): Promise<void>;
  abstract close(): Promise<void>;
  /** Resolves when nothing is queued or running (in-process driver; Bull: best effort). Used by tests and the CLI. */
  abstract idle(): Promise<void>;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1000;

/** Bull's naming: repeat job ids end in the period's epoch millis. */
export function periodStartFromJobId(jobId: string, fallback: number): Date {
  const m = /^repeat:.*:(\d+)$/.exec(jobId);
  return new Date(m ? Number(m[1]) : fallback);
}
