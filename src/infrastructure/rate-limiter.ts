import type Redis from 'ioredis';
import { serviceUnavailable } from '../common/http/problem';

export interface RateLimitRule {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
}

/**
 * Fixed-window counters keyed by caller (IP, professional, caller number, …). Memory in the embedded
 * profile; Redis when configured, so every instance behind the load balancer shares the same counts.
 */
export abstract class RateLimiter {
  abstract consume(key: string, rule: RateLimitRule): Promise<RateLimitResult>;
  /**
   * Gives back one unit consumed in the current window (a reservation that turned out not to count,
   * e.g. a code that was right). Never below zero, never into a new window.
   */
  abstract refund(key: string): Promise<void>;
}

export class MemoryRateLimiter extends RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async consume(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const now = this.now();
    if (this.windows.size > 100_000) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + rule.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return {
      allowed: w.count <= rule.limit,
      remaining: Math.max(0, rule.limit - w.count),
      retryAfterMs: w.resetAt - now,
    };
  }

  async refund(key: string): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.resetAt > this.now() && w.count > 0) w.count--;
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }
}

export class RedisRateLimiter extends RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  /** Without Redis no limit can be checked: the request is refused with 503, never let through. */
  async consume(key: string, rule: RateLimitRule): Promise<RateLimitResult> {
    try {
      return await this.count(`${this.prefix}:rl:${key}`, rule);
    } catch {
      throw serviceUnavailable('A service this request needs is not reachable right now. Try again shortly.');
    }
  }

  /** Best effort: without Redis the unit stays counted (stricter, never looser). */
  async refund(key: string): Promise<void> {
    // Atomic, and only while the window's key exists: a DECR on an expired key would create one
    // without expiry.
    await this.redis
      .eval(
        `if redis.call('GET', KEYS[1]) and tonumber(redis.call('GET', KEYS[1])) > 0 then return redis.call('DECR', KEYS[1]) end return 0`,
        1,
        `${this.prefix}:rl:${key}`,
      )
      .catch(() => undefined);
  }

  private async count(redisKey: string, rule: RateLimitRule): Promise<RateLimitResult> {
    const [[, count], [, ttl]] = (await this.redis.multi().incr(redisKey).pttl(redisKey).exec()) as [
      [null, number],
      [null, number],
    ];
    let retryAfterMs = ttl;
    if (ttl < 0) {
      await this.redis.pexpire(redisKey, rule.windowMs);
      retryAfterMs = rule.windowMs;
    }
    return { allowed: count <= rule.limit, remaining: Math.max(0, rule.limit - count), retryAfterMs };
  }
}
