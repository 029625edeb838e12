import { Module } from '@nestjs/common';
import Bull from 'bull';
import type { JobDefinition } from '../src/modules/jobs/job-definitions';
import { JobProcessor } from '../src/modules/jobs/job-processor.decorator';
import { JobRunner, type JobContext, type JobHandler } from '../src/modules/jobs/job-runner';
import { startApp, type TestApp } from './support/app';
import { freshEnv, servicesProfile, testName } from './support/profile';
import { startRedisServer } from './support/redis-server';

const tick: JobDefinition = { queue: 'test', name: 'tick' };
const runs: { instance: string; period: number }[] = [];

@JobProcessor(tick)
class TickProcessor implements JobHandler<{ instance?: string }> {
  async handle(_data: unknown, ctx: JobContext): Promise<void> {
    runs.push({ instance: process.env.JEST_TICK_INSTANCE ?? '?', period: ctx.scheduledAt.getTime() });
    await new Promise((r) => setTimeout(r, 20));
  }
}

@Module({ providers: [TickProcessor] })
class TickModule {}

const boom: JobDefinition = { queue: 'test', name: 'boom' };

@JobProcessor(boom)
class BoomProcessor implements JobHandler {
  handle(): Promise<void> {
    return Promise.reject(new Error('boom'));
  }
}

@Module({ providers: [TickProcessor, BoomProcessor] })
class TickAndBoomModule {}

@Module({ providers: [TickProcessor, { provide: 'second', useClass: TickProcessor }] })
class TwoTickModule {}

describe('jobs', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    runs.length = 0;
  });

  it('refuses to start when a declared job has no processor', async () => {
    await expect(startApp({ module: { extraJobs: [tick] } })).rejects.toThrow(
      /test:tick is declared but has no @JobProcessor/,
    );
  });

  it('refuses to start when a job has two processors', async () => {
    await expect(startApp({ module: { extraJobs: [tick], extraImports: [TwoTickModule] } })).rejects.toThrow(
      /test:tick has 2 processors/,
    );
  });

  it('refuses to start with a processor for an undeclared job', async () => {
    await expect(startApp({ module: { extraImports: [TickModule] } })).rejects.toThrow(
      /undeclared job test:tick/,
    );
  });

  it('runs a repeatable job exactly once per period, even with two instances sharing the schedule', async () => {
    const env = await freshEnv(testName('repeat'));
    const module = { extraJobs: [tick], extraImports: [TickModule] };
    const first = await startApp({ env, module });
    apps.push(first);
    // The second instance shares database and Redis (services profile); embedded has one instance by design.
    const instances = servicesProfile ? [first, await startApp({ env, module })] : [first];
    if (instances[1]) apps.push(instances[1]);
    const everyMs = 500;
    for (const t of instances) await t.app.get(JobRunner).addRepeatable(tick, {}, { everyMs });
    await new Promise((r) => setTimeout(r, everyMs * 5 + 200));
    const periods = runs.map((r) => r.period);
    expect(periods.length).toBeGreaterThanOrEqual(4);
    expect(new Set(periods).size).toBe(periods.length);
    for (const p of periods) expect(p % everyMs).toBe(0);
  });

  it('does not run a job twice when two instances enqueue it with the same id', async () => {
    const env = await freshEnv(testName('dedup'));
    const module = { extraJobs: [tick], extraImports: [TickModule] };
    const a = await startApp({ env, module });
    apps.push(a);
    const b = servicesProfile ? await startApp({ env, module }) : a;
    if (b !== a) apps.push(b);
    await Promise.all([
      a.app.get(JobRunner).add(tick, {}, { jobId: 'tick:once' }),
      b.app.get(JobRunner).add(tick, {}, { jobId: 'tick:once' }),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await a.app.get(JobRunner).idle();
    expect(runs).toHaveLength(1);
  });

  it('counts runs by job and outcome in /metrics, and when each job last completed', async () => {
    const t = await startApp({ module: { extraJobs: [tick, boom], extraImports: [TickAndBoomModule] } });
    apps.push(t);
    const jobs = t.app.get(JobRunner);
    await jobs.add(tick, {}, { jobId: 'tick:counted' });
    await jobs.add(boom, {}, { jobId: 'boom:counted', attempts: 1 });
    await new Promise((r) => setTimeout(r, 300));
    await jobs.idle();
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toContain('veilig_job_runs_total{job="test:tick",outcome="completed"} 1');
    expect(metrics).toContain('veilig_job_runs_total{job="test:boom",outcome="failed"} 1');
    expect(metrics).toMatch(/veilig_job_last_success_timestamp_seconds\{job="test:tick"\} \d{10}/);
    expect(metrics).not.toContain('veilig_job_last_success_timestamp_seconds{job="test:boom"}');
  });

  // Only Bull keeps schedules in Redis; the in-process runner has nothing to lose.
  (servicesProfile ? it : it.skip)(
    'keeps every schedule when Redis restarts empty or is flushed',
    async () => {
      const redis = await startRedisServer();
      try {
        const env: Record<string, string> = {
          ...(await freshEnv(testName('restore'), { JOBS_SCHEDULE_CHECK_SECONDS: '1' })),
          REDIS_URL: redis.url,
        };
        const t = await startApp({ env, module: { extraJobs: [tick], extraImports: [TickModule] } });
        apps.push(t);
        const everyMs = 400;
        await t.app.get(JobRunner).addRepeatable(tick, {}, { everyMs });
        /** Waits (up to 15 s, the machine may be busy) until three periods after `from` ran. */
        const threePeriodsAfter = async (from: number) => {
          const after = () => runs.map((r) => r.period).filter((p) => p > from);
          for (let waited = 0; after().length < 3 && waited < 15_000; waited += 100)
            await new Promise((r) => setTimeout(r, 100));
          return after();
        };
        expect((await threePeriodsAfter(0)).length).toBeGreaterThanOrEqual(3);

        for (const fault of [() => redis.restart(), () => redis.flushAll()]) {
          await fault();
          // Every period after the fault comes from a schedule registered again (on reconnect or check).
          expect((await threePeriodsAfter(Date.now())).length).toBeGreaterThanOrEqual(3);
          expect(new Set(runs.map((r) => r.period)).size).toBe(runs.length);
        }
        // The platform's own schedules come back too, e.g. the aggregation cycle's.
        const exports = new Bull('exports', redis.url, { prefix: `${env.REDIS_PREFIX}:bull` });
        try {
          expect((await exports.getRepeatableJobs()).map((j) => j.name)).toContain('aggregate');
        } finally {
          await exports.close();
        }
      } finally {
        await Promise.all(apps.splice(0).map((a) => a.close()));
        await redis.stop();
      }
    },
    60_000,
  );
});
