/**
 * The key upload an app makes (JSON over REST) and the rules the server applies to it. Framework-free: the
 * phone core builds uploads with these types, the server validates them with `checkUploadKeys`. Rules follow
 * the Google reference server (docs/protocols/gaen.md §B6) but are stricter: aligned daily keys only and no
 * overlapping days.
 */
import { DAY_MS, KEY_LENGTH, TEK_ROLLING_PERIOD } from '../gaen/constants';
import { enIntervalNumberFromMs, intervalStartMs } from '../gaen/interval';

/** One key as JSON: base64 key data plus GAEN metadata. */
export interface UploadedKey {
  /** Base64 (standard alphabet) of the 16-byte TEK. */
  key: string;
  rollingStartIntervalNumber: number;
  /** 1..144 intervals of 10 minutes. */
  rollingPeriod: number;
  /** 0..8; deprecated in GAEN v1.5 but still carried. */
  transmissionRiskLevel?: number;
  /** −14..14; when absent the server derives it from the verified symptom onset or sample date. */
  daysSinceOnsetOfSymptoms?: number;
}

/** The body of `POST /api/v1/diagnosis-keys`. */
export interface KeyUploadRequest {
  keys: UploadedKey[];
  /** ISO 3166-1 alpha-2 of the uploading app's backend; defaults to the server's home region. */
  origin?: string;
  /** ISO 3166-1 alpha-2 countries the user visited (for federation). */
  visitedCountries?: string[];
  /** The user agreed to share these keys with other countries. */
  consentToFederation?: boolean;
  /** Random filler so request sizes reveal nothing; ignored. */
  padding?: string;
  /** Proof from a verification flow other than a bearer token (e.g. a professional's signature). */
  verification?: Record<string, unknown>;
}

/** One file in a region's export index (`GET /api/v1/exports/{region}/index.json`), oldest first. */
export interface ExportIndexEntry {
  name: string;
  /** Path of the file, relative to the server. */
  url: string;
  keys: number;
  bytes: number;
  /** Hex SHA-256 of the file, also its ETag. */
  sha256: string;
  startTimestamp: number;
  endTimestamp: number;
}

export interface UploadRules {
  maxKeys: number;
  /** How many whole days before today a key may start (GAEN keeps 14 days). */
  retentionDays: number;
  maxDaysSinceOnset: number;
}

export const DEFAULT_UPLOAD_RULES: UploadRules = { maxKeys: 30, retentionDays: 14, maxDaysSinceOnset: 14 };

/** A key that passed the checks, decoded. */
export interface CheckedKey {
  keyData: Buffer;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
  transmissionRiskLevel: number | null;
  daysSinceOnsetOfSymptoms: number | null;
}

export type KeyRefusalReason =
  | 'no-keys'
  | 'too-many-keys'
  | 'not-a-key'
  | 'unknown-field'
  | 'bad-key-data'
  | 'bad-rolling-period'
  | 'start-not-aligned'
  | 'start-in-future'
  | 'too-old'
  | 'overlapping-keys'
  | 'bad-transmission-risk'
  | 'bad-days-since-onset';

export type UploadCheck =
  | { ok: true; keys: CheckedKey[] }
  | { ok: false; reason: KeyRefusalReason; keyIndex?: number; detail: string };

const KEY_FIELDS = new Set([
  'key',
  'rollingStartIntervalNumber',
  'rollingPeriod',
  'transmissionRiskLevel',
  'daysSinceOnsetOfSymptoms',
]);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks the keys of one upload at time `nowMs`; the first problem found is returned with the index of
 * the key it concerns, so the app (and its developer) knows exactly what was wrong.
 */
export function checkUploadKeys(
  keys: readonly UploadedKey[],
  nowMs: number,
  rules: UploadRules = DEFAULT_UPLOAD_RULES,
): UploadCheck {
  if (keys.length === 0) return { ok: false, reason: 'no-keys', detail: 'An upload needs at least one key.' };
  if (keys.length > rules.maxKeys) {
    return {
      ok: false,
      reason: 'too-many-keys',
      detail: `At most ${rules.maxKeys} keys per upload; got ${keys.length}.`,
    };
  }
  const nowInterval = enIntervalNumberFromMs(nowMs);
  const todayStart = Math.floor(nowInterval / TEK_ROLLING_PERIOD) * TEK_ROLLING_PERIOD;
  const oldestStart = todayStart - rules.retentionDays * TEK_ROLLING_PERIOD;
  const checked: CheckedKey[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const refuse = (reason: KeyRefusalReason, detail: string): UploadCheck => ({
      ok: false,
      reason,
      keyIndex: i,
      detail: `keys[${i}]: ${detail}`,
    });
    // The request's JSON as parsed: every entry is checked here, shape included.
    if (typeof k !== 'object' || k === null || Array.isArray(k))
      return refuse('not-a-key', 'must be an object.');
    for (const field in k)
      if (!KEY_FIELDS.has(field)) return refuse('unknown-field', `unknown field "${field}".`);
    const data = typeof k.key === 'string' && BASE64.test(k.key) ? Buffer.from(k.key, 'base64') : null;
    if (!data || data.length !== KEY_LENGTH)
      return refuse('bad-key-data', `key must be ${KEY_LENGTH} bytes in base64.`);
    if (!Number.isInteger(k.rollingPeriod) || k.rollingPeriod < 1 || k.rollingPeriod > TEK_ROLLING_PERIOD) {
      return refuse('bad-rolling-period', `rollingPeriod must be 1..${TEK_ROLLING_PERIOD}.`);
    }
    const start = k.rollingStartIntervalNumber;
    if (!Number.isInteger(start) || start < 0 || start % TEK_ROLLING_PERIOD !== 0) {
      return refuse(
        'start-not-aligned',
        'rollingStartIntervalNumber must be a UTC midnight (a multiple of 144).',
      );
    }
    if (start > nowInterval)
      return refuse('start-in-future', 'rollingStartIntervalNumber lies in the future.');
    if (start < oldestStart) return refuse('too-old', `the key is older than ${rules.retentionDays} days.`);
    const trl = k.transmissionRiskLevel;
    if (trl !== undefined && trl !== null && (!Number.isInteger(trl) || trl < 0 || trl > 8)) {
      return refuse('bad-transmission-risk', 'transmissionRiskLevel must be 0..8.');
    }
    const dsos = k.daysSinceOnsetOfSymptoms;
    if (
      dsos !== undefined &&
      dsos !== null &&
      (!Number.isInteger(dsos) || Math.abs(dsos) > rules.maxDaysSinceOnset)
    ) {
      return refuse(
        'bad-days-since-onset',
        `daysSinceOnsetOfSymptoms must be within ±${rules.maxDaysSinceOnset}.`,
      );
    }
    checked.push({
      keyData: data,
      rollingStartIntervalNumber: start,
      rollingPeriod: k.rollingPeriod,
      transmissionRiskLevel: trl ?? null,
      daysSinceOnsetOfSymptoms: dsos ?? null,
    });
  }
  // Aligned starts make "one key per day" the same as "no overlapping validity".
  const byStart = checked
    .map((k, i) => ({ k, i }))
    .sort((a, b) => a.k.rollingStartIntervalNumber - b.k.rollingStartIntervalNumber);
  for (let j = 1; j < byStart.length; j++) {
    const prev = byStart[j - 1];
    const cur = byStart[j];
    if (cur.k.rollingStartIntervalNumber < prev.k.rollingStartIntervalNumber + prev.k.rollingPeriod) {
      return {
        ok: false,
        reason: 'overlapping-keys',
        keyIndex: cur.i,
        detail: `keys[${cur.i}] overlaps keys[${prev.i}]: at most one key per day.`,
      };
    }
  }
  return { ok: true, keys: checked };
}

/**
 * Whole days from the symptom-onset (or sample) day to the key's day, as GAEN's DSOS
 * (docs/protocols/gaen.md §B7).
 */
export function daysSinceOnset(rollingStartIntervalNumber: number, onsetDayStartMs: number): number {
  return Math.round((intervalStartMs(rollingStartIntervalNumber) - onsetDayStartMs) / DAY_MS);
}

/**
 * Default resolution of the times stored with an uploaded key. A receipt time to the millisecond would
 * pair the upload with the login, the signing request or a proxy log line of the same moment; to the hour
 * it says only which hour (Google's exposure-notifications server truncates its CreatedAt to 1 h,
 * TRUNCATE_WINDOW).
 */
export const RECEIPT_RESOLUTION_MS = 3_600_000;

/** The receipt time as stored: the start of the period (of `resolutionMs`, UTC) the upload arrived in. */
export function receiptTime(now: Date, resolutionMs = RECEIPT_RESOLUTION_MS): Date {
  return new Date(Math.floor(now.getTime() / resolutionMs) * resolutionMs);
}

/**
 * When a stored key may first be exported: not while its RPIs can still be broadcast or matched, i.e. after
 * its validity end plus an embargo (for clock skew and late scans), and never before the end of the period
 * (see `receiptTime`) it was stored in. Rounding the upload time up, never down, keeps it out of every
 * export window that closed before the upload, and the exports say no more about the upload time than the
 * stored receipt time; the key-derived time needs no rounding, as it says nothing about the upload.
 */
export function exportableFrom(
  key: { rollingStartIntervalNumber: number; rollingPeriod: number },
  storedAt: Date,
  embargoMs: number,
  resolutionMs = RECEIPT_RESOLUTION_MS,
): Date {
  const validUntilMs = intervalStartMs(key.rollingStartIntervalNumber + key.rollingPeriod);
  const storedPeriodEndMs = Math.ceil(storedAt.getTime() / resolutionMs) * resolutionMs;
  return new Date(Math.max(storedPeriodEndMs, validUntilMs + embargoMs));
}
