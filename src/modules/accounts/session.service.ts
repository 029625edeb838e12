import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { randomToken, sha256Hex } from '../../common/crypto/tokens';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { Session } from './entities/session.entity';
import { User } from './entities/user.entity';

/** Server-side portal sessions with an idle timeout and an absolute lifetime. */
@Injectable()
export class SessionService {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Returns the cookie token; only its hash is stored. */
  async create(user: User): Promise<string> {
    const token = randomToken();
    const now = this.clock.now();
    await this.sessions.insert({
      tokenHash: sha256Hex(token),
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.accounts.sessionMaxMs),
    });
    return token;
  }

  /** The live session and its user, sliding the idle timeout; null when unknown or expired. */
  async resolve(token: string): Promise<{ session: Session; user: User } | null> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
    const session = await this.sessions.findOne({
      where: { tokenHash: sha256Hex(token) },
      relations: { user: { organisation: true } },
    });
    if (!session?.user) return null;
    const now = this.clock.now();
    const idleLimit = session.lastSeenAt.getTime() + this.config.accounts.sessionIdleMs;
    if (session.expiresAt <= now || idleLimit <= now.getTime()) {
      await this.sessions.delete({ tokenHash: session.tokenHash });
      return null;
    }
    // Touch at most once a minute: one write per request would be wasteful.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
      await this.sessions.update({ tokenHash: session.tokenHash }, { lastSeenAt: now });
      session.lastSeenAt = now;
    }
    return { session, user: session.user };
  }

  async destroy(token: string): Promise<void> {
    await this.sessions.delete({ tokenHash: sha256Hex(token) });
  }

  async destroyAllFor(userId: string, exceptTokenHash?: string): Promise<void> {
    const qb = this.sessions.createQueryBuilder().delete().where('user_id = :userId', { userId });
    if (exceptTokenHash) qb.andWhere('token_hash <> :keep', { keep: exceptTokenHash });
    await qb.execute();
  }

  /** Removes sessions past their absolute expiry or idle limit; returns how many. */
  async purgeExpired(): Promise<number> {
    const now = this.clock.now();
    const idleCutoff = new Date(now.getTime() - this.config.accounts.sessionIdleMs);
    const a = await this.sessions.delete({ expiresAt: LessThan(now) });
    const b = await this.sessions.delete({ lastSeenAt: LessThan(idleCutoff) });
    return (a.affected ?? 0) + (b.affected ?? 0);
  }
}
