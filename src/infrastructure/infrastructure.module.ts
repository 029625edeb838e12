import { Global, Inject, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { CrossOriginRoutes } from '../common/http/cross-origin';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/app-config';
import { Clock, SystemClock } from './clock';
import { FileStore, LocalFileStore, S3FileStore } from './file-store';
import { MemoryRateLimiter, RateLimiter, RedisRateLimiter } from './rate-limiter';
import { connectRedis, REDIS } from './redis';

/** Clock, Redis, rate limits and file storage: the I/O every module shares, chosen by profile. */
@Global()
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    CrossOriginRoutes,
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.redis ? connectRedis(config.redis, 'veilig') : null),
    },
    {
      provide: RateLimiter,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null) =>
        redis && config.redis ? new RedisRateLimiter(redis, config.redis.prefix) : new MemoryRateLimiter(),
    },
    {
      provide: FileStore,
      inject: [APP_CONFIG],
      useFactory: ({ files }: AppConfig) =>
        files.kind === 's3' ? new S3FileStore(files) : new LocalFileStore(files.dir),
    },
  ],
  exports: [Clock, REDIS, RateLimiter, FileStore, CrossOriginRoutes],
})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => undefined);
  }
}
