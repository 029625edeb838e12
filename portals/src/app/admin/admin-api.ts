import { HttpClient, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { Observable } from 'rxjs';

import type {
  CreatedUserView,
  CreateOrganisationRequest,
  CreateUserRequest,
  OrganisationView,
  ResetPasswordView,
  UserView,
} from '../core/contract';

/** The admin part of the accounts API (`src/shared/api-contract.ts`). */
@Injectable({ providedIn: 'root' })
export class AdminApi {
  private readonly http = inject(HttpClient);

  /** Users of the admin's own organisation; a platform admin may name another one. */
  listUsers(organisationId?: string): Observable<UserView[]> {
    const params = organisationId ? new HttpParams().set('organisationId', organisationId) : undefined;
    return this.http.get<UserView[]>('/api/admin/users', { params });
  }

  createUser(request: CreateUserRequest): Observable<CreatedUserView> {
    return this.http.post<CreatedUserView>('/api/admin/users', request);
  }

  deleteUser(id: string): Observable<void> {
    return this.http.delete<void>(`/api/admin/users/${encodeURIComponent(id)}`);
  }

  resetPassword(id: string): Observable<ResetPasswordView> {
    return this.http.post<ResetPasswordView>(
      `/api/admin/users/${encodeURIComponent(id)}/reset-password`,
      null,
    );
  }

  listOrganisations(): Observable<OrganisationView[]> {
    return this.http.get<OrganisationView[]>('/api/admin/organisations');
  }

  createOrganisation(request: CreateOrganisationRequest): Observable<OrganisationView> {
    return this.http.post<OrganisationView>('/api/admin/organisations', request);
  }
}
