import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { SKIP_AUTH_REDIRECT } from './http-context';
import { Session } from './session';

/** A 401 on any other request means the session expired: forget the user and go to the login page. */
export const unauthorizedInterceptor: HttpInterceptorFn = (request, next) => {
  if (request.context.get(SKIP_AUTH_REDIRECT)) {
    return next(request);
  }
  const router = inject(Router);
  const session = inject(Session);
  return next(request).pipe(
    catchError((error: unknown) => {
      if (error instanceof HttpErrorResponse && error.status === 401) {
        session.markSignedOut();
        const returnUrl = router.url;
        void router.navigate(['/login'], {
          queryParams: { reason: 'expired', ...(returnUrl.startsWith('/login') ? {} : { returnUrl }) },
        });
      }
      return throwError(() => error);
    }),
  );
};
