import { InProcessJobRunner, nextRun } from './in-process-job-runner';
import type { JobContext } from './job-runner';

const job = { queue: 'q', name: 'work' };

describe('InProcessJobRunner', () => {
  let sut: InProcessJobRunner;

  beforeEach(async () => {
    sut = new InProcessJobRunner();
  });
  afterEach(() => sut.close());

  it('runs a job added before start once started', async () => {
    const seen: unknown[] = [];
    sut.register(job, { handle: async (data) => void seen.push(data) });
    await sut.add(job, { n: 1 });
    expect(seen).toEqual([]);
    await sut.start();
    await sut.idle();
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('ignores a second add with the same deterministic id', async () => {
    let runs = 0;
    sut.register(job, { handle: async () => void runs++ });
    await sut.start();
    await sut.add(job, {}, { jobId: 'aggregate:2026-11-25T10' });
    await sut.add(job, {}, { jobId: 'aggregate:2026-11-25T10' });
    await sut.idle();
    await sut.add(job, {}, { jobId: 'aggregate:2026-11-25T10' });
    await sut.idle();
    expect(runs).toBe(1);
  });

  it('retries with exponential back-off and gives up after the attempts', async () => {
    const attempts: JobContext['attempt'][] = [];
    sut.register(job, {
      handle: async (_d, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('boom');
      },
    });
    await sut.start();
    await sut.add(job, {}, { attempts: 3, backoffMs: 5 });
    await sut.idle();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('runs jobs of one queue one at a time', async () => {
    let running = 0;
    let maxRunning = 0;
    sut.register(job, {
      handle: async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    await sut.start();
    await Promise.all([sut.add(job, {}), sut.add(job, {}), sut.add(job, {})]);
    await sut.idle();
    expect(maxRunning).toBe(1);
  });

  it('runs a repeatable job once per period with the period start in the context', async () => {
    const periods: number[] = [];
    sut.register(job, { handle: async (_d, ctx) => void periods.push(ctx.scheduledAt.getTime()) });
    await sut.start();
    await sut.addRepeatable(job, {}, { everyMs: 40 });
    // Wait for three periods, however slow a loaded CI machine is (a fixed sleep would be flaky).
    for (let waited = 0; periods.length < 3 && waited < 5000; waited += 20)
      await new Promise((r) => setTimeout(r, 20));
    expect(periods.length).toBeGreaterThanOrEqual(3);
    expect(new Set(periods).size).toBe(periods.length);
    for (const p of periods) expect(p % 40).toBe(0);
  });
});

describe('nextRun', () => {
  it('aligns every-N-ms schedules to the epoch like Bull', () => {
    expect(nextRun({ everyMs: 300_000 }, 1_000_000)).toBe(1_200_000);
  });

  it('follows cron expressions in UTC', () => {
    const now = Date.UTC(2026, 10, 25, 10, 7);
    expect(new Date(nextRun({ cron: '*/15 * * * *' }, now)).toISOString()).toBe('2026-11-25T10:15:00.000Z');
  });
});
