import Redis from 'ioredis';

/** Shared ioredis connection for rate limits and live events; Bull opens its own connections. */
export const REDIS = Symbol('REDIS');

/** A command waits at most this long; a request that needs Redis then fails fast instead of hanging. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * While Redis is down a command fails after one reconnect attempt or REDIS_COMMAND_TIMEOUT_MS, so the
 * request that needed it gets a quick 503 (ioredis' default retries 20 times, seconds per request).
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}
