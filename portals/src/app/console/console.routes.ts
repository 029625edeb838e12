import { Routes } from '@angular/router';

/** `/console`: the Veilig bellen agent console (issue 6) grows here. */
export const consoleRoutes: Routes = [
  { path: '', loadComponent: () => import('./console-home').then((m) => m.ConsoleHome) },
];

export default consoleRoutes;
