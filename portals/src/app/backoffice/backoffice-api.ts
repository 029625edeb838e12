import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { Observable } from 'rxjs';

import type { BackofficeDisclosureSettings, DisclosureRequestView, SubmittedApproval } from './protocol';

const BASE = '/api/backoffice/disclosure';

/** The GP backoffice API (server: src/modules/disclosure/backoffice.controller.ts). */
@Injectable({ providedIn: 'root' })
export class BackofficeApi {
  private readonly http = inject(HttpClient);

  settings(): Observable<BackofficeDisclosureSettings> {
    return this.http.get<BackofficeDisclosureSettings>(`${BASE}/settings`);
  }

  /** Only the 6-digit reference is sent; the 4 secret digits stay in this browser. */
  lookup(reference: string): Observable<DisclosureRequestView> {
    return this.http.post<DisclosureRequestView>(`${BASE}/lookup`, { reference });
  }

  submit(id: string, cmsBase64: string): Observable<SubmittedApproval> {
    return this.http.post<SubmittedApproval>(`${BASE}/requests/${encodeURIComponent(id)}/approval`, {
      cms: cmsBase64,
    });
  }
}
