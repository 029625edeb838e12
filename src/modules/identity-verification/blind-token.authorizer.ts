import type { DataSource } from 'typeorm';
import { badRequest, ProblemException } from '../../common/http/problem';
import type { Clock } from '../../infrastructure/clock';
import {
  BLIND_TOKEN_VERIFICATION_TYPE,
  checkBlindToken,
  checkOnsetDate,
  dayMs,
  isIsoDate,
  isoDay,
  type BlindTokenVerification,
} from '../../protocol/identity';
import { daysSinceOnset } from '../../protocol/key-upload';
import {
  insertOnce,
  type UploadAuthorizer,
  type UploadContext,
  type UploadGrant,
} from '../key-store/upload-authorization';
import { SpentToken } from './entities/spent-token.entity';
import type { TokenKeysService } from './token-keys.service';

const B64URL = /^[A-Za-z0-9_-]{1,1400}$/;
const invalid = (reason: string, detail: string) =>
  new ProblemException(401, 'invalid-upload-token', 'Upload not authorised', detail, { reason });

/**
 * Redeems the identity flow's blind-signed token (`verification.type = identity-blind-token`) for one
 * upload: the signature must verify under a published, unexpired token key; the key says the sample date
 * and key count; the token is spent in the upload's transaction. Report type: confirmed test.
 */
export class BlindTokenUploadAuthorizer implements UploadAuthorizer {
  readonly name = 'identity-blind-token';

  constructor(
    private readonly tokenKeys: TokenKeysService,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  accepts(ctx: UploadContext): boolean {
    return (ctx.body.verification as { type?: unknown } | undefined)?.type === BLIND_TOKEN_VERIFICATION_TYPE;
  }

  async authorize(ctx: UploadContext): Promise<UploadGrant> {
    const v = ctx.body.verification as Partial<BlindTokenVerification>;
    const extra = Object.keys(v).filter(
      (k) => !['type', 'keyId', 'token', 'signature', 'onsetDate'].includes(k),
    );
    if (
      extra.length ||
      typeof v.keyId !== 'string' ||
      !/^[A-Za-z0-9_-]{43}$/.test(v.keyId) ||
      typeof v.token !== 'string' ||
      !B64URL.test(v.token) ||
      typeof v.signature !== 'string' ||
      !B64URL.test(v.signature) ||
      (v.onsetDate !== undefined && !isIsoDate(v.onsetDate))
    ) {
      throw badRequest(
        'invalid-verification',
        'verification must be { type, keyId, token, signature, onsetDate? } with base64url values and onsetDate as YYYY-MM-DD.',
        {
          reason: 'bad-verification',
        },
      );
    }
    const key = await this.tokenKeys.usable(v.keyId);
    if (!key) throw invalid('unknown-token-key', 'The token key is unknown or expired; verify again.');
    const tokenHash = checkBlindToken(
      this.tokenKeys.publicKey(key),
      key.id,
      Buffer.from(v.token, 'base64url'),
      Buffer.from(v.signature, 'base64url'),
    );
    if (!tokenHash) throw invalid('bad-token-signature', 'The upload token is not validly signed.');
    const today = isoDay(this.clock.now().getTime());
    if (v.onsetDate) {
      const onset = checkOnsetDate(v.onsetDate, key.sampleDate, today);
      if (!onset.ok) throw badRequest('identity-bad-onset-date', onset.detail, { reason: 'bad-onset-date' });
    }
    const onsetDayMs = dayMs(v.onsetDate ?? key.sampleDate);
    // The phone labels its keys itself; they must agree with the onset it claims here.
    const mismatch = ctx.keys.findIndex(
      (k) =>
        k.daysSinceOnsetOfSymptoms !== null &&
        k.daysSinceOnsetOfSymptoms !== daysSinceOnset(k.rollingStartIntervalNumber, onsetDayMs),
    );
    if (mismatch >= 0) {
      throw badRequest(
        'identity-dsos-mismatch',
        `keys[${mismatch}]: daysSinceOnsetOfSymptoms does not follow from the onset date.`,
        { reason: 'dsos-mismatch', keyIndex: mismatch },
      );
    }
    return {
      flow: 'identity',
      reportType: 1,
      maxKeys: key.maxKeys,
      onsetDayMs,
      spend: insertOnce(
        this.dataSource,
        SpentToken,
        { tokenHash, expiresAt: key.notAfter },
        () =>
          new ProblemException(
            409,
            'upload-token-used',
            'Upload not authorised',
            'This upload token was already used.',
            { reason: 'token-used' },
          ),
      ),
    };
  }
}
