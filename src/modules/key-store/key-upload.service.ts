import { Inject, Injectable } from '@nestjs/common';
import { badRequest, ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/errors';
import { Clock } from '../../infrastructure/clock';
import { isCountryCode } from '../../protocol/countries';
import {
  checkUploadKeys,
  daysSinceOnset,
  exportableFrom,
  receiptTime,
  type KeyUploadRequest,
} from '../../protocol/key-upload';
import { KeyStorage } from './storage/key-storage';
import { UploadAuthorizers } from './upload-authorization';

/** Validates, authorises and stores one upload of diagnosis keys, all or nothing. */
@Injectable()
export class KeyUploadService {
  constructor(
    private readonly storage: KeyStorage,
    private readonly authorizers: UploadAuthorizers,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks every key and country, verifies the proof with the flow that applies, then stores the keys
   * and spends the proof in one transaction. Returns the number of keys stored.
   */
  async upload(body: KeyUploadRequest, authorization: string | undefined): Promise<number> {
    const now = this.clock.now();
    const checked = checkUploadKeys(body.keys, now.getTime(), {
      maxKeys: 30,
      retentionDays: this.config.keyStore.retentionDays,
      maxDaysSinceOnset: 14,
    });
    if (!checked.ok)
      throw badRequest(`key-${checked.reason}`, checked.detail, {
        reason: checked.reason,
        keyIndex: checked.keyIndex,
      });
    const origin = body.origin ?? this.config.keyStore.homeRegion;
    if (!isCountryCode(origin))
      throw badRequest('bad-country', `origin "${origin}" is not an ISO 3166-1 alpha-2 code.`, {
        reason: 'bad-country',
      });
    const visited = [...new Set(body.visitedCountries ?? [])];
    const badVisited = visited.findIndex((c) => !isCountryCode(c));
    if (badVisited >= 0) {
      throw badRequest('bad-country', `visitedCountries[${badVisited}] is not an ISO 3166-1 alpha-2 code.`, {
        reason: 'bad-country',
      });
    }
    const grant = await this.authorizers.authorize({ authorization, body, keys: checked.keys });
    if (checked.keys.length > grant.maxKeys) {
      throw badRequest('key-too-many-keys', `This verification allows at most ${grant.maxKeys} keys.`, {
        reason: 'too-many-keys',
      });
    }
    const rows = checked.keys.map((k) => ({
      keyData: k.keyData,
      rollingStartIntervalNumber: k.rollingStartIntervalNumber,
      rollingPeriod: k.rollingPeriod,
      transmissionRiskLevel: k.transmissionRiskLevel,
      reportType: grant.reportType,
      daysSinceOnsetOfSymptoms:
        k.daysSinceOnsetOfSymptoms ??
        (grant.onsetDayMs !== undefined
          ? clampDsos(daysSinceOnset(k.rollingStartIntervalNumber, grant.onsetDayMs))
          : null),
      origin,
      region: this.config.keyStore.homeRegion,
      visitedCountries: visited,
      consentToFederation: body.consentToFederation === true,
      source: 'app',
      flow: grant.flow,
      receivedAt: receiptTime(now, this.config.keyStore.receiptResolutionMs),
      availableAt: exportableFrom(
        k,
        now,
        this.config.keyStore.embargoMs,
        this.config.keyStore.receiptResolutionMs,
      ),
    }));
    try {
      // A replayed proof fails at the spend (refused as such, whatever its keys); a key stored before
      // fails the insert, and the proof stays unspent.
      await this.storage.storeUpload({
        spend: grant.spend,
        rows,
        alsoInTransaction: grant.alsoInTransaction,
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const stored = await this.storage.storedKeys(rows.map((r) => r.keyData));
      const index = Math.max(
        rows.findIndex((r) => stored.has(r.keyData.toString('hex'))),
        0,
      );
      throw new ProblemException(409, 'duplicate-key', 'Conflict', `keys[${index}] was uploaded before.`, {
        reason: 'duplicate-key',
        keyIndex: index,
      });
    }
    return rows.length;
  }
}

/** DSOS beyond ±14 carries no infectiousness in the v2 model (docs/protocols/gaen.md §B7); keep it within the range. */
function clampDsos(dsos: number): number {
  return Math.max(-14, Math.min(14, dsos));
}
