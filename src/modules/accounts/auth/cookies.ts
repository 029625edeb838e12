import type { CookieOptions, Response } from 'express';

export const CSRF_COOKIE = 'XSRF-TOKEN';
export const CSRF_HEADER = 'x-xsrf-token';

/** `__Host-` pins the cookie to our origin over HTTPS (no Domain, Path=/, Secure). */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-veilig_session' : 'veilig_session';
}

export function sessionCookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, secure, sameSite: 'strict', path: '/' };
}

export function setCsrfCookie(res: Response, token: string, secure: boolean): void {
  // Readable by the portal's script (double-submit), never sent cross-site.
  res.cookie(CSRF_COOKIE, token, { httpOnly: false, secure, sameSite: 'strict', path: '/' });
}
