import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { Router, RouterLink } from '@angular/router';
import { catchError, combineLatest, EMPTY, startWith, Subject, switchMap } from 'rxjs';

import { hasAnyRole } from '../core/areas';
import { ConfirmDialog } from '../core/confirm-dialog';
import type { OrganisationView, ProblemDetails, UserView } from '../core/contract';
import { toProblem } from '../core/problem';
import { ProblemAlert } from '../core/problem-alert';
import { Session } from '../core/session';
import { AdminApi } from './admin-api';
import { roleLabels } from './labels';
import { adminLinks } from './links';
import { TemporaryPassword } from './temporary-password';

interface IssuedPassword {
  email: string;
  password: string;
}

@Component({
  selector: 'app-user-list',
  imports: [DatePipe, RouterLink, ConfirmDialog, ProblemAlert, TemporaryPassword],
  templateUrl: './user-list.html',
  styleUrl: './user-list.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserList {
  /** `?organisationId=`, bound by the router; only a platform admin uses it. */
  readonly organisationId = input<string>();

  private readonly api = inject(AdminApi);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly reload$ = new Subject<void>();

  protected readonly links = adminLinks;
  protected readonly roleLabels = roleLabels;
  protected readonly me = this.session.user;
  protected readonly isPlatformAdmin = computed(() => hasAnyRole(this.me(), ['platform-admin']));
  protected readonly organisations = signal<OrganisationView[]>([]);
  protected readonly organisation = computed<OrganisationView | undefined>(() => {
    const id = this.organisationId();
    const own = this.me()?.organisation;
    return !id || id === own?.id ? own : this.organisations().find((organisation) => organisation.id === id);
  });

  protected readonly users = signal<UserView[] | null>(null);
  protected readonly loading = signal(true);
  protected readonly loadProblem = signal<ProblemDetails | null>(null);
  protected readonly actionProblem = signal<ProblemDetails | null>(null);
  protected readonly status = signal('');
  protected readonly busyUserId = signal<string | null>(null);
  protected readonly pendingDelete = signal<UserView | null>(null);
  protected readonly pendingReset = signal<UserView | null>(null);
  protected readonly issued = signal<IssuedPassword | null>(null);

  constructor() {
    combineLatest([toObservable(this.organisationId), this.reload$.pipe(startWith(undefined))])
      .pipe(
        switchMap(([organisationId]) => {
          this.loading.set(true);
          this.loadProblem.set(null);
          return this.api.listUsers(organisationId).pipe(
            catchError((error: unknown) => {
              this.users.set(null);
              this.loadProblem.set(toProblem(error));
              this.loading.set(false);
              return EMPTY;
            }),
          );
        }),
        takeUntilDestroyed(),
      )
      .subscribe((users) => {
        this.users.set(users);
        this.loading.set(false);
      });

    if (this.isPlatformAdmin()) {
      this.api
        .listOrganisations()
        .pipe(takeUntilDestroyed())
        .subscribe({
          next: (organisations) => this.organisations.set(organisations),
          error: (error: unknown) => this.actionProblem.set(toProblem(error)),
        });
    }
  }

  protected isSelf(user: UserView): boolean {
    return user.id === this.me()?.id;
  }

  protected dismissIssued(): void {
    this.issued.set(null);
  }

  protected selectOrganisation(id: string): void {
    const own = id === this.me()?.organisation.id;
    this.issued.set(null);
    void this.router.navigate([], {
      queryParams: { organisationId: own ? null : id },
      queryParamsHandling: 'merge',
    });
  }

  protected confirmDelete(confirmed: boolean): void {
    const user = this.pendingDelete();
    this.pendingDelete.set(null);
    if (!confirmed || !user) {
      return;
    }
    this.startAction(user);
    this.api.deleteUser(user.id).subscribe({
      next: () => {
        this.busyUserId.set(null);
        this.users.update((users) => users?.filter((candidate) => candidate.id !== user.id) ?? null);
        this.status.set(`${user.email} was deleted.`);
      },
      error: (error: unknown) => this.actionFailed(error),
    });
  }

  protected confirmReset(confirmed: boolean): void {
    const user = this.pendingReset();
    this.pendingReset.set(null);
    if (!confirmed || !user) {
      return;
    }
    this.startAction(user);
    this.api.resetPassword(user.id).subscribe({
      next: ({ temporaryPassword }) => {
        this.busyUserId.set(null);
        this.issued.set({ email: user.email, password: temporaryPassword });
        this.reload$.next();
      },
      error: (error: unknown) => this.actionFailed(error),
    });
  }

  private startAction(user: UserView): void {
    this.busyUserId.set(user.id);
    this.actionProblem.set(null);
    this.issued.set(null);
    this.status.set('');
  }

  private actionFailed(error: unknown): void {
    this.busyUserId.set(null);
    this.actionProblem.set(toProblem(error));
  }
}
