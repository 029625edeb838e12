/**
 * The portal's top-level areas, shared by the Angular app (lazy routes, role guards, titles) and the
 * server (which serves the SPA for these paths). Framework-free on purpose.
 */
import type { Role } from './api-contract';

export interface PortalArea {
  readonly path: string;
  readonly title: string;
  /** Any one of these roles opens the area. */
  readonly roles: readonly Role[];
}

export const portalAreas = {
  admin: { path: 'admin', title: 'Administration', roles: ['admin', 'platform-admin'] },
  backoffice: { path: 'backoffice', title: 'GP backoffice', roles: ['clinician'] },
  console: { path: 'console', title: 'Agent console', roles: ['agent'] },
} as const satisfies Record<string, PortalArea>;

export const publicRoutes = {
  login: { path: 'login', title: 'Sign in' },
  changePassword: { path: 'change-password', title: 'Change password' },
} as const;
