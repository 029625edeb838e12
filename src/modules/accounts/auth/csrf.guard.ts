import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { safeEqual } from '../../../common/crypto/tokens';
import { ProblemException } from '../../../common/http/problem';
import { SKIP_CSRF } from './auth.decorators';
import { CSRF_COOKIE, CSRF_HEADER } from './cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit CSRF check for cookie-authenticated, state-changing requests: the `X-XSRF-TOKEN`
 * header must echo the `XSRF-TOKEN` cookie, which another site can neither read nor set.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (SAFE_METHODS.has(req.method)) return true;
    if (this.reflector.getAllAndOverride<boolean>(SKIP_CSRF, [context.getHandler(), context.getClass()]))
      return true;
    const cookie = (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
    const header = req.header(CSRF_HEADER);
    if (!cookie || !header || !safeEqual(cookie, header)) {
      throw new ProblemException(
        403,
        'csrf',
        'Forbidden',
        'Missing or wrong X-XSRF-TOKEN header; reload the page and try again.',
      );
    }
    return true;
  }
}
