import { Routes } from '@angular/router';

/** `/backoffice`: the GP backoffice (issue 5) grows here. */
export const backofficeRoutes: Routes = [
  { path: '', loadComponent: () => import('./backoffice-home').then((m) => m.BackofficeHome) },
];

export default backofficeRoutes;
