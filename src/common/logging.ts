import type { RouteInfo } from '@nestjs/common/interfaces';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '../config/app-config';

/**
 * JSON logs without personal data: no bodies, no query strings (codes and tokens travel there), and
 * credentials redacted from headers. `unlogged` routes get no access log line at all.
 */
export function loggerParams(config: AppConfig, unlogged: RouteInfo[] = []): Params {
  return {
    exclude: unlogged,
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(given) ? given : randomUUID();
      },
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'req.headers["x-xsrf-token"]',
          'req.headers["x-twilio-signature"]',
          'res.headers["set-cookie"]',
          'err.config',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: {
        ignore: (req: IncomingMessage) => /^\/(health\/|metrics)/.test(req.url ?? ''),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      ...(config.env === 'test' ? { level: process.env.LOG_LEVEL ?? 'silent' } : {}),
    },
  };
}
