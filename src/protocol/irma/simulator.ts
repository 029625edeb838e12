/**
 * An in-process stand-in for irmago's `irma server`, faithful to its HTTP interface (irmago
 * `irma/server/requestorserver/server.go`, `irmaserver/api.go`): the requestor endpoints (`POST /session`,
 * `GET /session/{token}/status|statusevents|result`, `DELETE /session/{token}`) with token or HS256-JWT
 * requestor authentication, the frontend endpoints the Yivi web frontend uses
 * (`/irma/session/{clientToken}/frontend/status|statusevents|options`, cancel), server-sent events when run
 * like `irma server --sse`, and the result POSTed to a request's `callbackUrl` when the session finishes
 * (like `allow_unsigned_callbacks`). Instead of a Yivi app, a test or the demo tells it what to disclose
 * (`disclose`). Used by the e2e tests and the embedded demo only; production configuration refuses it. The
 * behaviours are summarised in docs/protocols/irma.md.
 */
import { jwtVerify } from 'jose';
import { randomBytes } from 'node:crypto';
import { ATTRIBUTE_ID } from './disclosure';
import type { FetchLike } from './requestor-client';
import type {
  DisclosedAttribute,
  DisclosureRequest,
  ExtendedDisclosureRequest,
  IrmaErrorBody,
  ProofStatus,
  SessionPackage,
  SessionResult,
  SessionStatus,
} from './types';
import { TERMINAL_STATUSES } from './types';

export interface SimRequest {
  method: string;
  /** Path (and query) below the simulator's base URL, starting with `/`. */
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
  /** Ends an event stream when the client goes away. */
  signal?: AbortSignal;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** A whole body, or the chunks of an event stream (written as they come; closing ends it). */
  body: string | AsyncIterable<string>;
}

interface SimSession {
  token: string;
  clientToken: string;
  frontendAuth: string;
  request: DisclosureRequest;
  status: SessionStatus;
  proofStatus?: ProofStatus;
  disclosed?: DisclosedAttribute[][];
  createdAt: number;
  endedAt?: number;
  timeoutMs: number;
  callbackUrl?: string;
  /** Open event streams of this session, told of every status change. */
  listeners: Set<() => void>;
}

export interface IrmaSimulatorOptions {
  /** Base URL the browser uses to reach this simulator (goes into `sessionPtr.u`). */
  publicUrl: string;
  requestor:
    | { kind: 'token'; token: string }
    | { kind: 'hmac'; requestor: string; key: Uint8Array }
    | { kind: 'none' };
  now?: () => number;
  /** Serve `statusevents` (irma server `--sse`); without it they answer 500 `SSE_DISABLED`. */
  sse?: boolean;
  /**
   * POST the session result to a request's `callbackUrl` when it finishes, unsigned (irma server
   * `allow_unsigned_callbacks`); without it a `callbackUrl` is refused, as irmago does without a JWT key.
   */
  postCallback?: (url: string, result: SessionResult) => Promise<void>;
}

/** irmago keeps results about five minutes after a session ends. */
const RESULT_LIFETIME_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_S = 5 * 60;

/** Demo values for `pbdf.gemeente.personalData.*` (BSN 999999990 passes the eleven-test and is a test number). */
export const DEMO_ATTRIBUTE_VALUES: Record<string, string> = {
  'pbdf.gemeente.personalData.bsn': '999999990',
  'pbdf.gemeente.personalData.firstnames': 'Jan Willem',
  'pbdf.gemeente.personalData.surname': 'de Vries-Jansen',
  'pbdf.gemeente.personalData.familyname': 'de Vries',
  'pbdf.gemeente.personalData.initials': 'J.W.',
  'pbdf.gemeente.personalData.dateofbirth': '01-02-1980',
};

export class IrmaServerSimulator {
  /** Requests served, by endpoint (`POST /session`, `GET status`, `GET statusevents`, …), to show load. */
  readonly requestCounts = new Map<string, number>();
  private readonly sessions = new Map<string, SimSession>();
  private readonly byClientToken = new Map<string, SimSession>();
  private readonly now: () => number;

  constructor(private readonly options: IrmaSimulatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A `fetch` for the requestor client that answers from this simulator (URLs under `baseUrl`). */
  fetchFor(baseUrl: string): FetchLike {
    const base = baseUrl.replace(/\/+$/, '');
    return async (url, init) => {
      if (!url.startsWith(base)) throw new TypeError(`simulator does not serve ${url}`);
      const closed = new AbortController();
      init.signal?.addEventListener('abort', () => closed.abort());
      const res = await this.handle({
        method: init.method,
        path: url.slice(base.length) || '/',
        headers: init.headers,
        body: init.body ?? '',
        signal: closed.signal,
      });
      const body = typeof res.body === 'string' ? res.body : toStream(res.body, closed);
      return new Response(res.status === 204 ? null : body, { status: res.status, headers: res.headers });
    };
  }

  /** Answers one HTTP request the way irmago would. */
  async handle(req: SimRequest): Promise<SimResponse> {
    this.sweep();
    const path = req.path.split('?')[0];
    const method = req.method.toUpperCase();
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const header = (name: string): string | undefined => lower[name.toLowerCase()];
    if (method === 'POST' && path === '/session') {
      this.count('POST /session');
      return this.startSession(req.body, header('Content-Type') ?? '', header('Authorization'));
    }
    let m = /^\/session\/([^/]+)(?:\/(status|result|statusevents|result-jwt))?$/.exec(path);
    if (m) {
      const session = this.sessions.get(decodeURIComponent(m[1]));
      if (!session) return error(400, 'SESSION_UNKNOWN', 'Unknown or expired session');
      this.count(`${method} ${m[2] ?? 'session'}`);
      if (method === 'DELETE' && !m[2]) return this.cancelSession(session);
      if (method !== 'GET') return error(405, 'INVALID_REQUEST', 'Method not allowed');
      if (m[2] === 'status') return json(200, session.status);
      if (m[2] === 'result') return json(200, this.resultOf(session));
      if (m[2] === 'statusevents')
        return this.statusEvents(session, req.signal, (s) => JSON.stringify(s.status));
      return error(400, 'UNSUPPORTED', 'Not supported by this server');
    }
    m =
      /^\/irma\/session\/([^/]+)(?:\/(frontend\/status|frontend\/statusevents|frontend\/options|status|statusevents))?$/.exec(
        path,
      );
    if (m) {
      const session = this.byClientToken.get(decodeURIComponent(m[1]));
      if (!session) return error(400, 'SESSION_UNKNOWN', 'Unknown or expired session');
      const sub = m[2];
      this.count(`${method} irma/${sub ?? 'session'}`);
      if (sub?.startsWith('frontend/') || (method === 'DELETE' && !sub)) {
        if (header('Authorization') !== session.frontendAuth)
          return error(403, 'UNAUTHORIZED', 'Frontend authorization missing or wrong');
      }
      if (method === 'DELETE' && !sub) return this.cancelSession(session);
      if (sub === 'frontend/status' && method === 'GET')
        return json(200, { status: session.status, nextSession: null });
      if (sub === 'status' && method === 'GET') return json(200, session.status);
      if (sub === 'frontend/statusevents' && method === 'GET')
        return this.statusEvents(session, req.signal, (s) =>
          JSON.stringify({ status: s.status, nextSession: null }),
        );
      if (sub === 'statusevents' && method === 'GET')
        return this.statusEvents(session, req.signal, (s) => JSON.stringify(s.status));
      if (sub === 'frontend/options' && method === 'POST')
        return json(200, { '@context': 'https://irma.app/ld/options/v1', pairingMethod: 'none' });
      return error(400, 'UNSUPPORTED', 'Not supported by this server');
    }
    return error(404, 'INVALID_REQUEST', 'Unknown endpoint');
  }

  /** What a Yivi app would do after scanning: disclose `values` (attribute id → raw value). */
  disclose(
    clientTokenOrToken: string,
    values: Record<string, string> = DEMO_ATTRIBUTE_VALUES,
    proofStatus: ProofStatus = 'VALID',
  ): void {
    const session = this.find(clientTokenOrToken);
    const requested = session.request.disclose.map((item) => item[0] ?? []);
    session.disclosed = requested.map((option) =>
      option.map((a): DisclosedAttribute => {
        const id = typeof a === 'string' ? a : a.type;
        const value = values[id] ?? null;
        return {
          id,
          rawvalue: value,
          value: value === null ? undefined : { '': value, en: value, nl: value },
          status: value === null ? 'NULL' : 'PRESENT',
          issuancetime: Math.floor(this.now() / 1000),
        };
      }),
    );
    session.proofStatus = proofStatus;
    this.setStatus(session, 'DONE');
  }

  /** The app has scanned the QR but not yet disclosed. */
  connect(clientTokenOrToken: string): void {
    const session = this.find(clientTokenOrToken);
    if (!TERMINAL_STATUSES.includes(session.status)) this.setStatus(session, 'CONNECTED');
  }

  /** Requested attribute ids of a session (what the app would show the citizen). */
  requestedAttributes(clientTokenOrToken: string): string[] {
    return this.find(clientTokenOrToken).request.disclose.flatMap((item) =>
      (item[0] ?? []).map((a) => (typeof a === 'string' ? a : a.type)),
    );
  }

  returnUrlOf(clientTokenOrToken: string): string | undefined {
    return this.find(clientTokenOrToken).request.clientReturnUrl;
  }

  /** Client tokens of sessions still waiting for an app (the demo page lists them). */
  pending(): string[] {
    this.sweep();
    return [...this.sessions.values()]
      .filter((s) => !TERMINAL_STATUSES.includes(s.status))
      .map((s) => s.clientToken);
  }

  private find(clientTokenOrToken: string): SimSession {
    const session = this.byClientToken.get(clientTokenOrToken) ?? this.sessions.get(clientTokenOrToken);
    if (!session) throw new Error('unknown simulator session');
    return session;
  }

  private async startSession(
    body: string,
    contentType: string,
    authorization?: string,
  ): Promise<SimResponse> {
    let parsed: unknown;
    const auth = this.options.requestor;
    if (auth.kind === 'hmac') {
      if (!contentType.startsWith('text/plain')) return error(401, 'UNAUTHORIZED', 'Expected a signed JWT');
      try {
        const { payload } = await jwtVerify(body.trim(), auth.key, {
          algorithms: ['HS256'],
          issuer: auth.requestor,
          subject: 'verification_request',
        });
        parsed = payload.sprequest;
      } catch {
        return error(401, 'UNAUTHORIZED', 'Invalid requestor JWT');
      }
    } else {
      if (auth.kind === 'token' && authorization !== auth.token)
        return error(403, 'UNAUTHORIZED', 'Unauthorized requestor');
      if (!contentType.startsWith('application/json'))
        return error(400, 'MALFORMED_SESSION_REQUEST', 'Expected JSON');
      try {
        parsed = JSON.parse(body);
      } catch {
        return error(400, 'MALFORMED_SESSION_REQUEST', 'Malformed JSON');
      }
    }
    const extended = (
      parsed && typeof parsed === 'object' && 'request' in parsed ? parsed : { request: parsed }
    ) as ExtendedDisclosureRequest;
    const request = extended.request;
    if (!validDisclosure(request))
      return error(400, 'MALFORMED_SESSION_REQUEST', 'Not a valid disclosure request');
    // irmago refuses a callbackUrl unless it signs results (JWT key) or allows unsigned callbacks.
    if (extended.callbackUrl && !this.options.postCallback)
      return error(
        501,
        'UNSUPPORTED',
        'callbackUrl provided but no JWT private key is installed: either install JWT or enable allow_unsigned_callbacks in configuration',
      );
    const session: SimSession = {
      token: randomBytes(15).toString('base64url').slice(0, 20),
      clientToken: randomBytes(15).toString('base64url').slice(0, 20),
      frontendAuth: randomBytes(24).toString('base64url'),
      request,
      status: 'INITIALIZED',
      createdAt: this.now(),
      callbackUrl: extended.callbackUrl,
      listeners: new Set(),
      timeoutMs:
        (typeof extended.timeout === 'number' && extended.timeout > 0
          ? extended.timeout
          : DEFAULT_TIMEOUT_S) * 1000,
    };
    this.sessions.set(session.token, session);
    this.byClientToken.set(session.clientToken, session);
    const pkg: SessionPackage = {
      token: session.token,
      sessionPtr: {
        u: `${this.options.publicUrl.replace(/\/+$/, '')}/irma/session/${session.clientToken}`,
        irmaqr: 'disclosing',
      },
      frontendRequest: {
        authorization: session.frontendAuth,
        minProtocolVersion: '1.0',
        maxProtocolVersion: '1.1',
        pairingHint: false,
      },
    };
    return json(200, pkg);
  }

  private cancelSession(session: SimSession): SimResponse {
    if (!TERMINAL_STATUSES.includes(session.status)) this.setStatus(session, 'CANCELLED');
    return { status: 204, headers: {}, body: '' };
  }

  /**
   * irmago `setStatus`: a new status goes to every event stream of the session; a finished session
   * POSTs its result to the request's `callbackUrl` (`doResultCallback`; failures are only logged there).
   */
  private setStatus(session: SimSession, status: SessionStatus): void {
    session.status = status;
    if (TERMINAL_STATUSES.includes(status)) {
      session.endedAt = this.now();
      if (session.callbackUrl)
        void this.options.postCallback?.(session.callbackUrl, this.resultOf(session)).catch(() => undefined);
    }
    for (const listener of session.listeners) listener();
  }

  /**
   * irmago `subscribeServerSentEvents`: 500 `SSE_DISABLED` without `--sse`, 403 `UNEXPECTED_REQUEST`
   * for a finished session; else an event stream with an `open` event and then every status change
   * (`format` renders it for the requestor or the frontend channel), closed after a terminal status.
   */
  private statusEvents(
    session: SimSession,
    signal: AbortSignal | undefined,
    format: (s: SimSession) => string,
  ): SimResponse {
    if (!this.options.sse) return error(500, 'SSE_DISABLED', 'Server sent events disabled');
    if (TERMINAL_STATUSES.includes(session.status))
      return error(403, 'UNEXPECTED_REQUEST', "Can't subscribe to server sent events of finished session");
    const sweepAtTimeout = () => this.sweep();
    const msToTimeout = Math.max(0, session.createdAt + session.timeoutMs - this.now());
    async function* stream(): AsyncGenerator<string> {
      const queue = ['event: open\ndata: \n\n'];
      let wake: (() => void) | undefined;
      const listener = () => {
        queue.push(`data: ${format(session)}\n\n`);
        wake?.();
      };
      session.listeners.add(listener);
      const close = () => wake?.();
      signal?.addEventListener('abort', close);
      // irmago sends TIMEOUT from a timer; without a request coming in, the sweep must run on its own.
      const timer = setTimeout(sweepAtTimeout, msToTimeout + 50);
      timer.unref?.();
      try {
        for (;;) {
          while (queue.length) yield queue.shift()!;
          if (TERMINAL_STATUSES.includes(session.status) || signal?.aborted) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        session.listeners.delete(listener);
        signal?.removeEventListener('abort', close);
        clearTimeout(timer);
      }
    }
    return {
      status: 200,
      headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' },
      body: stream(),
    };
  }

  private count(endpoint: string): void {
    this.requestCounts.set(endpoint, (this.requestCounts.get(endpoint) ?? 0) + 1);
  }

  private resultOf(session: SimSession): SessionResult {
    return {
      token: session.token,
      status: session.status,
      type: 'disclosing',
      ...(session.proofStatus ? { proofStatus: session.proofStatus } : {}),
      ...(session.disclosed ? { disclosed: session.disclosed } : {}),
    };
  }

  private sweep(): void {
    const now = this.now();
    for (const s of this.sessions.values()) {
      if (!TERMINAL_STATUSES.includes(s.status) && now - s.createdAt > s.timeoutMs)
        this.setStatus(s, 'TIMEOUT');
      if (s.endedAt !== undefined && now - s.endedAt > RESULT_LIFETIME_MS) {
        this.sessions.delete(s.token);
        this.byClientToken.delete(s.clientToken);
      }
    }
  }
}

function validDisclosure(r: unknown): r is DisclosureRequest {
  const req = r as DisclosureRequest | undefined;
  if (
    !req ||
    req['@context'] !== 'https://irma.app/ld/request/disclosure/v2' ||
    !Array.isArray(req.disclose) ||
    !req.disclose.length
  )
    return false;
  return req.disclose.every(
    (item) =>
      Array.isArray(item) &&
      item.every(
        (option) =>
          Array.isArray(option) &&
          option.every((a) =>
            ATTRIBUTE_ID.test(typeof a === 'string' ? a : ((a as { type: string })?.type ?? '')),
          ),
      ),
  );
}

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

function toStream(chunks: AsyncIterable<string>, closed: AbortController): ReadableStream<Uint8Array> {
  const iterator: AsyncIterator<string, unknown> = chunks[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    cancel() {
      closed.abort();
    },
  });
}

function error(status: number, name: string, description: string): SimResponse {
  const body: IrmaErrorBody = { status, error: name, description };
  return json(status, body);
}
