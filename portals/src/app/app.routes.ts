import { Routes } from '@angular/router';

import { authRoutes } from './auth/auth.routes';
import { portalAreas } from './core/contract';
import { areaGuard, homeRedirect, signedInGuard } from './core/guards';
import { Home } from './core/home';
import { NotFound } from './core/not-found';
import { Shell } from './core/shell';

/**
 * Top level: the sign-in pages, then everything else inside the shell for signed-in users. Each area
 * is a lazy chunk behind a role guard built from the shared route table (`src/shared/portal-routes.ts`).
 */
export const routes: Routes = [
  // Eager route entries (the page components themselves are lazy): an empty-path `loadChildren`
  // here would be loaded and tried on every navigation.
  ...authRoutes,
  {
    path: '',
    component: Shell,
    canMatch: [signedInGuard],
    children: [
      { path: '', pathMatch: 'full', title: 'Start', canActivate: [homeRedirect], component: Home },
      {
        path: portalAreas.admin.path,
        title: portalAreas.admin.title,
        canMatch: [areaGuard(portalAreas.admin)],
        loadChildren: () => import('./admin/admin.routes'),
      },
      {
        path: portalAreas.backoffice.path,
        title: portalAreas.backoffice.title,
        canMatch: [areaGuard(portalAreas.backoffice)],
        loadChildren: () => import('./backoffice/backoffice.routes'),
      },
      {
        path: portalAreas.console.path,
        title: portalAreas.console.title,
        canMatch: [areaGuard(portalAreas.console)],
        loadChildren: () => import('./console/console.routes'),
      },
      { path: '**', title: 'Not available', component: NotFound },
    ],
  },
];
