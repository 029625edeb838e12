import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { custom, Issuer, errors as oidcErrors, type BaseClient, type IdTokenClaims } from 'openid-client';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { LabRegistryClient, type LabPerson } from '../../protocol/identity';
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
        { clientId: oidc.clientId, clientSecret: oidc.clientSecret, redirectUris: [oidc.redirectUri] },
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

/**
 * OpenID Connect authorization code flow with PKCE through openid-client: discovery, the authorization
 * URL, and the callback, where the library exchanges the code and validates the ID token (signature
 * against the provider's JWKS, issuer, audience, nonce, expiry, and the RFC 9207 `iss` parameter).
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

  /** The provider's authorization URL for one login (OIDC Core §3.1.2.1, RFC 7636 S256). */
  async authorizationUrl(params: { state: string; nonce: string; codeChallenge: string }): Promise<string> {
    const oidc = this.config.identity.oidc;
    const client = await this.getClient();
    return client.authorizationUrl({
      scope: oidc.scope,
      state: params.state,
      nonce: params.nonce,
      code_challenge: params.codeChallenge,
      code_challenge_method: 'S256',
      ...(oidc.acrValues.length ? { acr_values: oidc.acrValues.join(' ') } : {}),
    });
  }

  /**
   * Exchanges the code and returns the validated ID token claims; throws OidcLoginError for anything the
   * provider or the validation refused (OIDC Core §3.1.3.7).
   */
  async callback(
    params: { code: string; state: string; iss?: string },
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<IdTokenClaims> {
    const oidc = this.config.identity.oidc;
    const client = await this.getClient();
    try {
      const tokens = await client.callback(oidc.redirectUri, params, {
        state: checks.state,
        nonce: checks.nonce,
        code_verifier: checks.codeVerifier,
        response_type: 'code',
      });
      const claims = tokens.claims();
      if (oidc.acrValues.length && !oidc.acrValues.includes(String(claims.acr)))
        throw new OidcLoginError('insufficient authentication level');
      return claims;
    } catch (e) {
      if (e instanceof OidcLoginError) throw e;
      if (e instanceof oidcErrors.RPError || e instanceof oidcErrors.OPError)
        throw new OidcLoginError(e.message);
      throw new OidcLoginError(`identity provider unreachable: ${(e as Error).name}`);
    }
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
    const client = new issuer.Client({
      client_id: oidc.clientId,
      client_secret: oidc.clientSecret,
      redirect_uris: [oidc.redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    });
    client[custom.clock_tolerance] = 5;
    return client;
  }
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
