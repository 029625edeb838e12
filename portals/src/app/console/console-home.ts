import { ChangeDetectionStrategy, Component } from '@angular/core';

import { portalAreas } from '../core/contract';

/** Placeholder until the agent console screens arrive. */
@Component({
  selector: 'app-console-home',
  template: `
    <section class="page narrow" data-testid="console-home">
      <h1>{{ title }}</h1>
      <p class="notice">Coming soon: verified incoming calls will appear here, live.</p>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConsoleHome {
  protected readonly title = portalAreas.console.title;
}
