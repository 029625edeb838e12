import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import type Redis from 'ioredis';
import { filter, map, Observable, Subject } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { REDIS } from '../../infrastructure/redis';

/**
 * "Something changed for municipality X" nudges for the agent consoles, shared by every instance via
 * Redis pub/sub (in-process without Redis). Only the organisation id travels: consoles re-read the
 * list over HTTPS, so no caller data ever passes through Redis.
 */
@Injectable()
export class LiveCallBus implements OnModuleDestroy {
  private readonly logger = new Logger('VeiligBellen');
  private readonly local = new Subject<string>();
  private readonly subscriber: Redis | null;
  private readonly channel: string;

  constructor(
    @Optional() @Inject(REDIS) private readonly redis: Redis | null,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.channel = `${config.redis?.prefix ?? 'veilig'}:vb:changes`;
    // The subscription waits for Redis however long it is down (ioredis resubscribes after reconnects).
    this.subscriber = redis
      ? redis.duplicate({
          connectionName: 'veilig-vb-sub',
          maxRetriesPerRequest: null,
          commandTimeout: undefined,
        })
      : null;
    if (this.subscriber) {
      this.subscriber.on('message', (channel: string, organisationId: string) => {
        if (channel === this.channel) this.local.next(organisationId);
      });
      this.subscriber
        .subscribe(this.channel)
        .catch((err: Error) => this.logger.error({ err }, 'live call subscription failed'));
    }
  }

  /** Tells every instance's consoles of this municipality to refresh. */
  async publish(organisationId: string): Promise<void> {
    if (this.redis) await this.redis.publish(this.channel, organisationId);
    else this.local.next(organisationId);
  }

  changes(organisationId: string): Observable<void> {
    return this.local.pipe(
      filter((id) => id === organisationId),
      map(() => undefined),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.local.complete();
    await this.subscriber?.quit().catch(() => undefined);
  }
}
