import { HttpException } from '@nestjs/common';
import type { ProblemDetails } from '../../shared/api-contract';

export const PROBLEM_TYPE_BASE = 'https://veilig.dev/problems/';

/**
 * An RFC 9457 problem. `slug` becomes the `type` URI, so clients can branch on it without parsing text;
 * `extras` carries machine-readable members (e.g. `reason`, `keyIndex`, `errors`).
 */
export class ProblemException extends HttpException {
  constructor(
    status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extras: Record<string, unknown> = {},
  ) {
    super(detail ?? title, status);
  }

  toProblem(instance?: string): ProblemDetails & Record<string, unknown> {
    return {
      type: PROBLEM_TYPE_BASE + this.slug,
      title: this.title,
      status: this.getStatus(),
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extras,
    };
  }
}

export const badRequest = (slug: string, detail: string, extras?: Record<string, unknown>) =>
  new ProblemException(400, slug, 'Bad request', detail, extras);
export const notFound = (detail = 'Not found') => new ProblemException(404, 'not-found', 'Not found', detail);
export const conflict = (slug: string, detail: string) => new ProblemException(409, slug, 'Conflict', detail);
export const forbidden = (detail = 'You are not allowed to do this.', slug = 'forbidden') =>
  new ProblemException(403, slug, 'Forbidden', detail);
export const unauthorized = (detail = 'Sign in first.', slug = 'unauthorized') =>
  new ProblemException(401, slug, 'Unauthorized', detail);
export const tooManyRequests = (retryAfterMs: number, detail = 'Too many requests; try again later.') =>
  new ProblemException(429, 'rate-limited', 'Too many requests', detail, {
    retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
  });

/** Seconds a client waits before sending a request again that a dependency (database, Redis) could not take. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

export const serviceUnavailable = (detail: string, slug = 'service-unavailable') =>
  new ProblemException(503, slug, 'Service unavailable', detail, {
    retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS,
  });
