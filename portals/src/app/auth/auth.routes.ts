import { Routes } from '@angular/router';

import { publicRoutes } from '../core/contract';
import { sessionGuard, signedOutGuard } from '../core/guards';

/** Pages outside the shell: sign in, and the password change that may be forced before the shell. */
export const authRoutes: Routes = [
  {
    path: publicRoutes.login.path,
    title: publicRoutes.login.title,
    canMatch: [signedOutGuard],
    loadComponent: () => import('./login').then((m) => m.Login),
  },
  {
    path: publicRoutes.changePassword.path,
    title: publicRoutes.changePassword.title,
    canMatch: [sessionGuard],
    loadComponent: () => import('./change-password').then((m) => m.ChangePassword),
  },
];
