/**
 * Days since onset of symptoms (DSOS) and infectiousness per diagnosis key (docs/protocols/gaen.md §B6–§B7),
 * shared by the phone (which labels its keys before upload) and the server (which checks the onset date an
 * upload claims). The onset is the day symptoms began, or the sample date when the person reports none.
 */
import {
  DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING,
  Infectiousness,
  keyDayStartMs,
  resolveKeyRisk,
  type DiagnosisKeysDataMapping,
  type ReportType,
  type TemporaryExposureKey,
} from '../gaen';
import { dayMs, daysBetween } from './rules';

/** DSOS beyond ±14 carries no meaning in GAEN (docs/protocols/gaen.md §B6 MAX_SYMPTOM_ONSET_DAYS). */
export const MAX_DAYS_SINCE_ONSET = 14;

/**
 * Whole days from the onset day to the key's day: 0 on the onset day, negative before it
 * (docs/protocols/gaen.md §B7).
 */
export function daysSinceOnsetOfKey(rollingStartIntervalNumber: number, onsetDate: string): number {
  return Math.round((keyDayStartMs(rollingStartIntervalNumber) - dayMs(onsetDate)) / 86_400_000);
}

/**
 * Infectiousness GAEN assigns to a key with this DSOS under `mapping` (docs/protocols/gaen.md §B7
 * daysSinceOnsetToInfectiousness).
 */
export function infectiousnessOf(
  daysSinceOnset: number,
  mapping: DiagnosisKeysDataMapping = DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING,
): Infectiousness {
  return (
    resolveKeyRisk({ reportType: 1, daysSinceOnsetOfSymptoms: daysSinceOnset }, mapping)?.infectiousness ??
    Infectiousness.NONE
  );
}

export type OnsetCheck = { ok: true } | { ok: false; detail: string };

/**
 * An onset date is plausible when it is not in the future and at most 14 days before the sample: an
 * earlier onset would put every key of the last 14 days past the infectious period.
 */
export function checkOnsetDate(onsetDate: string, sampleDate: string, today: string): OnsetCheck {
  if (onsetDate > today) return { ok: false, detail: 'The symptom onset date lies in the future.' };
  if (daysBetween(onsetDate, sampleDate) > MAX_DAYS_SINCE_ONSET) {
    return {
      ok: false,
      detail: `The symptom onset date lies more than ${MAX_DAYS_SINCE_ONSET} days before the sample date.`,
    };
  }
  return { ok: true };
}

/** A diagnosis key labelled for upload. */
export interface LabelledKey {
  key: TemporaryExposureKey;
  daysSinceOnsetOfSymptoms: number;
  infectiousness: Infectiousness;
}

/**
 * Labels each key with its DSOS from `onsetDate` (or the sample date) and the infectiousness that implies;
 * keys whose infectiousness is NONE are dropped, because every matching phone would drop them too
 * (docs/protocols/gaen.md §B7) and uploading them would only reveal more of the person's keys.
 */
export function labelDiagnosisKeys(
  keys: readonly TemporaryExposureKey[],
  onsetDate: string,
  options: { reportType?: ReportType; mapping?: DiagnosisKeysDataMapping } = {},
): LabelledKey[] {
  const out: LabelledKey[] = [];
  for (const k of keys) {
    const dsos = daysSinceOnsetOfKey(k.rollingStartIntervalNumber, onsetDate);
    if (Math.abs(dsos) > MAX_DAYS_SINCE_ONSET) continue;
    const infectiousness = infectiousnessOf(dsos, options.mapping);
    if (infectiousness === Infectiousness.NONE) continue;
    out.push({
      key: {
        ...k,
        daysSinceOnsetOfSymptoms: dsos,
        ...(options.reportType !== undefined ? { reportType: options.reportType } : {}),
      },
      daysSinceOnsetOfSymptoms: dsos,
      infectiousness,
    });
  }
  return out;
}
