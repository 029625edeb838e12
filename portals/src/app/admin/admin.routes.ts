import { Routes } from '@angular/router';

import { rolesGuard } from '../core/guards';
import { AdminLayout } from './admin-layout';

/** `/admin`: the organisation's users; platform admins also manage organisations. */
export const adminRoutes: Routes = [
  {
    path: '',
    component: AdminLayout,
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'users' },
      { path: 'users', title: 'Users', loadComponent: () => import('./user-list').then((m) => m.UserList) },
      {
        path: 'users/new',
        title: 'New user',
        loadComponent: () => import('./user-create').then((m) => m.UserCreate),
      },
      {
        path: 'organisations',
        title: 'Organisations',
        canMatch: [rolesGuard(['platform-admin'])],
        loadComponent: () => import('./organisation-list').then((m) => m.OrganisationList),
      },
    ],
  },
];

export default adminRoutes;
