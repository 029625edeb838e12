import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';

import { Session } from './session';

/** Start page for users with several areas (a user with one area is sent straight there). */
@Component({
  selector: 'app-home',
  imports: [RouterLink],
  templateUrl: './home.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Home {
  private readonly session = inject(Session);
  protected readonly user = this.session.user;
  protected readonly areas = this.session.areas;
}
