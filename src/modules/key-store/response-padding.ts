import {
  ArgumentsHost,
  CallHandler,
  Catch,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { map, type Observable } from 'rxjs';
import { ProblemDetailsFilter } from '../../common/http/problem.filter';

/** 1–2 KiB of random base64, so the size of an answer says nothing about what happened. */
export function responsePadding(): string {
  return randomBytes(randomInt(768, 1536)).toString('base64');
}

/** Pads successful JSON answers. */
@Injectable()
export class PaddingInterceptor implements NestInterceptor {
  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((body: unknown) => ({ ...(body as object), padding: responsePadding() })));
  }
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
