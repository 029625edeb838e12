import Redis, { type RedisOptions } from 'ioredis';
import { isIP } from 'node:net';
import type { AppConfig } from '../config/app-config';
import { explainTlsFailure, readConfiguredFile } from './startup-errors';

/** Shared ioredis connection for rate limits and live events; Bull opens its own connections. */
export const REDIS = Symbol('REDIS');

/** A command waits at most this long; a request that needs Redis then fails fast instead of hanging. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

type RedisConfig = NonNullable<AppConfig['redis']>;

/**
 * Connection options from REDIS_URL and the REDIS_*_FILE variables, for ioredis and for Bull alike.
 * Bull would read a URL without its TLS (it ignores `rediss://`), so it gets these options instead.
 */
export function redisConnectionOptions(config: RedisConfig): RedisOptions {
  const url = new URL(config.url);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number(url.pathname.slice(1) || 0),
  };
  if (url.protocol === 'rediss:') {
    options.tls = {
      // Node checks the certificate against this name (or against the IP when the URL holds one).
      servername: isIP(options.host!) ? undefined : options.host,
      ca: config.caFile ? readConfiguredFile('REDIS_CA_FILE', config.caFile) : undefined,
      cert: config.certFile ? readConfiguredFile('REDIS_CERT_FILE', config.certFile) : undefined,
      key: config.keyFile ? readConfiguredFile('REDIS_KEY_FILE', config.keyFile) : undefined,
    };
  }
  return options;
}

/**
 * Opens the shared connection and waits for it, so a TLS misconfiguration ends start-up with a message
 * naming the variable instead of reconnecting forever in the background. Later, while Redis is down, a
 * command fails after one reconnect attempt or REDIS_COMMAND_TIMEOUT_MS, so the request that needed it
 * gets a quick 503 (ioredis' default retries 20 times, seconds per request).
 */
export async function connectRedis(config: RedisConfig, name: string): Promise<Redis> {
  const options = redisConnectionOptions(config);
  const redis = new Redis({
    ...options,
    connectionName: name,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableReadyCheck: true,
    lazyConnect: true,
  });
  // connect() rejects with "Connection is closed"; the TLS error that closed it comes as an event.
  let cause: unknown;
  let handshakeCompleted = false;
  const remember = (err: unknown) => (cause = err);
  const secured = () => (handshakeCompleted = true); // ioredis says 'connect' after the TLS handshake
  redis.on('error', remember).on('connect', secured);
  try {
    await redis.connect();
    redis.off('error', remember).off('connect', secured);
  } catch (closed) {
    redis.disconnect();
    const err = cause ?? closed;
    const address = `${options.host}:${options.port}`;
    throw (
      explainTlsFailure(err, {
        service: 'Redis',
        address,
        urlVariable: 'REDIS_URL',
        caVariable: 'REDIS_CA_FILE',
        caConfigured: Boolean(config.caFile),
        tlsSetting: 'REDIS_URL (rediss://)',
        clientCertVariable: 'REDIS_CERT_FILE',
        handshakeCompleted,
      }) ??
      new Error(`REDIS_URL: cannot connect to Redis at ${address} (${(err as Error).message})`, {
        cause: err,
      })
    );
  }
  return redis;
}
