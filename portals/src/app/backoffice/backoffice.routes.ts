import { Routes } from '@angular/router';

/**
 * `/backoffice`: the GP backoffice (docs/protocols/dp3t-backoffice.md §D5): look up a patient's disclosure
 * code and sign it.
 */
export const backofficeRoutes: Routes = [
  { path: '', loadComponent: () => import('./disclosure-sign').then((m) => m.DisclosureSign) },
];

export default backofficeRoutes;
