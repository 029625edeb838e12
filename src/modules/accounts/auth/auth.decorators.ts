import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../../../shared/api-contract';
import type { Session } from '../entities/session.entity';
import type { User } from '../entities/user.entity';

export const IS_PUBLIC = 'veilig:public';
export const REQUIRED_ROLES = 'veilig:roles';
export const SKIP_CSRF = 'veilig:skip-csrf';
export const ALLOW_PENDING_PASSWORD = 'veilig:allow-pending-password';

/** No portal session needed (login, health, and machine APIs that authenticate otherwise). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Any one of these roles is needed. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/**
 * For APIs called by phones, phone exchanges and gateways with their own credentials (tokens,
 * signatures, certificates) instead of the portal cookie: CSRF does not apply to them.
 */
export const SkipCsrf = () => SetMetadata(SKIP_CSRF, true);

/** Reachable while the user still has to replace a temporary password. */
export const AllowPendingPassword = () => SetMetadata(ALLOW_PENDING_PASSWORD, true);

export interface AuthenticatedRequest extends Request {
  auth?: { user: User; session: Session };
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.auth) throw new Error('CurrentUser used on a route without authentication');
  return req.auth.user;
});
