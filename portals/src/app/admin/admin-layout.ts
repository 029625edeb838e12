import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { hasAnyRole } from '../core/areas';
import { Session } from '../core/session';
import { adminLinks } from './links';

@Component({
  selector: 'app-admin-layout',
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  template: `
    @if (isPlatformAdmin()) {
      <nav class="subnav" aria-label="Administration">
        <a
          [routerLink]="links.users"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-users"
          >Users</a
        >
        <a
          [routerLink]="links.organisations"
          routerLinkActive="active"
          ariaCurrentWhenActive="page"
          data-testid="nav-organisations"
        >
          Organisations
        </a>
      </nav>
    }
    <router-outlet />
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminLayout {
  private readonly session = inject(Session);
  protected readonly links = adminLinks;
  protected readonly isPlatformAdmin = computed(() => hasAnyRole(this.session.user(), ['platform-admin']));
}
