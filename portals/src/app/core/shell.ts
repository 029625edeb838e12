import { ChangeDetectionStrategy, Component, ElementRef, inject, signal, viewChild } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { Session } from './session';

/** Layout of every signed-in page: top bar (areas, who is signed in, sign out) and the main region. */
@Component({
  selector: 'app-shell',
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  protected readonly user = this.session.user;
  protected readonly areas = this.session.areas;
  protected readonly signingOut = signal(false);

  /** The skip link moves focus itself: a "#main" href would be taken over by the router. */
  protected skipToContent(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }

  protected async logout(): Promise<void> {
    this.signingOut.set(true);
    await this.session.logout();
    this.signingOut.set(false);
    await this.router.navigate(['/login'], { queryParams: { reason: 'signed-out' } });
  }
}
