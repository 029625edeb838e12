import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHmac, randomUUID } from 'node:crypto';
import type { IdTokenClaims } from 'openid-client';
import { DataSource, IsNull, LessThan, MoreThan, Repository } from 'typeorm';
import { randomToken, sha256Hex } from '../../common/crypto/tokens';
import { badRequest, conflict, ProblemException, tooManyRequests } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { RateLimiter } from '../../infrastructure/rate-limiter';
import {
  checkCodeVerifier,
  checkEligibility,
  codeChallengeS256,
  IDENTITY_REFUSALS,
  isIdentityRefusal,
  isoDay,
  LabRegistryError,
  codeVerifier as newCodeVerifier,
  REFUSAL_OF_REASON,
  type IdentityRefusal,
  type PublishedTokenKey,
} from '../../protocol/identity';
import { AuditService } from '../audit/audit.service';
import { IdentityLogin } from './entities/identity-login.entity';
import { SpentToken } from './entities/spent-token.entity';
import { VerificationRecord } from './entities/verification-record.entity';
import { LabRegistryGateway, OidcGateway, OidcLoginError } from './identity-verification.gateways';
import { TokenKeysService, toPublished } from './token-keys.service';

const DAY_MS = 86_400_000;
/**
 * Verification times are stored to the hour (docs/identity-verification.md, "Time and the anonymity set"): the limit needs no
 * more, and a finer time would pair a person's verification with the upload that follows it.
 */
const VERIFICATION_TIME_RESOLUTION_MS = 3_600_000;

type Outcome =
  | { outcome: 'verified'; sampleDate: string; tokenKeyId: string }
  | { outcome: IdentityRefusal; reason?: string; retryAfterSeconds?: number };

export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  iss?: string;
}

/** Builds the problem the app shows for a refusal (see protocol/identity/refusals.ts). */
export function refusal(
  slug: IdentityRefusal,
  extras: { reason?: string; retryAfterSeconds?: number } = {},
): ProblemException {
  const r = IDENTITY_REFUSALS[slug];
  return new ProblemException(r.status, slug, r.title, r.detail, {
    reason: extras.reason ?? r.reason,
    ...(extras.retryAfterSeconds !== undefined ? { retryAfterSeconds: extras.retryAfterSeconds } : {}),
  });
}

const invalidCode = () =>
  badRequest(
    'identity-invalid-code',
    'Unknown or expired result code, or the code verifier does not match.',
    { reason: 'invalid-code' },
  );

/**
 * Identity-based verification (docs/protocols/smittestopp.md §S2): national eID login (OIDC code + PKCE),
 * lab-registry check, at most N verifications per person per window, and a blind signature on the app's
 * anonymous upload token. Nothing here stores or logs the national identifier; per person only an HMAC of the
 * provider's pseudonym and the verification times are kept.
 */
@Injectable()
export class IdentityVerificationService {
  private readonly logger = new Logger('IdentityVerification');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(IdentityLogin) private readonly logins: Repository<IdentityLogin>,
    @InjectRepository(VerificationRecord) private readonly records: Repository<VerificationRecord>,
    private readonly oidc: OidcGateway,
    private readonly lab: LabRegistryGateway,
    private readonly tokenKeys: TokenKeysService,
    private readonly audit: AuditService,
    private readonly rateLimiter: RateLimiter,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts a login for the app: checks its redirect URI against the allow-list, stores the login's
   * secrets and returns the identity provider's authorization URL (OIDC Core §3.1.2, RFC 7636).
   */
  async startLogin(
    input: { redirectUri: string; codeChallenge: string; appState?: string },
    clientIp: string,
  ): Promise<string> {
    if (!this.oidc.configured || !this.lab.configured) {
      throw new ProblemException(
        503,
        'identity-not-configured',
        'Service unavailable',
        'Identity-based verification is not configured on this server.',
      );
    }
    if (!this.config.identity.appRedirectUris.includes(input.redirectUri)) {
      throw badRequest('identity-bad-redirect-uri', 'redirect_uri is not a registered app redirect URI.', {
        reason: 'bad-redirect-uri',
      });
    }
    const limit = await this.rateLimiter.consume(`identity-login:${clientIp}`, {
      limit: this.config.identity.loginsPerIpPerMinute,
      windowMs: 60_000,
    });
    if (!limit.allowed) throw tooManyRequests(limit.retryAfterMs);
    const state = randomToken();
    const nonce = randomToken();
    const verifier = newCodeVerifier();
    await this.logins.insert(
      this.logins.create({
        id: randomUUID(),
        stateHash: sha256Hex(state),
        nonce,
        codeVerifier: verifier,
        appRedirectUri: input.redirectUri,
        appState: input.appState ?? null,
        appCodeChallenge: input.codeChallenge,
        resultCodeHash: null,
        outcome: null,
        reason: null,
        sampleDate: null,
        tokenKeyId: null,
        retryAfterSeconds: null,
        expiresAt: new Date(this.clock.now().getTime() + this.config.identity.loginTtlMs),
      }),
    );
    try {
      return await this.oidc.authorizationUrl({ state, nonce, codeChallenge: codeChallengeS256(verifier) });
    } catch {
      throw new ProblemException(
        503,
        'identity-provider-unavailable',
        'Service unavailable',
        'The national identity provider cannot be reached. Try again later.',
      );
    }
  }

  /**
   * The identity provider's redirect: validates the login, checks the person and records the outcome.
   * Returns where the browser goes next: the provider's end-session endpoint when it offers one (it comes
   * back to `afterLogout`), else the app's redirect URI with a one-time result code. Throws only when the
   * login is unknown.
   */
  async completeLogin(params: CallbackParams): Promise<string> {
    const now = this.clock.now();
    const login = params.state ? await this.logins.findOneBy({ stateHash: sha256Hex(params.state) }) : null;
    if (!login || login.outcome !== null || login.expiresAt <= now) {
      throw refusal('identity-login-failed', { reason: 'unknown-login' });
    }
    const { idToken, ...result } = await this.decide(login, params);
    const logoutState = randomToken();
    const logoutUrl = idToken ? await this.oidc.endSessionUrl(idToken, logoutState).catch(() => null) : null;
    const resultCode = logoutUrl ? null : randomToken();
    await this.logins.update(
      { id: login.id },
      {
        // Once the provider answered, the state is spent: the row is found again only by the logout's.
        stateHash: sha256Hex(logoutState),
        nonce: '',
        codeVerifier: '',
        resultCodeHash: resultCode ? sha256Hex(resultCode) : null,
        outcome: result.outcome,
        reason: result.outcome === 'verified' ? null : (result.reason ?? null),
        sampleDate: result.outcome === 'verified' ? result.sampleDate : null,
        tokenKeyId: result.outcome === 'verified' ? result.tokenKeyId : null,
        retryAfterSeconds: result.outcome === 'verified' ? null : (result.retryAfterSeconds ?? null),
        expiresAt: new Date(now.getTime() + this.config.identity.loginTtlMs),
      },
    );
    const slug = result.outcome;
    await this.audit.record(
      { kind: 'anonymous' },
      {
        action: 'identity.verification',
        outcome:
          slug === 'verified'
            ? 'success'
            : slug === 'identity-login-failed' || slug === 'identity-registry-unavailable'
              ? 'failure'
              : 'denied',
        details: {
          result: slug,
          reason: slug === 'verified' ? null : (result.reason ?? IDENTITY_REFUSALS[slug].reason),
        },
      },
    );
    return logoutUrl ?? appRedirect(login, resultCode!);
  }

  /**
   * The provider's return after its logout (RP-Initiated Logout 1.0 §3): hands the app its one-time
   * result code for the login decided before. Throws when the state names no such login.
   */
  async afterLogout(state: string | undefined): Promise<string> {
    const login = state ? await this.logins.findOneBy({ stateHash: sha256Hex(state) }) : null;
    if (!login || login.outcome === null || login.expiresAt <= this.clock.now())
      throw refusal('identity-login-failed', { reason: 'unknown-login' });
    const resultCode = randomToken();
    // Once only: a second return with the same state finds the code already issued.
    const issued = await this.logins.update(
      { id: login.id, resultCodeHash: IsNull() },
      { resultCodeHash: sha256Hex(resultCode) },
    );
    if (!issued.affected) throw refusal('identity-login-failed', { reason: 'unknown-login' });
    return appRedirect(login, resultCode);
  }

  /**
   * The app exchanges its result code (with its PKCE verifier) for the outcome: the sample date and the
   * token key to blind against, or the refusal as problem+json.
   */
  async result(
    code: string,
    verifier: string,
  ): Promise<{ verified: true; sampleDate: string; tokenKey: PublishedTokenKey }> {
    const login = await this.loginForCode(code, verifier);
    if (login.outcome !== 'verified') {
      await this.logins.delete({ id: login.id });
      throw refusal(
        isIdentityRefusal(login.outcome ?? '') ? (login.outcome as IdentityRefusal) : 'identity-login-failed',
        {
          reason: login.reason ?? undefined,
          retryAfterSeconds: login.retryAfterSeconds ?? undefined,
        },
      );
    }
    const key = await this.tokenKeys.usable(login.tokenKeyId!);
    if (!key) throw invalidCode();
    return { verified: true, sampleDate: login.sampleDate!, tokenKey: toPublished(key) };
  }

  /**
   * Blind-signs the app's blinded token (RFC 9474 §4.3) once per verified login; the login is deleted in
   * the same step, so nothing of it remains to compare with the token later.
   */
  async blindSign(
    code: string,
    verifier: string,
    keyId: string,
    blindedMessage: Uint8Array,
  ): Promise<Uint8Array> {
    const login = await this.loginForCode(code, verifier);
    if (login.outcome !== 'verified') throw invalidCode();
    if (keyId !== login.tokenKeyId)
      throw badRequest(
        'identity-wrong-token-key',
        'Blind against the token key named in the verification result.',
        { reason: 'wrong-token-key' },
      );
    const key = await this.tokenKeys.usable(keyId);
    if (!key) throw invalidCode();
    let signature: Uint8Array;
    try {
      signature = this.tokenKeys.blindSign(key, blindedMessage);
    } catch {
      throw badRequest('identity-bad-blinded-message', 'The blinded message does not fit the token key.', {
        reason: 'bad-blinded-message',
      });
    }
    const deleted = await this.logins.delete({ id: login.id, resultCodeHash: login.resultCodeHash! });
    if (!deleted.affected)
      throw conflict('identity-code-used', 'This verification already has its token signed.');
    return signature;
  }

  /** Deletes logins past their lifetime, verification times past the window, expired token keys and their spent tokens. */
  async purge(): Promise<{ logins: number; verifications: number; tokenKeys: number; spentTokens: number }> {
    const now = this.clock.now();
    const logins = (await this.logins.delete({ expiresAt: LessThan(now) })).affected ?? 0;
    const verifications =
      (await this.records.delete({ verifiedAt: LessThan(this.windowStart(now.getTime())) })).affected ?? 0;
    const spentTokens =
      (await this.dataSource.getRepository(SpentToken).delete({ expiresAt: LessThan(now) })).affected ?? 0;
    // SQLite keeps earlier versions of changed pages in its write-ahead log until a checkpoint resets it;
    // truncating it here bounds how long a deleted login stays readable there to one purge interval.
    if (this.dataSource.options.type === 'better-sqlite3')
      await this.dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
    return { logins, verifications, tokenKeys: await this.tokenKeys.purgeExpired(), spentTokens };
  }

  private async loginForCode(code: string, verifier: string): Promise<IdentityLogin> {
    const login = await this.logins.findOneBy({ resultCodeHash: sha256Hex(code) });
    if (!login || login.expiresAt <= this.clock.now() || !checkCodeVerifier(verifier, login.appCodeChallenge))
      throw invalidCode();
    return login;
  }

  /** The outcome of a login, with the ID token when the provider authenticated someone (for the logout). */
  private async decide(
    login: IdentityLogin,
    params: CallbackParams,
  ): Promise<Outcome & { idToken?: string }> {
    if (params.error)
      return {
        outcome: 'identity-login-failed',
        reason: params.error === 'access_denied' ? 'login-cancelled' : 'login-failed',
      };
    if (!params.code || !params.state) return { outcome: 'identity-login-failed', reason: 'login-failed' };
    let claims: IdTokenClaims;
    let idToken: string;
    try {
      ({ claims, idToken } = await this.oidc.callback(
        { code: params.code, state: params.state, ...(params.iss ? { iss: params.iss } : {}) },
        {
          state: params.state,
          nonce: login.nonce,
          codeVerifier: login.codeVerifier,
          authenticatedSince: new Date(login.expiresAt.getTime() - this.config.identity.loginTtlMs),
        },
      ));
    } catch (e) {
      // The message says which check failed (nonce, aud, signature, …); it carries no personal data.
      this.logger.warn(
        { err: e instanceof OidcLoginError ? e.message : 'unexpected' },
        'identity provider login refused',
      );
      return { outcome: 'identity-login-failed', reason: 'login-failed' };
    }
    return { ...(await this.checkPerson(claims)), idToken };
  }

  /** The person behind validated claims: the limit, then the lab registry and the rules. */
  private async checkPerson(claims: IdTokenClaims): Promise<Outcome> {
    const sub = claims.sub;
    const identifier = claims[this.config.identity.oidc.identifierClaim];
    if (typeof identifier !== 'string' || !identifier || !sub) {
      this.logger.warn('ID token lacks the national identifier or the pseudonym');
      return { outcome: 'identity-login-failed', reason: 'login-failed' };
    }
    const subjectHash = createHmac('sha256', this.config.identity.subjectHmacKey).update(sub).digest('hex');
    const blocked = await this.blockedFor(subjectHash);
    if (blocked) return blocked;

    const now = this.clock.now().getTime();
    const today = isoDay(now);
    let person;
    try {
      // Twice the accepted sample age: enough to tell "test too old" from "no positive test".
      person = await this.lab.positiveTests(
        identifier,
        isoDay(now - 2 * this.config.identity.rules.maxSampleAgeDays * DAY_MS),
      );
    } catch (e) {
      this.logger.warn(
        {
          kind: e instanceof LabRegistryError ? e.kind : 'unexpected',
          err: e instanceof LabRegistryError ? e.message : undefined,
        },
        'lab registry lookup failed',
      );
      return { outcome: 'identity-registry-unavailable' };
    }
    const eligibility = checkEligibility(person, today, this.config.identity.rules);
    if (!eligibility.verified) return { outcome: REFUSAL_OF_REASON[eligibility.reason] };

    const key = await this.tokenKeys.keyFor(eligibility.sampleDate);
    try {
      await this.dataSource.transaction(async (em) => {
        await em.insert(VerificationRecord, { subjectHash, verifiedAt: verificationHour(now) });
        // Counted after the insert, inside the transaction: two logins racing both see each other and
        // are refused, rather than both slipping under the limit.
        const count = await em.countBy(VerificationRecord, {
          subjectHash,
          verifiedAt: MoreThan(this.windowStart(now)),
        });
        if (count > this.config.identity.limit.maxVerifications) throw new BlockedError();
      });
    } catch (e) {
      if (e instanceof BlockedError)
        return (await this.blockedFor(subjectHash)) ?? { outcome: 'identity-blocked' };
      throw e;
    }
    return { outcome: 'verified', sampleDate: eligibility.sampleDate, tokenKeyId: key.id };
  }

  /** The "blocked" outcome when the person already has the maximum of verifications in the window. */
  private async blockedFor(subjectHash: string): Promise<Outcome | null> {
    const now = this.clock.now().getTime();
    const { maxVerifications, windowMs } = this.config.identity.limit;
    const recent = await this.records.find({
      where: { subjectHash, verifiedAt: MoreThan(this.windowStart(now)) },
      order: { verifiedAt: 'DESC' },
      take: maxVerifications,
    });
    if (recent.length < maxVerifications) return null;
    // Free again when the oldest of the last N verifications leaves the window, counted from the end
    // of its hour.
    const oldestHourEnd = recent[recent.length - 1].verifiedAt.getTime() + VERIFICATION_TIME_RESOLUTION_MS;
    return {
      outcome: 'identity-blocked',
      retryAfterSeconds: Math.max(1, Math.ceil((oldestHourEnd + windowMs - now) / 1000)),
    };
  }

  /**
   * Verifications stored after this still count. A stored hour stands for any moment in it, so each one
   * counts until the window has passed since the end of its hour: never less than the window.
   */
  private windowStart(nowMs: number): Date {
    return new Date(nowMs - this.config.identity.limit.windowMs - VERIFICATION_TIME_RESOLUTION_MS);
  }
}

/** The start of the hour of `ms`, as a verification time is stored. */
function verificationHour(ms: number): Date {
  return new Date(Math.floor(ms / VERIFICATION_TIME_RESOLUTION_MS) * VERIFICATION_TIME_RESOLUTION_MS);
}

class BlockedError extends Error {}

/** The app's redirect URI with the one-time result code (and the app's state). */
function appRedirect(login: IdentityLogin, resultCode: string): string {
  const back = new URL(login.appRedirectUri);
  back.searchParams.set('code', resultCode);
  if (login.appState) back.searchParams.set('state', login.appState);
  return back.toString();
}
