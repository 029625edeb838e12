import { isCountryCode } from '../../../protocol/countries';
import {
  encodeDsos,
  TRL_NOT_PROVIDED,
  type DiagnosisKey,
  type DsosMeaning,
  type KeptKey,
} from '../../../protocol/efgs';
import { DAY_MS, INTERVAL_MS } from '../../../protocol/gaen/constants';
import { exportableFrom, receiptTime } from '../../../protocol/key-upload';
import type { DiagnosisKey as StoredKey } from '../../key-store/entities/diagnosis-key.entity';

/**
 * DSOS range the GAEN v2 infectiousness model uses (docs/protocols/gaen.md §B7); beyond it a phone treats
 * DSOS as missing.
 */
const GAEN_DSOS_MAX = 14;

/**
 * One of our stored keys as the EFGS wire key (docs/protocols/efgs.md §A2). A missing TRL is sent as "not
 * provided"; a missing DSOS as "symptom status unknown" relative to the submission day (4000 + d,
 * docs/protocols/efgs.md §A10), so receivers can still derive a TRL from it.
 */
export function toEfgsKey(row: StoredKey): DiagnosisKey {
  let dsos = row.daysSinceOnsetOfSymptoms;
  if (dsos === null) {
    const keyDay = Math.floor((row.rollingStartIntervalNumber * INTERVAL_MS) / DAY_MS);
    const submissionDay = Math.floor(row.receivedAt.getTime() / DAY_MS);
    dsos = encodeDsos({
      kind: 'unknownStatus',
      daysSinceSubmission: Math.max(-14, Math.min(0, keyDay - submissionDay)),
    });
  }
  return {
    keyData: new Uint8Array(row.keyData),
    rollingStartIntervalNumber: row.rollingStartIntervalNumber,
    rollingPeriod: row.rollingPeriod,
    transmissionRiskLevel: row.transmissionRiskLevel ?? TRL_NOT_PROVIDED,
    visitedCountries: row.visitedCountries,
    origin: row.origin,
    reportType: row.reportType,
    daysSinceOnsetOfSymptoms: dsos,
  };
}

/**
 * The GAEN days-since-onset for our exports from a decoded EFGS DSOS: exact onsets and the end of an
 * onset range within ±14 days; everything else (unknown onset, asymptomatic, unknown status) has no
 * onset day, so it is stored as missing and phones use their "DSOS missing" infectiousness.
 */
export function gaenDaysSinceOnset(meaning: DsosMeaning | undefined): number | null {
  if (meaning === undefined) return null;
  const days =
    meaning.kind === 'exactOnset'
      ? meaning.daysSinceOnset
      : meaning.kind === 'onsetRange'
        ? meaning.daysSinceLastDayOfInterval
        : undefined;
  return days !== undefined && Math.abs(days) <= GAEN_DSOS_MAX ? days : null;
}

/** A downloaded, screened key as a row of our key store, for the export region of its origin. */
export function toStoredKey(
  kept: KeptKey,
  region: string,
  now: Date,
  embargoMs: number,
): Omit<StoredKey, 'id'> {
  const { key } = kept;
  return {
    keyData: Buffer.from(key.keyData),
    rollingStartIntervalNumber: key.rollingStartIntervalNumber,
    rollingPeriod: key.rollingPeriod,
    transmissionRiskLevel: kept.trlUsable ? key.transmissionRiskLevel : null,
    reportType: key.reportType,
    daysSinceOnsetOfSymptoms: gaenDaysSinceOnset(kept.dsos),
    origin: key.origin,
    region,
    visitedCountries: key.visitedCountries.filter(isCountryCode),
    // Never forwarded again: only our own apps' consents count for federation.
    consentToFederation: false,
    source: 'federation',
    flow: 'efgs',
    receivedAt: receiptTime(now),
    availableAt: exportableFrom(key, now, embargoMs),
  };
}
