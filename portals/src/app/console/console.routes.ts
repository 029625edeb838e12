import { Routes } from '@angular/router';

/** `/console`: the Veilig bellen agent console (docs/veilig-bellen.md). */
export const consoleRoutes: Routes = [
  { path: '', loadComponent: () => import('./console-home').then((m) => m.ConsoleHome) },
];

export default consoleRoutes;
