import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * A refusal in EFGS's own terms: exact status and the `{"message": …}` body of EFGS's `ErrorHandler`
 * (docs/protocols/efgs.md §A1), not our problem+json.
 */
export class EfgsHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra body members (the 207 map is a body of its own, see `EfgsPartialInsert`). */
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'EfgsHttpError';
  }
}

// body-parser signals problems as plain errors with `type` and `status`.
const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.too.large': 'Payload too large',
  'request.aborted': 'Request aborted',
  'encoding.unsupported': 'Unsupported content encoding',
};

/**
 * Controller-scoped filter of the EFGS routes: every error leaves as `{"message": …}` with the status the
 * gateway would use; unexpected ones are logged (without request data) and answered 500.
 */
@Catch()
export class EfgsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('EFGS');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.toBody(exception);
    res.status(status).type('application/json').send(JSON.stringify(body));
  }

  private toBody(exception: unknown): { status: number; body: Record<string, unknown> } {
    if (exception instanceof EfgsHttpError)
      return { status: exception.status, body: exception.body ?? { message: exception.message } };
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      const message =
        typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.map(String).join('; ') : exception.message;
      return { status: exception.getStatus(), body: { message } };
    }
    const bodyError = exception as { type?: string; status?: number } | undefined;
    if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
      return {
        status: bodyError.status,
        body: { message: BODY_PARSER_MESSAGES[bodyError.type ?? ''] ?? 'Bad request' },
      };
    }
    this.logger.error({ err: exception }, 'unhandled error on an EFGS route');
    return { status: 500, body: { message: 'Internal Server Error' } };
  }
}
