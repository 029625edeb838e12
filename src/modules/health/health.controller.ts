import { Controller, Get, Headers, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { safeEqual } from '../../common/crypto/tokens';
import { unauthorized } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { REDIS } from '../../infrastructure/redis';
import { Public } from '../accounts/auth/auth.decorators';
import { METRICS, type Metrics } from './metrics';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The process is up (for restarts). */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Dependencies answer (for the load balancer): database, and Redis when configured. */
  @Get('health/ready')
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    checks.database = await this.dataSource
      .query('SELECT 1')
      .then(() => 'up')
      .catch(() => 'down');
    if (this.redis) {
      checks.redis = await withTimeout(this.redis.ping(), 1000)
        .then(() => 'up')
        .catch(() => 'down');
    }
    const ok = Object.values(checks).every((c) => c === 'up');
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  @Get('metrics')
  async prometheus(
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const token = this.config.http.metricsToken;
    if (token && !safeEqual(authorization ?? '', `Bearer ${token}`))
      throw unauthorized('Metrics need the bearer token.');
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);
}
