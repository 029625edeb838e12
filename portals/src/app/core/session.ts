import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { computed, inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';

import { areasFor } from './areas';
import type { ChangePasswordRequest, LoginRequest, SessionUser } from './contract';
import { handlesOwn401 } from './http-context';

/** The signed-in user as the server sees it. The session cookie itself is httpOnly and never read here. */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly http = inject(HttpClient);
  /** `undefined` until the first `/api/auth/me` answer; `null` when signed out. */
  private readonly current = signal<SessionUser | null | undefined>(undefined);
  private pending: Promise<SessionUser | null> | null = null;

  readonly user = computed(() => this.current() ?? null);
  readonly areas = computed(() => areasFor(this.current()));

  /** The current user, asking the server once per page load (or after a network failure). */
  ensureLoaded(): Promise<SessionUser | null> {
    const known = this.current();
    if (known !== undefined) {
      return Promise.resolve(known);
    }
    this.pending ??= firstValueFrom(this.http.get<SessionUser>('/api/auth/me', { context: handlesOwn401() }))
      .then(
        (user) => {
          this.current.set(user);
          return user;
        },
        (error: unknown) => {
          // 401 means signed out. Anything else (server down) is treated as signed out for this
          // navigation but not remembered, so the next navigation asks again.
          if (error instanceof HttpErrorResponse && error.status === 401) {
            this.current.set(null);
          }
          return null;
        },
      )
      .finally(() => (this.pending = null));
    return this.pending;
  }

  async login(request: LoginRequest): Promise<SessionUser> {
    const user = await firstValueFrom(
      this.http.post<SessionUser>('/api/auth/login', request, { context: handlesOwn401() }),
    );
    this.current.set(user);
    return user;
  }

  async changePassword(request: ChangePasswordRequest): Promise<void> {
    await firstValueFrom(
      this.http.post<void>('/api/auth/change-password', request, { context: handlesOwn401() }),
    );
    const user = this.current();
    if (user) {
      this.current.set({ ...user, mustChangePassword: false });
    }
  }

  /** Ends the session on the server; locally we are signed out whatever the server answered. */
  async logout(): Promise<void> {
    try {
      await firstValueFrom(this.http.post<void>('/api/auth/logout', null, { context: handlesOwn401() }));
    } catch {
      // An expired session or a network error still leaves this tab signed out.
    } finally {
      this.current.set(null);
    }
  }

  /** Called when the server says the session is gone (401 on an ordinary request). */
  markSignedOut(): void {
    this.current.set(null);
  }

  /** Asks the server again, e.g. to tell a wrong current password from an expired session. */
  async refresh(): Promise<SessionUser | null> {
    this.current.set(undefined);
    return this.ensureLoaded();
  }
}
