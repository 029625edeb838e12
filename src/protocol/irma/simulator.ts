/**
 * An in-process stand-in for irmago's `irma server`, faithful to its HTTP interface: the requestor
 * endpoints (`POST /session`, `GET /session/{token}/status|result`, `DELETE /session/{token}`) with
 * token or HS256-JWT requestor authentication, and the frontend endpoints the Yivi web frontend polls
 * (`/irma/session/{clientToken}/frontend/status|options`, cancel). Instead of a Yivi app, a test or
 * the demo tells it what to disclose (`disclose`). Used by the e2e tests and the embedded demo only;
 * production configuration refuses it.
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
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
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
}

export interface IrmaSimulatorOptions {
  /** Base URL the browser uses to reach this simulator (goes into `sessionPtr.u`). */
  publicUrl: string;
  requestor:
    | { kind: 'token'; token: string }
    | { kind: 'hmac'; requestor: string; key: Uint8Array }
    | { kind: 'none' };
  now?: () => number;
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
      const res = await this.handle({
        method: init.method,
        path: url.slice(base.length) || '/',
        headers: init.headers,
        body: init.body ?? '',
      });
      return new Response(res.status === 204 ? null : res.body, { status: res.status, headers: res.headers });
    };
  }

  /** Answers one HTTP request the way irmago would. */
  async handle(req: SimRequest): Promise<SimResponse> {
    this.sweep();
    const path = req.path.split('?')[0];
    const method = req.method.toUpperCase();
    const lower = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const header = (name: string): string | undefined => lower[name.toLowerCase()];
    if (method === 'POST' && path === '/session')
      return this.startSession(req.body, header('Content-Type') ?? '', header('Authorization'));
    let m = /^\/session\/([^/]+)(?:\/(status|result|statusevents|result-jwt))?$/.exec(path);
    if (m) {
      const session = this.sessions.get(decodeURIComponent(m[1]));
      if (!session) return error(400, 'SESSION_UNKNOWN', 'Unknown or expired session');
      if (method === 'DELETE' && !m[2]) return this.cancelSession(session);
      if (method !== 'GET') return error(405, 'INVALID_REQUEST', 'Method not allowed');
      if (m[2] === 'status') return json(200, session.status);
      if (m[2] === 'result') return json(200, this.resultOf(session));
      // This simulator runs like an irma server without SSE (`--sse` off).
      return error(400, 'UNSUPPORTED', 'Server sent events disabled');
    }
    m =
      /^\/irma\/session\/([^/]+)(?:\/(frontend\/status|frontend\/statusevents|frontend\/options|status|statusevents))?$/.exec(
        path,
      );
    if (m) {
      const session = this.byClientToken.get(decodeURIComponent(m[1]));
      if (!session) return error(400, 'SESSION_UNKNOWN', 'Unknown or expired session');
      const sub = m[2];
      if (sub?.startsWith('frontend/') || (method === 'DELETE' && !sub)) {
        if (header('Authorization') !== session.frontendAuth)
          return error(403, 'UNAUTHORIZED', 'Frontend authorization missing or wrong');
      }
      if (method === 'DELETE' && !sub) return this.cancelSession(session);
      if (sub === 'frontend/status' && method === 'GET')
        return json(200, { status: session.status, nextSession: null });
      if (sub === 'status' && method === 'GET') return json(200, session.status);
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
    session.status = 'DONE';
    session.proofStatus = proofStatus;
    session.endedAt = this.now();
  }

  /** The app has scanned the QR but not yet disclosed. */
  connect(clientTokenOrToken: string): void {
    const session = this.find(clientTokenOrToken);
    if (!TERMINAL_STATUSES.includes(session.status)) session.status = 'CONNECTED';
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
    const session: SimSession = {
      token: randomBytes(15).toString('base64url').slice(0, 20),
      clientToken: randomBytes(15).toString('base64url').slice(0, 20),
      frontendAuth: randomBytes(24).toString('base64url'),
      request,
      status: 'INITIALIZED',
      createdAt: this.now(),
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
    if (!TERMINAL_STATUSES.includes(session.status)) {
      session.status = 'CANCELLED';
      session.endedAt = this.now();
    }
    return { status: 204, headers: {}, body: '' };
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
      if (!TERMINAL_STATUSES.includes(s.status) && now - s.createdAt > s.timeoutMs) {
        s.status = 'TIMEOUT';
        s.endedAt = now;
      }
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

function error(status: number, name: string, description: string): SimResponse {
  const body: IrmaErrorBody = { status, error: name, description };
  return json(status, body);
}
