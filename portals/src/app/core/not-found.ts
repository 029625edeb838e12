import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-not-found',
  imports: [RouterLink],
  template: `
    <section class="page narrow">
      <h1>Page not available</h1>
      <p>This page does not exist, or your account has no access to it.</p>
      <p><a routerLink="/">Go to the start page</a></p>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFound {}
