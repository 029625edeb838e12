import { ChangeDetectionStrategy, Component } from '@angular/core';

import { portalAreas } from '../core/contract';

/** Placeholder until the GP backoffice screens arrive. */
@Component({
  selector: 'app-backoffice-home',
  template: `
    <section class="page narrow" data-testid="backoffice-home">
      <h1>{{ title }}</h1>
      <p class="notice">
        Coming soon: here you will look up a patient's disclosure request by its 6 + 4 digit code and sign it.
      </p>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BackofficeHome {
  protected readonly title = portalAreas.backoffice.title;
}
