import { ChangeDetectionStrategy, Component, input } from '@angular/core';

import type { ProblemDetails } from './contract';

/** Shows a problem+json body: `title` as the heading, `detail` below, unplaced field errors listed. */
@Component({
  selector: 'app-problem-alert',
  template: `
    @if (problem(); as p) {
      <div class="alert alert-error" role="alert" data-testid="problem-alert">
        <p class="alert-title">{{ p.title }}</p>
        @if (p.detail && p.detail !== p.title) {
          <p data-testid="problem-detail">{{ p.detail }}</p>
        }
        @if (p.errors && p.errors.length > 0) {
          <ul>
            @for (error of p.errors; track $index) {
              <li>{{ error.field }}: {{ error.message }}</li>
            }
          </ul>
        }
      </div>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ProblemAlert {
  readonly problem = input<ProblemDetails | null>(null);
}
