import { SignJWT } from 'jose';
import type {
  ExtendedDisclosureRequest,
  IrmaErrorBody,
  SessionPackage,
  SessionResult,
  SessionStatus,
} from './types';
import { SESSION_STATUSES, TERMINAL_STATUSES } from './types';

/** `fetch` as the client uses it; tests and the embedded demo hand in the simulator's. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

export type RequestorAuth =
  | { kind: 'token'; token: string }
  /** HS256 JWT signed with the requestor's shared key; `requestor` is the name the server knows. */
  | { kind: 'hmac'; requestor: string; key: Uint8Array }
  | { kind: 'none' };

export class IrmaError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** irmago error name, e.g. `SESSION_UNKNOWN`, `UNAUTHORIZED`. */
    readonly error?: string,
  ) {
    super(message);
    this.name = 'IrmaError';
  }
}

/**
 * Client for the irmago requestor API (`POST /session`, `GET /session/{token}/status|result`,
 * `DELETE /session/{token}`). The session token it gets back stays on the backend. Spec:
 * docs/protocols/irma.md §I1–§I8 (irma.app/docs/api-irma-server).
 */
export class IrmaRequestorClient {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly auth: RequestorAuth,
    private readonly fetchFn: FetchLike = (url, init) => fetch(url, init),
    private readonly timeoutMs = 10_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** Starts a session; with token auth as JSON, with HMAC auth as a JWT (`text/plain`, `sub: verification_request`). */
  async startSession(request: ExtendedDisclosureRequest): Promise<SessionPackage> {
    let body: string;
    const headers: Record<string, string> = {};
    if (this.auth.kind === 'hmac') {
      body = await new SignJWT({ sprequest: request })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.auth.requestor })
        .setIssuer(this.auth.requestor)
        .setSubject('verification_request')
        .setIssuedAt()
        .sign(this.auth.key);
      headers['Content-Type'] = 'text/plain';
    } else {
      body = JSON.stringify(request);
      headers['Content-Type'] = 'application/json';
      // irmago expects the raw key, without a `Bearer` prefix.
      if (this.auth.kind === 'token') headers.Authorization = this.auth.token;
    }
    const pkg = (await this.call('POST', '/session', headers, body)) as SessionPackage;
    if (
      typeof pkg?.token !== 'string' ||
      typeof pkg.sessionPtr?.u !== 'string' ||
      typeof pkg.frontendRequest?.authorization !== 'string'
    ) {
      throw new IrmaError('unexpected POST /session answer', 502);
    }
    return pkg;
  }

  /** The session's status; irmago answers a JSON string. */
  async status(token: string): Promise<SessionStatus> {
    const status = await this.call('GET', `/session/${encodeURIComponent(token)}/status`);
    if (typeof status !== 'string' || !(SESSION_STATUSES as readonly string[]).includes(status))
      throw new IrmaError('unexpected status answer', 502);
    return status as SessionStatus;
  }

  async result(token: string): Promise<SessionResult> {
    const result = (await this.call('GET', `/session/${encodeURIComponent(token)}/result`)) as SessionResult;
    if (typeof result?.status !== 'string') throw new IrmaError('unexpected result answer', 502);
    return result;
  }

  /**
   * Follows a session as server-sent events (`GET /session/{token}/statusevents`, an irma server run
   * with `--sse`): yields each new status, ending after a terminal one or when the server closes the
   * stream. Throws `IrmaError` when the server cannot stream (`SSE_DISABLED` without `--sse`, or a
   * session that has already finished). Stop early with `signal`.
   */
  async *statusEvents(token: string, signal?: AbortSignal): AsyncGenerator<SessionStatus> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}/session/${encodeURIComponent(token)}/statusevents`, {
        method: 'GET',
        headers: { Accept: 'text/event-stream', 'Cache-Control': 'no-cache' },
        signal,
      });
    } catch (err) {
      throw new IrmaError(`IRMA server unreachable: ${(err as Error).message}`, 0);
    }
    if (!res.ok) {
      const e = (await res.json().catch(() => undefined)) as Partial<IrmaErrorBody> | undefined;
      throw new IrmaError(
        `IRMA server answered ${res.status}${e?.error ? ` ${e.error}` : ''}`,
        res.status,
        e?.error,
      );
    }
    if (!res.body || !/^text\/event-stream/.test(res.headers.get('content-type') ?? ''))
      throw new IrmaError('IRMA server sent no event stream', 502);
    try {
      for await (const event of readEventStream(res.body)) {
        // irmago sends an `open` event first, then each status as a JSON string.
        if (event.event !== 'message') continue;
        let status: unknown;
        try {
          status = JSON.parse(event.data);
        } catch {
          continue;
        }
        if (typeof status !== 'string' || !(SESSION_STATUSES as readonly string[]).includes(status)) continue;
        yield status as SessionStatus;
        if (TERMINAL_STATUSES.includes(status as SessionStatus)) return;
      }
    } catch (err) {
      if (err instanceof IrmaError) throw err;
      throw new IrmaError(`IRMA event stream broke: ${(err as Error).message}`, 0);
    }
  }

  /** Cancels a session that is no longer wanted (best effort: an ended session answers an error). */
  async cancel(token: string): Promise<void> {
    await this.call('DELETE', `/session/${encodeURIComponent(token)}`).catch(() => undefined);
  }

  private async call(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<unknown> {
    let res: Response;
    try {
      res = await this.fetchFn(this.base + path, {
        method,
        headers: { Accept: 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new IrmaError(`IRMA server unreachable: ${(err as Error).message}`, 0);
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // handled below
    }
    if (!res.ok) {
      const e = json as Partial<IrmaErrorBody> | undefined;
      throw new IrmaError(
        `IRMA server answered ${res.status}${e?.error ? ` ${e.error}` : ''}`,
        res.status,
        e?.error,
      );
    }
    if (json === undefined && method !== 'DELETE') throw new IrmaError('IRMA server sent no JSON', 502);
    return json;
  }
}

/**
 * Splits a `text/event-stream` body into events (WHATWG HTML §9.2 "server-sent events": fields
 * `event` and `data`, lines ending in LF, CRLF or CR, a blank line ends an event, `:` lines are
 * comments). Only what a status stream needs: no `id`/`retry` handling.
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let afterCR = false;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    let text = decoder.decode(chunk, { stream: true });
    // A CRLF split across chunks is one line end, not two.
    if (afterCR && text.startsWith('\n')) text = text.slice(1);
    afterCR = text.endsWith('\r');
    buffer += text;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length) yield { event: event || 'message', data: data.join('\n') };
        else if (event) yield { event, data: '' };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}
