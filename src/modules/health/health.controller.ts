import { Controller, Get, Headers, Inject, Optional, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { safeEqual } from '../../common/crypto/tokens';
import { unauthorized } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { REDIS } from '../../infrastructure/redis';
import { Public } from '../accounts/auth/auth.decorators';
import { WriteProbe } from './entities/write-probe.entity';
import { METRICS, type Metrics } from './metrics';

@ApiExcludeController()
@Public()
@Controller()
export class HealthController {
  /** One probe at a time, its answer shared by the checks that arrive meanwhile or within a second. */
  private databaseCheck?: { until: number; result: Promise<DatabaseState> };

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

  /**
   * Dependencies answer (for the load balancer): the database takes writes, and Redis answers when
   * configured. A database that reads but cannot write (full disk, read-only standby) is `not-writable`.
   */
  @Get('health/ready')
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    checks.database = await this.databaseState();
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

  private databaseState(): Promise<DatabaseState> {
    if (!this.databaseCheck || Date.now() > this.databaseCheck.until) {
      const check = { until: Number.POSITIVE_INFINITY, result: this.probeDatabase() };
      void check.result.then(() => (check.until = Date.now() + 1000));
      this.databaseCheck = check;
    }
    return this.databaseCheck.result;
  }

  /**
   * Writes a row large enough to need new pages (16 KiB; random, so PostgreSQL cannot compress it) and
   * deletes it in the same committed transaction: a full disk or a read-only database fails it.
   */
  private async probeDatabase(): Promise<DatabaseState> {
    try {
      await this.dataSource.transaction(async (em) => {
        const id = randomUUID();
        await em.insert(WriteProbe, { id, payload: randomBytes(16 * 1024) });
        await em.delete(WriteProbe, { id });
      });
      return 'up';
    } catch {
      return this.dataSource
        .query('SELECT 1')
        .then(() => 'not-writable' as const)
        .catch(() => 'down' as const);
    }
  }
}

type DatabaseState = 'up' | 'not-writable' | 'down';

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);
}
