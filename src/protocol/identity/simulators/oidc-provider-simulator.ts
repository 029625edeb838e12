/**
 * A stand-in for the national identity provider (an ID-porten-like OpenID Connect provider), for tests
 * and the embedded demo only: production configuration refuses it. It speaks the real protocol so the
 * service's maintained OIDC client does all its checks against it: discovery document, JWKS,
 * authorization endpoint with a login page (pick a test identity, or cancel), token endpoint with client
 * authentication and PKCE (S256 only), RS256-signed ID tokens with nonce, a pairwise `sub` (the
 * pseudonym) and `pid` (the national identifier), and the RFC 9207 `iss` parameter on the redirect.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, sendJson, type RunningServer } from './http-server';
import { testIdentities, type TestIdentity } from './test-identities';

export interface SimulatedClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** Ways the next ID token can be wrong, to prove the client checks it. */
export type IdTokenTampering =
  | 'wrong-nonce'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'expired'
  | 'bad-signature'
  /** auth_time of a single sign-on session from an hour ago, as if `prompt=login` were ignored. */
  | 'stale-auth-time'
  /** A lower level of assurance than asked for. */
  | 'low-acr'
  /** No `acr` claim at all. */
  | 'no-acr';

export interface OidcProviderSimulatorOptions {
  clients: SimulatedClient[];
  now?: () => number;
  people?: (nowMs: number) => TestIdentity[];
  host?: string;
  port?: number;
}

interface AuthorizationRequest {
  client: SimulatedClient;
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  acr: string;
  expiresAt: number;
}

interface IssuedCode extends AuthorizationRequest {
  person: TestIdentity;
}

const KID = 'sim-1';
const LIFETIME_MS = 5 * 60_000;

export class OidcProviderSimulator {
  /** Makes the next ID token wrong in this way (then resets); tests only. */
  tamperNextIdToken: IdTokenTampering | null = null;

  private readonly requests = new Map<string, AuthorizationRequest>();
  private readonly codes = new Map<string, IssuedCode>();
  private readonly pairwiseSecret = randomBytes(32);
  private server!: RunningServer;
  private readonly now: () => number;

  private constructor(
    private readonly options: OidcProviderSimulatorOptions,
    private readonly signingKey: KeyLike,
    private readonly otherKey: KeyLike,
    private readonly jwk: JWK,
  ) {
    this.now = options.now ?? Date.now;
  }

  get issuer(): string {
    return this.server.url;
  }

  /** Starts the provider on loopback with a fresh RS256 signing key; its URL is the issuer. */
  static async start(options: OidcProviderSimulatorOptions): Promise<OidcProviderSimulator> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const sim = new OidcProviderSimulator(options, privateKey, other.privateKey, {
      ...(await exportJWK(publicKey)),
      kid: KID,
      alg: 'RS256',
      use: 'sig',
    });
    sim.server = await listen((req, body, res) => sim.handle(req, body, res), {
      host: options.host,
      port: options.port,
    });
    return sim;
  }

  /** The pairwise pseudonym (`sub`) this provider gives a person at a client. */
  subjectOf(nationalIdentifier: string, clientId: string): string {
    return createHmac('sha256', this.pairwiseSecret)
      .update(`${clientId}\n${nationalIdentifier}`)
      .digest('base64url');
  }

  /** Stops listening. */
  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /.well-known/openid-configuration') return sendJson(res, 200, this.discovery());
    if (route === 'GET /jwks') return sendJson(res, 200, { keys: [this.jwk] });
    if (route === 'GET /authorize') return this.authorize(url.searchParams, res);
    if (route === 'POST /authorize/decision') return this.decide(new URLSearchParams(body), res);
    if (route === 'POST /token') return this.token(req, new URLSearchParams(body), res);
    sendJson(res, 404, { error: 'not_found' });
  }

  private discovery() {
    const iss = this.issuer;
    return {
      issuer: iss,
      authorization_endpoint: `${iss}/authorize`,
      token_endpoint: `${iss}/token`,
      jwks_uri: `${iss}/jwks`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['openid', 'profile'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce', 'auth_time', 'acr', 'amr', 'pid'],
      acr_values_supported: ['idporten-loa-substantial', 'idporten-loa-high'],
      prompt_values_supported: ['login'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  private authorize(q: URLSearchParams, res: ServerResponse): void {
    const client = this.options.clients.find((c) => c.clientId === q.get('client_id'));
    const redirectUri = q.get('redirect_uri') ?? '';
    // Without a known client and its registered redirect URI there is nowhere safe to send an error.
    if (!client || !client.redirectUris.includes(redirectUri))
      return page(res, 400, '<h1>Unknown client or redirect URI</h1>');
    const state = q.get('state') ?? '';
    const fail = (error: string) =>
      redirect(res, redirectUri, { error, ...(state ? { state } : {}), iss: this.issuer });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type');
    if (!(q.get('scope') ?? '').split(' ').includes('openid')) return fail('invalid_scope');
    if (
      q.get('code_challenge_method') !== 'S256' ||
      !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')
    )
      return fail('invalid_request');
    if (!q.get('nonce')) return fail('invalid_request');
    this.sweep();
    const id = randomBytes(16).toString('base64url');
    const acr = (q.get('acr_values') ?? 'idporten-loa-high').split(' ')[0];
    this.requests.set(id, {
      client,
      redirectUri,
      state,
      nonce: q.get('nonce')!,
      codeChallenge: q.get('code_challenge')!,
      acr,
      expiresAt: this.now() + LIFETIME_MS,
    });
    const people = (this.options.people ?? testIdentities)(this.now());
    const forms = people
      .map(
        (p) =>
          `<form method="post" action="/authorize/decision"><input type="hidden" name="request" value="${id}"><input type="hidden" name="identity" value="${esc(p.key)}"><button type="submit">${esc(p.label)}</button></form>`,
      )
      .join('\n');
    page(
      res,
      200,
      `<h1>Simulated national identity provider</h1><p>For tests and demos only. Log in as:</p>\n${forms}\n<form method="post" action="/authorize/decision"><input type="hidden" name="request" value="${id}"><input type="hidden" name="cancel" value="1"><button type="submit">Cancel</button></form>`,
    );
  }

  private decide(form: URLSearchParams, res: ServerResponse): void {
    const id = form.get('request') ?? '';
    const request = this.requests.get(id);
    this.requests.delete(id);
    if (!request || request.expiresAt < this.now()) return page(res, 400, '<h1>This login has expired</h1>');
    const back = (params: Record<string, string>) =>
      redirect(res, request.redirectUri, {
        ...params,
        ...(request.state ? { state: request.state } : {}),
        iss: this.issuer,
      });
    if (form.get('cancel'))
      return back({ error: 'access_denied', error_description: 'The user cancelled the login' });
    const person = (this.options.people ?? testIdentities)(this.now()).find(
      (p) => p.key === form.get('identity'),
    );
    if (!person) return page(res, 400, '<h1>Unknown test identity</h1>');
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...request, person, expiresAt: this.now() + 60_000 });
    back({ code });
  }

  private async token(req: IncomingMessage, form: URLSearchParams, res: ServerResponse): Promise<void> {
    const client = this.authenticateClient(req, form);
    if (!client) return sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic' });
    if (form.get('grant_type') !== 'authorization_code')
      return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const code = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    if (
      !code ||
      code.expiresAt < this.now() ||
      code.client.clientId !== client.clientId ||
      code.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== code.codeChallenge
    ) {
      return sendJson(res, 400, { error: 'invalid_grant' });
    }
    const tamper = this.tamperNextIdToken;
    this.tamperNextIdToken = null;
    const nowSec = Math.floor(this.now() / 1000);
    const idToken = await new SignJWT({
      nonce: tamper === 'wrong-nonce' ? 'not-the-nonce' : code.nonce,
      // No single sign-on session here: every login authenticates anew, as `prompt=login` asks.
      auth_time: tamper === 'stale-auth-time' ? nowSec - 3600 : nowSec,
      ...(tamper === 'no-acr' ? {} : { acr: tamper === 'low-acr' ? 'idporten-loa-low' : code.acr }),
      amr: ['TestID'],
      pid: code.person.nationalIdentifier,
    })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer(tamper === 'wrong-issuer' ? `${this.issuer}/other` : this.issuer)
      .setSubject(this.subjectOf(code.person.nationalIdentifier, client.clientId))
      .setAudience(tamper === 'wrong-audience' ? 'another-client' : client.clientId)
      .setIssuedAt(tamper === 'expired' ? nowSec - 600 : nowSec)
      .setExpirationTime(tamper === 'expired' ? nowSec - 300 : nowSec + 120)
      .sign(tamper === 'bad-signature' ? this.otherKey : this.signingKey);
    sendJson(res, 200, {
      access_token: randomBytes(32).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'openid',
      id_token: idToken,
    });
  }

  /** client_secret_basic (RFC 6749 §2.3.1: form-encoded id and secret) or client_secret_post. */
  private authenticateClient(req: IncomingMessage, form: URLSearchParams): SimulatedClient | null {
    let id = form.get('client_id');
    let secret = form.get('client_secret');
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, sep).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(sep + 1).replace(/\+/g, ' '));
    }
    const client = this.options.clients.find((c) => c.clientId === id);
    if (!client || secret === null) return null;
    const a = Buffer.from(secret);
    const b = Buffer.from(client.clientSecret);
    return a.length === b.length && timingSafeEqual(a, b) ? client : null;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, v] of this.requests) if (v.expiresAt < now) this.requests.delete(k);
    for (const [k, v] of this.codes) if (v.expiresAt < now) this.codes.delete(k);
  }
}

function redirect(res: ServerResponse, uri: string, params: Record<string, string>): void {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.toString(), 'cache-control': 'no-store' }).end();
}

function page(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    })
    .end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Identity provider (simulator)</title><style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto}button{display:block;width:100%;margin:.3rem 0;padding:.6rem;text-align:left}</style></head><body>${html}</body></html>`,
    );
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
