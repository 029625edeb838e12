import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { custom, Issuer, errors as oidcErrors, type BaseClient, type IdTokenClaims } from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { checkAssurance, LabRegistryClient, type LabPerson } from '../../protocol/identity';
import { LabRegistrySimulator } from '../../protocol/identity/simulators/lab-registry-simulator';
import { OidcProviderSimulator } from '../../protocol/identity/simulators/oidc-provider-simulator';

/**
 * The embedded demo's identity provider and lab registry: started on loopback on first use, only with
 * DEMO_SIMULATORS and no real endpoint configured (never in production, see the config section).
 */
@Injectable()
export class IdentitySimulators implements OnApplicationShutdown {
  private readonly logger = new Logger('IdentityVerification');
  private idpStarted: Promise<OidcProviderSimulator> | null = null;
  private labStarted: Promise<LabRegistrySimulator> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The identity-provider simulator, started on first use. */
  idp(): Promise<OidcProviderSimulator> {
    const { oidc } = this.config.identity;
    if (!oidc.simulated) throw new Error('the identity provider simulator is not enabled');
    this.idpStarted ??= OidcProviderSimulator.start({
      clients: [
        {
          clientId: oidc.clientId,
          clientSecret: oidc.clientAuth.method === 'client_secret_basic' ? oidc.clientAuth.clientSecret : '',
          redirectUris: [oidc.redirectUri],
        },
      ],
    }).then((sim) => {
      this.logger.log(`demo identity provider (simulator) at ${sim.issuer}`);
      return sim;
    });
    return this.idpStarted;
  }

  /** The lab-registry simulator, started on first use. */
  lab(): Promise<LabRegistrySimulator> {
    const { lab } = this.config.identity;
    if (!lab.simulated) throw new Error('the lab registry simulator is not enabled');
    this.labStarted ??= LabRegistrySimulator.start({ apiKey: lab.apiKey }).then((sim) => {
      this.logger.log(`demo lab registry (simulator) at ${sim.url}`);
      return sim;
    });
    return this.labStarted;
  }

  async onApplicationShutdown(): Promise<void> {
    const running: Promise<{ close(): Promise<void> }>[] = [this.idpStarted, this.labStarted].filter(
      (p) => p !== null,
    );
    await Promise.all(running.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }
}

/** Why a login did not produce trustworthy claims. */
export class OidcLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcLoginError';
  }
}

/** What a login at the identity provider established. */
export interface OidcLogin {
  claims: IdTokenClaims;
  /** The raw ID token, as `id_token_hint` for the logout that follows. */
  idToken: string;
}

/** Seconds of clock difference tolerated with the identity provider (token times, auth_time). */
const CLOCK_TOLERANCE_S = 5;

/**
 * OpenID Connect authorization code flow with PKCE through openid-client: discovery, the authorization
 * URL, and the callback, where the library exchanges the code and validates the ID token (signature
 * against the provider's JWKS, issuer, audience, nonce, expiry, and the RFC 9207 `iss` parameter). Our
 * own checks on top: a new authentication for this login (`prompt=login`, then `auth_time`) at the
 * required level of assurance (`acr`), as ID-porten's integration guide asks of its clients.
 */
@Injectable()
export class OidcGateway {
  private client: Promise<BaseClient> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sims: IdentitySimulators,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.identity.oidc.issuer) || this.config.identity.oidc.simulated;
  }

  /**
   * The provider's authorization URL for one login (OIDC Core §3.1.2.1, RFC 7636 S256). `prompt=login`
   * makes the provider authenticate the user again even if its browser has a single sign-on session: the
   * person now at the phone may not be the one who logged in before.
   */
  async authorizationUrl(params: { state: string; nonce: string; codeChallenge: string }): Promise<string> {
    const oidc = this.config.identity.oidc;
    const client = await this.getClient();
    return client.authorizationUrl({
      scope: oidc.scope,
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
      prompt: 'login',
      // ID-porten reads acr_values as the lowest level it may authenticate at.
      ...(oidc.assurance.minimum ? { acr_values: oidc.assurance.minimum } : {}),
    });
  }

  /**
   * Exchanges the code and returns the validated ID token; throws OidcLoginError for anything the
   * provider or the validation refused (OIDC Core §3.1.3.7), for an authentication older than
   * `authenticatedSince` (a reused session), and for a level of assurance below the minimum.
   */
  async callback(
    params: { code: string; state: string; iss?: string },
    checks: { state: string; nonce: string; codeVerifier: string; authenticatedSince: Date },
  ): Promise<OidcLogin> {
    const oidc = this.config.identity.oidc;
    const client = await this.getClient();
    try {
      const tokens = await client.callback(
        oidc.redirectUri,
        params,
        {
          state: checks.state,
          nonce: checks.nonce,
          code_verifier: checks.codeVerifier,
          response_type: 'code',
        },
        // RFC 7523 §3: ID-porten wants its issuer identifier, not the token endpoint, as the audience.
        oidc.clientAuth.method === 'private_key_jwt'
          ? { clientAssertionPayload: { aud: client.issuer.metadata.issuer } }
          : {},
      );
      const claims = tokens.claims();
      if (typeof claims.auth_time !== 'number') throw new OidcLoginError('the ID token has no auth_time');
      if ((claims.auth_time + CLOCK_TOLERANCE_S) * 1000 < checks.authenticatedSince.getTime())
        throw new OidcLoginError(
          'the identity provider did not authenticate anew (auth_time before the login)',
        );
      const assurance = checkAssurance(claims.acr, oidc.assurance);
      if (assurance) throw new OidcLoginError(`authentication level refused: ${assurance}`);
      return { claims, idToken: tokens.id_token! };
    } catch (e) {
      if (e instanceof OidcLoginError) throw e;
      if (e instanceof oidcErrors.RPError || e instanceof oidcErrors.OPError)
        throw new OidcLoginError(e.message);
      throw new OidcLoginError(`identity provider unreachable: ${(e as Error).name}`);
    }
  }

  /**
   * The provider's end-session URL that logs the user out and returns to our logged-out route with
   * `state` (OpenID Connect RP-Initiated Logout 1.0 §2), or null when it offers none or logout is off.
   */
  async endSessionUrl(idToken: string, state: string): Promise<string | null> {
    const oidc = this.config.identity.oidc;
    if (!oidc.logout) return null;
    const client = await this.getClient();
    if (!client.issuer.metadata.end_session_endpoint) return null;
    return client.endSessionUrl({
      id_token_hint: idToken,
      post_logout_redirect_uri: oidc.postLogoutRedirectUri,
      state,
    });
  }

  private getClient(): Promise<BaseClient> {
    // Discovered lazily and cached; a failed discovery is retried on the next login.
    this.client ??= this.discover().catch((e: unknown) => {
      this.client = null;
      throw e;
    });
    return this.client;
  }

  private async discover(): Promise<BaseClient> {
    const oidc = this.config.identity.oidc;
    custom.setHttpOptionsDefaults({ timeout: oidc.timeoutMs });
    const issuerUrl = oidc.issuer ?? (await this.sims.idp()).issuer;
    const issuer = await Issuer.discover(issuerUrl);
    const common = {
      client_id: oidc.clientId,
      redirect_uris: [oidc.redirectUri],
      post_logout_redirect_uris: [oidc.postLogoutRedirectUri],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    };
    let client: BaseClient;
    if (oidc.clientAuth.method === 'private_key_jwt') {
      const jwk = await clientJwk(oidc.clientAuth.privateKeyPem, oidc.clientAuth.keyId);
      client = new issuer.Client(
        {
          ...common,
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: jwk.alg,
        },
        { keys: [jwk] },
      );
    } else {
      client = new issuer.Client({
        ...common,
        client_secret: oidc.clientAuth.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
      });
    }
    client[custom.clock_tolerance] = CLOCK_TOLERANCE_S;
    return client;
  }
}

/** The client's private key as the JWK openid-client signs its assertions with: RS256 or ES256, with a `kid`. */
/** openid-client's own JWK type (it bundles another jose version). */
type ClientJwk = NonNullable<ConstructorParameters<typeof BaseClient>[1]>['keys'][number];

async function clientJwk(pem: string, keyId: string | null): Promise<ClientJwk & { alg: string }> {
  const key = createPrivateKey(pem);
  const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256';
  const kid = keyId ?? (await calculateJwkThumbprint(createPublicKey(key).export({ format: 'jwk' }) as JWK));
  return { ...(key.export({ format: 'jwk' }) as ClientJwk), alg, kid, use: 'sig' };
}

/** The lab registry client for the configured registry (or the demo simulator). */
@Injectable()
export class LabRegistryGateway {
  private client: LabRegistryClient | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sims: IdentitySimulators,
  ) {}

  get configured(): boolean {
    return Boolean(this.config.identity.lab.url) || this.config.identity.lab.simulated;
  }

  /** Positive tests sampled on or after `since`; null for an unknown person (see protocol/identity/lab-registry.ts). */
  async positiveTests(nationalIdentifier: string, since: string): Promise<LabPerson | null> {
    const lab = this.config.identity.lab;
    this.client ??= new LabRegistryClient(lab.url ?? (await this.sims.lab()).url, {
      apiKey: lab.apiKey,
      timeoutMs: lab.timeoutMs,
    });
    return this.client.positiveTests(nationalIdentifier, since);
  }
}
