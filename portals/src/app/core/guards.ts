import { inject } from '@angular/core';
import { CanActivateFn, CanMatchFn, Router, UrlTree } from '@angular/router';

import { hasAnyRole } from './areas';
import type { PortalArea, Role } from './contract';
import { Session } from './session';

/** Only internal paths are accepted as a return URL (no `//host`, no `/login` loops). */
export function safeReturnUrl(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/login')) {
    return '/';
  }
  return value;
}

function toLogin(router: Router): UrlTree {
  const navigation = router.currentNavigation();
  const target = navigation ? router.serializeUrl(navigation.extractedUrl) : router.url;
  const returnUrl = safeReturnUrl(target);
  return router.createUrlTree(['/login'], { queryParams: returnUrl === '/' ? {} : { returnUrl } });
}

/** Signed in and done with the forced password change: the whole shell (top bar and areas). */
export const signedInGuard: CanMatchFn = async () => {
  const session = inject(Session);
  const router = inject(Router);
  const user = await session.ensureLoaded();
  if (!user) {
    return toLogin(router);
  }
  return user.mustChangePassword ? router.createUrlTree(['/change-password']) : true;
};

/** Signed in, whether or not the password must still be changed (the change-password page). */
export const sessionGuard: CanMatchFn = async () => {
  const session = inject(Session);
  const router = inject(Router);
  return (await session.ensureLoaded()) ? true : toLogin(router);
};

/** The login page is for signed-out users; a signed-in user goes home instead. */
export const signedOutGuard: CanMatchFn = async () => {
  const session = inject(Session);
  const router = inject(Router);
  const user = await session.ensureLoaded();
  if (!user) {
    return true;
  }
  return router.createUrlTree([user.mustChangePassword ? '/change-password' : '/']);
};

/**
 * Any one of `roles` opens the route. A user without them does not match it at all, so its lazy
 * chunk is never loaded and the wildcard "not found" page answers instead.
 */
export function rolesGuard(roles: readonly Role[]): CanMatchFn {
  return () => {
    const session = inject(Session);
    return session.ensureLoaded().then((user) => hasAnyRole(user, roles));
  };
}

export function areaGuard(area: PortalArea): CanMatchFn {
  return rolesGuard(area.roles);
}

/** Home sends a user with exactly one area straight there; with several it shows the choice. */
export const homeRedirect: CanActivateFn = () => {
  const areas = inject(Session).areas();
  return areas.length === 1 ? inject(Router).createUrlTree(['/', areas[0].path]) : true;
};
