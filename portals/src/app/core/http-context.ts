import { HttpContext, HttpContextToken } from '@angular/common/http';

/** Set on requests whose 401 the caller handles itself (login, /me, change-password, logout). */
export const SKIP_AUTH_REDIRECT = new HttpContextToken<boolean>(() => false);

export const handlesOwn401 = (): HttpContext => new HttpContext().set(SKIP_AUTH_REDIRECT, true);
