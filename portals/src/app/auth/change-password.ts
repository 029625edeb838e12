import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { Router, RouterLink } from '@angular/router';

import { passwordPolicy } from '../core/contract';
import { safeReturnUrl } from '../core/guards';
import { FormProblems } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { Session } from '../core/session';

/** Group rule: the repeat matches, and the new password is not the current one. */
function newPasswordRules(group: AbstractControl): ValidationErrors | null {
  const { currentPassword, newPassword, newPasswordRepeat } = group.value as Record<string, string>;
  const errors: ValidationErrors = {};
  if (newPasswordRepeat && newPassword !== newPasswordRepeat) {
    errors['mismatch'] = true;
  }
  if (newPassword && newPassword === currentPassword) {
    errors['unchanged'] = true;
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

@Component({
  selector: 'app-change-password',
  imports: [ReactiveFormsModule, ProblemAlert, RouterLink],
  templateUrl: './change-password.html',
  styleUrl: './auth-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChangePassword {
  readonly returnUrl = input<string>();

  private readonly session = inject(Session);
  private readonly router = inject(Router);

  protected readonly policy = passwordPolicy;
  protected readonly email = computed(() => this.session.user()?.email ?? '');
  protected readonly forced = computed(() => this.session.user()?.mustChangePassword ?? false);
  protected readonly form = inject(NonNullableFormBuilder).group(
    {
      currentPassword: ['', [Validators.required]],
      newPassword: [
        '',
        [
          Validators.required,
          Validators.minLength(passwordPolicy.minLength),
          Validators.maxLength(passwordPolicy.maxLength),
        ],
      ],
      newPasswordRepeat: ['', [Validators.required]],
    },
    { validators: [newPasswordRules] },
  );
  protected readonly errors = new FormProblems(this.form, {
    currentPassword: 'Current password',
    newPassword: 'New password',
    newPasswordRepeat: 'Repeat new password',
  });
  protected readonly busy = signal(false);

  protected newPasswordMessage(): string | null {
    const unchanged = this.form.hasError('unchanged') && this.shown('newPassword');
    return (
      this.errors.message('newPassword') ??
      (unchanged ? 'Choose a password different from the current one.' : null)
    );
  }

  protected repeatMessage(): string | null {
    const mismatch = this.form.hasError('mismatch') && this.shown('newPasswordRepeat');
    return (
      this.errors.message('newPasswordRepeat') ??
      (mismatch ? 'The two new passwords are not the same.' : null)
    );
  }

  protected describedBy(id: string, hasError: boolean, hint = false): string | null {
    const ids = [hint ? `${id}-hint` : '', hasError ? `${id}-error` : ''].filter(Boolean);
    return ids.length > 0 ? ids.join(' ') : null;
  }

  protected async submit(): Promise<void> {
    if (this.busy() || !this.errors.submit()) {
      return;
    }
    this.busy.set(true);
    const { currentPassword, newPassword } = this.form.getRawValue();
    try {
      await this.session.changePassword({ currentPassword, newPassword });
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (error) {
      // A 401 here is either a wrong current password or an expired session; ask which.
      if (error instanceof HttpErrorResponse && error.status === 401 && !(await this.session.refresh())) {
        await this.router.navigate(['/login'], { queryParams: { reason: 'expired' } });
        return;
      }
      this.errors.fail(error);
    } finally {
      this.busy.set(false);
    }
  }

  protected async logout(): Promise<void> {
    await this.session.logout();
    await this.router.navigate(['/login'], { queryParams: { reason: 'signed-out' } });
  }

  private shown(field: string): boolean {
    return this.errors.wasSubmitted() || !!this.form.get(field)?.touched;
  }
}
