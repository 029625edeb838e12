import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { SignJWT } from 'jose';
import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import { LessThan, Repository } from 'typeorm';
import { verifyHs256 } from '../../common/crypto/hs256-jws';
import { ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { UsedUploadToken } from './entities/used-upload-token.entity';
import { insertOnce, type SpendStatement } from './upload-authorization';

const ISSUER = 'veilig';
const AUDIENCE = 'veilig:key-upload';

/** What an upload token allows. It names the verification flow, never the person. */
export interface UploadTokenClaims {
  /** Which verification flow issued it, e.g. `identity`, `professional-signed`, `test`. */
  flow: string;
  /** GAEN report type the keys get (1 confirmed test, 2 clinical diagnosis). */
  reportType: number;
  /** How many keys the holder may upload (≤ 30). */
  maxKeys: number;
  /** UTC day of symptom onset, `YYYY-MM-DD`; DSOS of each key is derived from it when the app sends none. */
  onsetDate?: string;
  /** UTC day the positive sample was taken, `YYYY-MM-DD`; used when no onset is known. */
  sampleDate?: string;
}

export interface VerifiedUploadToken extends UploadTokenClaims {
  jti: string;
  expiresAt: Date;
}

/** Signs an upload token (also used by the upload benchmark, which mints outside the app). */
export async function signUploadToken(
  secret: Uint8Array | KeyObject,
  claims: UploadTokenClaims,
  nowMs: number,
  ttlMs: number,
): Promise<{ token: string; expiresAt: Date }> {
  const nowSec = Math.floor(nowMs / 1000);
  const exp = nowSec + Math.floor(ttlMs / 1000);
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(nowSec)
    .setExpirationTime(exp)
    .sign(secret);
  return { token, expiresAt: new Date(exp * 1000) };
}

export const invalidToken = (detail: string) =>
  new ProblemException(401, 'invalid-upload-token', 'Upload not authorised', detail);

/**
 * Short-lived, single-use upload tokens (HS256 JWT), minted by a health authority's own verification
 * service that shares UPLOAD_TOKEN_SECRET with us (docs/upload-tokens.md); off when it is unset. The key
 * store verifies them and records the `jti` in the same transaction as the keys, so a token is spent
 * exactly when its keys are stored. Tests and benchmarks mint them with `mint`.
 */
@Injectable()
export class UploadTokenService {
  /** A KeyObject, not bytes: jose would otherwise import the key again for every token. */
  private readonly secret?: KeyObject;
  /** During a rotation, the secret that signed tokens still in circulation. */
  private readonly previousSecret?: KeyObject;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(UsedUploadToken) private readonly used: Repository<UsedUploadToken>,
    private readonly clock: Clock,
  ) {
    const key = (secret: string | undefined) =>
      secret ? createSecretKey(Buffer.from(secret, 'utf8')) : undefined;
    this.secret = key(config.keyStore.uploadTokenSecret);
    this.previousSecret = key(config.keyStore.uploadTokenPreviousSecret);
  }

  /** Issues a token valid for `UPLOAD_TOKEN_TTL_MINUTES` (or `ttlMs`). */
  async mint(
    claims: UploadTokenClaims,
    ttlMs = this.config.keyStore.uploadTokenTtlMs,
  ): Promise<{ token: string; expiresAt: Date }> {
    if (!this.secret) throw new Error('UPLOAD_TOKEN_SECRET is not configured');
    return signUploadToken(this.secret, claims, this.clock.now().getTime(), ttlMs);
  }

  /** Checks signature, issuer, audience, expiry and claim shapes; does not spend the token. */
  verify(token: string): VerifiedUploadToken {
    if (!this.secret)
      throw new ProblemException(
        401,
        'upload-tokens-disabled',
        'Upload not authorised',
        'This backend accepts no upload tokens; verify with a signed approval or an identity token.',
      );
    const claims =
      verifyHs256(token, this.secret) ?? (this.previousSecret && verifyHs256(token, this.previousSecret));
    if (!claims) throw invalidToken('The upload token is not valid.');
    const { iss, aud, exp, iat, nbf, jti, flow, reportType, maxKeys, onsetDate, sampleDate } = claims;
    const nowSec = Math.floor(this.clock.now().getTime() / 1000);
    const audiences = Array.isArray(aud) ? (aud as unknown[]) : [aud];
    if (
      iss !== ISSUER ||
      !audiences.includes(AUDIENCE) ||
      typeof exp !== 'number' ||
      typeof iat !== 'number' ||
      (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSec)) ||
      typeof jti !== 'string' ||
      jti.length === 0
    )
      throw invalidToken('The upload token is not valid.');
    if (exp <= nowSec) throw invalidToken('The upload token has expired; verify again.');
    const day = (v: unknown) => v === undefined || (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v));
    if (
      typeof flow !== 'string' ||
      typeof reportType !== 'number' ||
      typeof maxKeys !== 'number' ||
      !day(onsetDate) ||
      !day(sampleDate)
    )
      throw invalidToken('The upload token lacks required claims.');
    return {
      flow,
      reportType,
      maxKeys,
      onsetDate: onsetDate as string | undefined,
      sampleDate: sampleDate as string | undefined,
      jti,
      expiresAt: new Date(exp * 1000),
    };
  }

  /** Spends the token inside the upload's transaction; a second use fails the insert. */
  spendStatement(token: VerifiedUploadToken): SpendStatement {
    return insertOnce(
      this.used.manager.connection,
      UsedUploadToken,
      { jti: token.jti, expiresAt: token.expiresAt, usedAt: this.clock.now() },
      () =>
        new ProblemException(
          409,
          'upload-token-used',
          'Upload not authorised',
          'This upload token was already used.',
        ),
    );
  }

  async purgeExpired(): Promise<number> {
    return (await this.used.delete({ expiresAt: LessThan(this.clock.now()) })).affected ?? 0;
  }
}
