import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';

import type { ProblemDetails } from '../core/contract';
import { portalAreas } from '../core/contract';
import { toProblem } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { ConsoleApi, type ConsoleCall } from './console-api';

/** Safety net next to the server-sent events (a proxy that buffers them, a missed nudge). */
const POLL_MS = 5000;

const STATE_LABELS: Record<ConsoleCall['state'], string> = {
  waiting: 'Waiting in the queue',
  taken: 'Being connected',
  ringing: 'Ringing the agent',
  connected: 'Connected',
};

/** Incoming verified calls of the agent's municipality, live, with "take this call". */
@Component({
  selector: 'app-console-home',
  imports: [DatePipe, ProblemAlert],
  templateUrl: './console-home.html',
  styleUrl: './console-home.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConsoleHome {
  private readonly api = inject(ConsoleApi);

  protected readonly title = portalAreas.console.title;
  protected readonly stateLabels = STATE_LABELS;
  protected readonly calls = signal<ConsoleCall[] | null>(null);
  protected readonly problem = signal<ProblemDetails | null>(null);
  protected readonly busyId = signal<string | null>(null);
  protected readonly status = signal('');

  constructor() {
    this.refresh();
    const stop = this.api.changes(() => this.refresh());
    const timer = setInterval(() => this.refresh(), POLL_MS);
    inject(DestroyRef).onDestroy(() => {
      stop();
      clearInterval(timer);
    });
  }

  protected take(call: ConsoleCall): void {
    this.busyId.set(call.id);
    this.problem.set(null);
    this.status.set('');
    this.api.take(call.id).subscribe({
      next: () => {
        this.busyId.set(null);
        this.status.set('The call is being put through to your phone.');
        this.refresh();
      },
      error: (error: unknown) => {
        this.busyId.set(null);
        this.problem.set(toProblem(error));
        this.refresh();
      },
    });
  }

  protected end(call: ConsoleCall): void {
    this.busyId.set(call.id);
    this.api.end(call.id).subscribe({
      next: () => {
        this.busyId.set(null);
        this.status.set('The call was closed and its data deleted.');
        this.refresh();
      },
      error: (error: unknown) => {
        this.busyId.set(null);
        this.problem.set(toProblem(error));
      },
    });
  }

  private refresh(): void {
    this.api.calls().subscribe({
      next: (calls) => this.calls.set(calls),
      error: (error: unknown) => this.problem.set(toProblem(error)),
    });
  }
}
