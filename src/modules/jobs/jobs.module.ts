import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { redisConnectionOptions } from '../../infrastructure/redis';
import { METRICS, type Metrics } from '../health/metrics';
import { BullJobRunner } from './bull-job-runner';
import { InProcessJobRunner } from './in-process-job-runner';
import { JOBS, jobKey, type JobDefinition } from './job-definitions';
import { JOB_PROCESSOR } from './job-processor.decorator';
import { JobRunner, type JobHandler } from './job-runner';

const DECLARED_JOBS = Symbol('DECLARED_JOBS');

/** Finds `@JobProcessor` providers, checks them against the declared jobs and hands them to the runner. */
@Injectable()
export class JobsExplorer implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly runner: JobRunner,
    @Inject(DECLARED_JOBS) private readonly declared: JobDefinition[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    const found = new Map<string, { handler: JobHandler; names: string[] }>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as JobHandler | undefined;
      const metatype = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (!instance || !metatype) continue;
      const job = Reflect.getMetadata(JOB_PROCESSOR, metatype) as JobDefinition | undefined;
      if (!job) continue;
      const key = jobKey(job);
      const entry = found.get(key) ?? { handler: instance, names: [] };
      entry.names.push(metatype.name);
      found.set(key, entry);
    }
    const declaredKeys = new Set(this.declared.map(jobKey));
    const problems: string[] = [];
    for (const key of declaredKeys) {
      const entry = found.get(key);
      if (!entry) problems.push(`job ${key} is declared but has no @JobProcessor`);
      else if (entry.names.length > 1)
        problems.push(`job ${key} has ${entry.names.length} processors: ${entry.names.join(', ')}`);
    }
    for (const key of found.keys())
      if (!declaredKeys.has(key)) problems.push(`processor for undeclared job ${key}`);
    if (problems.length) throw new Error(`Job configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    for (const def of this.declared)
      this.runner.register(def, this.counted(def, found.get(jobKey(def))!.handler));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.jobs.worker) await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.close();
  }

  /** The handler, counted in /metrics by outcome (both drivers run it through here). */
  private counted(def: JobDefinition, handler: JobHandler): JobHandler {
    const job = jobKey(def);
    return {
      handle: async (data, context) => {
        try {
          await handler.handle(data, context);
        } catch (error) {
          this.metrics.jobRuns.inc({ job, outcome: 'failed' });
          throw error;
        }
        this.metrics.jobRuns.inc({ job, outcome: 'completed' });
        this.metrics.jobLastSuccess.set({ job }, this.clock.now().getTime() / 1000);
      },
    };
  }
}

@Global()
@Module({})
export class JobsModule {
  /** `extraJobs` lets tests declare jobs of their own next to the platform's. */
  static forRoot(options: { extraJobs?: JobDefinition[] } = {}): DynamicModule {
    return {
      module: JobsModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: DECLARED_JOBS, useValue: [...Object.values(JOBS), ...(options.extraJobs ?? [])] },
        {
          provide: JobRunner,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            config.redis
              ? new BullJobRunner(
                  redisConnectionOptions(config.redis),
                  config.redis.prefix,
                  config.jobs.worker,
                  config.jobs.scheduleCheckMs,
                )
              : new InProcessJobRunner(),
        },
        JobsExplorer,
      ],
      exports: [JobRunner],
    };
  }
}
