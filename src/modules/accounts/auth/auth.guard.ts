import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden, unauthorized } from '../../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import type { Role } from '../../../shared/api-contract';
import { SessionService } from '../session.service';
import {
  ALLOW_PENDING_PASSWORD,
  IS_PUBLIC,
  REQUIRED_ROLES,
  type AuthenticatedRequest,
} from './auth.decorators';
import { sessionCookieName } from './cookies';

/** Global: every route needs a portal session unless marked `@Public()`; `@Roles()` narrows it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = (req.cookies as Record<string, string> | undefined)?.[
      sessionCookieName(this.config.http.secureCookies)
    ];
    const resolved = token ? await this.sessions.resolve(token) : null;
    if (!resolved) throw unauthorized('Your session has ended; sign in again.');
    req.auth = resolved;
    if (
      resolved.user.mustChangePassword &&
      !this.reflector.getAllAndOverride<boolean>(ALLOW_PENDING_PASSWORD, targets)
    ) {
      throw forbidden('Change your temporary password first.', 'password-change-required');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.some((r) => resolved.user.roles.includes(r))) {
      throw forbidden(`This needs one of the roles: ${roles.join(', ')}.`);
    }
    return true;
  }
}
