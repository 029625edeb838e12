import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { hasAnyRole } from '../core/areas';
import type { CreatedUserView, OrganisationView } from '../core/contract';
import { FormProblems } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { Session } from '../core/session';
import { AdminApi } from './admin-api';
import { assignableRoles, roleDescriptions, roleLabels } from './labels';
import { adminLinks } from './links';
import { TemporaryPassword } from './temporary-password';

function atLeastOneRole(group: AbstractControl): ValidationErrors | null {
  return Object.values(group.value as Record<string, boolean>).some(Boolean)
    ? null
    : { message: 'Choose at least one role.' };
}

@Component({
  selector: 'app-user-create',
  imports: [ReactiveFormsModule, RouterLink, ProblemAlert, TemporaryPassword],
  templateUrl: './user-create.html',
  styleUrl: './user-create.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserCreate {
  /** `?organisationId=`, bound by the router; only a platform admin creates users elsewhere. */
  readonly organisationId = input<string>();

  private readonly api = inject(AdminApi);
  private readonly session = inject(Session);
  private readonly fb = inject(NonNullableFormBuilder);

  protected readonly links = adminLinks;
  protected readonly roles = assignableRoles;
  protected readonly roleLabels = roleLabels;
  protected readonly roleDescriptions = roleDescriptions;

  protected readonly form = this.fb.group({
    email: ['', [Validators.required, Validators.email, Validators.maxLength(254)]],
    displayName: ['', [Validators.required, Validators.maxLength(200)]],
    roles: this.fb.group(
      { admin: [false], clinician: [false], agent: [false] },
      { validators: [atLeastOneRole] },
    ),
  });
  protected readonly errors = new FormProblems(this.form, {
    email: 'Email address',
    displayName: 'Display name',
    roles: 'Roles',
  });
  protected readonly busy = signal(false);
  protected readonly created = signal<CreatedUserView | null>(null);

  private readonly organisations = signal<OrganisationView[]>([]);
  protected readonly organisation = computed<OrganisationView | undefined>(() => {
    const id = this.organisationId();
    const own = this.session.user()?.organisation;
    return !id || id === own?.id ? own : this.organisations().find((organisation) => organisation.id === id);
  });

  constructor() {
    // Only to name the organisation a platform admin is adding a user to; others see their own.
    if (hasAnyRole(this.session.user(), ['platform-admin'])) {
      this.api
        .listOrganisations()
        .pipe(takeUntilDestroyed())
        .subscribe({
          next: (organisations) => this.organisations.set(organisations),
          error: () => undefined,
        });
    }
  }

  protected async submit(): Promise<void> {
    if (this.busy() || !this.errors.submit()) {
      return;
    }
    this.busy.set(true);
    const { email, displayName, roles } = this.form.getRawValue();
    const organisationId = this.organisationId();
    try {
      const created = await firstValueFrom(
        this.api.createUser({
          email: email.trim(),
          displayName: displayName.trim(),
          roles: assignableRoles.filter((role) => roles[role]),
          ...(organisationId ? { organisationId } : {}),
        }),
      );
      this.created.set(created);
    } catch (error) {
      this.errors.fail(error);
    } finally {
      this.busy.set(false);
    }
  }

  protected createAnother(): void {
    this.created.set(null);
    this.form.reset();
  }
}
