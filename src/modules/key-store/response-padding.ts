import { ArgumentsHost, Catch } from '@nestjs/common';
import type { ErrorRequestHandler } from 'express';
import { randomBytes, randomInt } from 'node:crypto';
import { ProblemDetailsFilter } from '../../common/http/problem.filter';

/** 1–2 KiB of random base64, so the size of an answer says nothing about what happened. */
export function responsePadding(): string {
  return randomBytes(randomInt(768, 1536)).toString('base64');
}

/** Pads error answers (problem+json) the same way. */
@Catch()
export class PaddedProblemFilter extends ProblemDetailsFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(exception, host);
  }

  protected override decorate<T extends { status: number } & Record<string, unknown>>(body: T): T {
    return { ...body, padding: responsePadding() };
  }
}

/**
 * For the body parser in front of the upload route: its refusals (413, malformed JSON) happen before
 * Nest's filters and would otherwise leave unpadded, their size telling them apart.
 */
export function paddedBodyParserErrors(): ErrorRequestHandler {
  const filter = new PaddedProblemFilter();
  return (err, req, res, _next) => filter.send(err, req, res);
}
