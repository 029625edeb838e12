import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';

import { safeReturnUrl } from '../core/guards';
import { FormProblems } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { Session } from '../core/session';

const notices: Record<string, string> = {
  expired: 'Your session has ended. Please sign in again.',
  'signed-out': 'You are signed out.',
};

@Component({
  selector: 'app-login',
  imports: [ReactiveFormsModule, ProblemAlert],
  templateUrl: './login.html',
  styleUrl: './auth-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Login {
  /** Query parameters, bound by the router. */
  readonly returnUrl = input<string>();
  readonly reason = input<string>();

  private readonly session = inject(Session);
  private readonly router = inject(Router);

  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', [Validators.required]],
  });
  protected readonly errors = new FormProblems(this.form, { email: 'Email address', password: 'Password' });
  protected readonly busy = signal(false);
  protected readonly notice = computed(() => notices[this.reason() ?? ''] ?? null);

  protected async submit(): Promise<void> {
    if (this.busy() || !this.errors.submit()) {
      return;
    }
    this.busy.set(true);
    try {
      const user = await this.session.login(this.form.getRawValue());
      const returnUrl = safeReturnUrl(this.returnUrl());
      if (user.mustChangePassword) {
        await this.router.navigate(['/change-password'], {
          queryParams: returnUrl === '/' ? {} : { returnUrl },
        });
      } else {
        await this.router.navigateByUrl(returnUrl);
      }
    } catch (error) {
      this.form.controls.password.reset();
      this.errors.fail(error);
    } finally {
      this.busy.set(false);
    }
  }
}
