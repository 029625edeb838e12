import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { databaseErrorCode, isStorageUnavailable } from '../../database/errors';
import { PROBLEM_TYPE_BASE, ProblemException, serviceUnavailable } from './problem';

/** body-parser failures arrive as plain errors with `type` and `status`. */
const bodyParserProblems: Record<string, { status: number; slug: string; detail: string }> = {
  'entity.too.large': {
    status: 413,
    slug: 'body-too-large',
    detail: 'The request body is larger than allowed.',
  },
  'entity.parse.failed': {
    status: 400,
    slug: 'malformed-body',
    detail: 'The request body is not valid JSON.',
  },
  'encoding.unsupported': {
    status: 415,
    slug: 'unsupported-encoding',
    detail: 'Unsupported content encoding.',
  },
  'charset.unsupported': { status: 415, slug: 'unsupported-charset', detail: 'Unsupported charset.' },
  'request.aborted': { status: 400, slug: 'request-aborted', detail: 'The request was aborted.' },
  'entity.verify.failed': { status: 400, slug: 'malformed-body', detail: 'The request body was refused.' },
};

/** Every error leaves as RFC 9457 problem+json; unexpected ones are logged and answered with a bare 500. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    this.send(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>());
  }

  /** Answers with the problem for `exception`; also for Express error middleware (body parsers). */
  send(exception: unknown, req: Request, res: Response): void {
    if (res.headersSent) return;
    const instance = req.originalUrl?.split('?')[0];
    const body = this.decorate(this.toProblem(exception, instance));
    if ((body.status === 429 || body.status === 503) && typeof body.retryAfterSeconds === 'number') {
      res.setHeader('Retry-After', String(body.retryAfterSeconds));
    }
    res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  /** Hook for controllers that add members to every answer (e.g. response padding). */
  protected decorate<T extends { status: number } & Record<string, unknown>>(body: T): T {
    return body;
  }

  private toProblem(exception: unknown, instance?: string): { status: number } & Record<string, unknown> {
    if (exception instanceof ProblemException) return exception.toProblem(instance);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return {
        type: 'about:blank',
        title:
          HttpStatus[status]
            ?.replace(/_/g, ' ')
            .toLowerCase()
            .replace(/^\w/, (c) => c.toUpperCase()) ?? 'Error',
        status,
        detail: Array.isArray(message) ? message.join('; ') : message,
        instance,
      };
    }
    const bodyError = exception as { type?: string; status?: number };
    const known = bodyError?.type ? bodyParserProblems[bodyError.type] : undefined;
    if (known) {
      return {
        type: PROBLEM_TYPE_BASE + known.slug,
        title: 'Bad request',
        status: known.status,
        detail: known.detail,
        instance,
      };
    }
    if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      return { type: 'about:blank', title: 'Bad request', status: bodyError.status, instance };
    }
    if (isStorageUnavailable(exception)) {
      // Only the code: the error's message may quote the statement's parameters.
      this.logger.warn({ code: databaseErrorCode(exception), instance }, 'storage unavailable');
      return serviceUnavailable(
        'Nothing was stored: the database cannot take writes right now. Send the same request again later.',
        'storage-unavailable',
      ).toProblem(instance);
    }
    this.logger.error({ err: exception, instance }, 'unhandled error');
    return { type: 'about:blank', title: 'Internal server error', status: 500, instance };
  }
}
