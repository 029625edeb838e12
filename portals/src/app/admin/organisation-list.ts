import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import {
  organisationKinds,
  type CreateOrganisationRequest,
  type OrganisationView,
  type ProblemDetails,
} from '../core/contract';
import { FormProblems, toProblem } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { AdminApi } from './admin-api';
import { organisationKindLabels } from './labels';
import { adminLinks } from './links';

type CreatableKind = CreateOrganisationRequest['kind'];
const creatableKinds = organisationKinds.filter((kind): kind is CreatableKind => kind !== 'platform');

/** Platform admins only (the route's guard): list organisations and add one. */
@Component({
  selector: 'app-organisation-list',
  imports: [ReactiveFormsModule, RouterLink, ProblemAlert],
  templateUrl: './organisation-list.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class OrganisationList {
  private readonly api = inject(AdminApi);

  protected readonly links = adminLinks;
  protected readonly kinds = creatableKinds;
  protected readonly kindLabels = organisationKindLabels;
  protected readonly organisations = signal<OrganisationView[] | null>(null);
  protected readonly loadProblem = signal<ProblemDetails | null>(null);
  protected readonly status = signal('');
  protected readonly busy = signal(false);

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(200)]],
    kind: this.kinds[0] as CreatableKind,
  });
  protected readonly errors = new FormProblems(this.form, { name: 'Name', kind: 'Kind' });

  constructor() {
    this.api
      .listOrganisations()
      .pipe(takeUntilDestroyed())
      .subscribe({
        next: (organisations) => this.organisations.set(organisations),
        error: (error: unknown) => this.loadProblem.set(toProblem(error)),
      });
  }

  protected async submit(): Promise<void> {
    if (this.busy() || !this.errors.submit()) {
      return;
    }
    this.busy.set(true);
    this.status.set('');
    const { name, kind } = this.form.getRawValue();
    try {
      const created = await firstValueFrom(this.api.createOrganisation({ name: name.trim(), kind }));
      this.organisations.update((list) => [...(list ?? []), created]);
      this.status.set(`${created.name} was added.`);
      this.form.reset();
    } catch (error) {
      this.errors.fail(error);
    } finally {
      this.busy.set(false);
    }
  }
}
