import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { Observable } from 'rxjs';
import type { ConsoleCall } from '../core/contract';

export type { ConsoleCall };

const BASE = '/api/veilig-bellen/console';

/** The agent console API (server: src/modules/veilig-bellen/console.controller.ts). */
@Injectable({ providedIn: 'root' })
export class ConsoleApi {
  private readonly http = inject(HttpClient);

  calls(): Observable<ConsoleCall[]> {
    return this.http.get<ConsoleCall[]>(`${BASE}/calls`);
  }

  take(id: string): Observable<ConsoleCall> {
    return this.http.post<ConsoleCall>(`${BASE}/calls/${encodeURIComponent(id)}/take`, null);
  }

  end(id: string): Observable<void> {
    return this.http.post<void>(`${BASE}/calls/${encodeURIComponent(id)}/end`, null);
  }

  /** Server-sent "changed" nudges; the caller re-reads the list. The browser reconnects by itself. */
  changes(onChange: () => void): () => void {
    const source = new EventSource(`${BASE}/events`);
    source.addEventListener('changed', onChange);
    return () => source.close();
  }
}
