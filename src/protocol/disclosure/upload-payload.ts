/**
 * The canonical encoding of the upload a phone intends to make, and its 32-byte SHA-256 "upload hash"
 * (docs/protocols/dp3t-backoffice.md §D4: the phone registers a 32-byte hash of what it will upload). The
 * phone hashes before the GP signs; the backend re-encodes the keys it receives and compares, so the encoding
 * must not depend on key order, JSON formatting or field order. Hence a fixed-width binary form.
 *
 * Format `veilig.upload.v1` (all integers big-endian, two's complement where signed):
 *
 * | bytes | field |
 * |---|---|
 * | 17 | ASCII `veilig.upload.v1` followed by one 0x00 byte (domain separation) |
 * | 2 | origin country, ISO 3166-1 alpha-2, upper-case ASCII |
 * | 1 | consent to federation: 0x00 no, 0x01 yes |
 * | 1 | number of visited countries V (0–64) |
 * | 2·V | visited countries, upper-case ASCII, sorted ascending, no duplicates |
 * | 2 | number of keys K (1–1000), uint16 |
 * | 34·K | keys sorted by key bytes (unsigned lexicographic), no duplicate key bytes, each: |
 * |   16 | key (TEK) |
 * |   4 | rollingStartIntervalNumber, uint32 |
 * |   4 | rollingPeriod, uint32 (1–144) |
 * |   4 | transmissionRiskLevel, int32 (0–8, or 0x7FFFFFFF "not provided", docs/protocols/efgs.md §A3) |
 * |   1 | daysSinceOnsetOfSymptoms present: 0x00 absent, 0x01 present |
 * |   4 | daysSinceOnsetOfSymptoms, int32 (0 when absent) |
 * |   1 | reportType (0–5, EFGS ReportType, docs/protocols/efgs.md §A2) |
 *
 * Inputs that would make the encoding ambiguous (duplicate keys or countries, out-of-range values) are
 * refused rather than normalised, so two different uploads can never share a hash.
 */
import { compareBytes, concatBytes, constantTimeEqual, sha256, toHex, utf8 } from '../cms/bytes';

/** EFGS ReportType (docs/protocols/efgs.md §A2). */
export const REPORT_TYPES = {
  UNKNOWN: 0,
  CONFIRMED_TEST: 1,
  CONFIRMED_CLINICAL_DIAGNOSIS: 2,
  SELF_REPORT: 3,
  RECURSIVE: 4,
  REVOKED: 5,
} as const;
export type ReportType = (typeof REPORT_TYPES)[keyof typeof REPORT_TYPES];

/** "No transmission risk level provided" (docs/protocols/efgs.md §A3). */
export const TRL_NOT_PROVIDED = 0x7fffffff;

/** One temporary exposure key as the phone will upload it. */
export interface UploadKey {
  /** 16-byte TEK. */
  readonly key: Uint8Array;
  /** ENIntervalNumber (10-minute units since the epoch) when the key became valid. */
  readonly rollingStartIntervalNumber: number;
  /** Validity in 10-minute intervals, 1–144. */
  readonly rollingPeriod: number;
  /** 0–8, or `TRL_NOT_PROVIDED`. */
  readonly transmissionRiskLevel: number;
  /** Days since onset of symptoms (may be negative or an EU encoding), or null when unknown. */
  readonly daysSinceOnsetOfSymptoms: number | null;
  readonly reportType: ReportType;
}

/** The upload the phone commits to before the GP signs. */
export interface UploadPayload {
  readonly keys: readonly UploadKey[];
  /** ISO 3166-1 alpha-2 of the uploading backend, e.g. `NL`. */
  readonly origin: string;
  /** ISO 3166-1 alpha-2 codes of countries of interest, any order. */
  readonly visitedCountries: readonly string[];
  /** The patient agreed to sharing the keys with other countries (EFGS). */
  readonly consentToFederation: boolean;
}

/** Thrown when a payload cannot be encoded canonically; `field` names the offending input. */
export class UploadPayloadError extends Error {
  override readonly name = 'UploadPayloadError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const LABEL = concatBytes(utf8('veilig.upload.v1'), new Uint8Array([0]));
const KEY_RECORD = 34;
export const MAX_UPLOAD_KEYS = 1000;
const MAX_VISITED = 64;

/**
 * Encodes the payload canonically (format `veilig.upload.v1`, see the file header).
 * @throws UploadPayloadError for values outside the documented ranges or duplicates.
 * Spec: format `veilig.upload.v1` (file header); fields per docs/protocols/efgs.md §A2–§A3.
 */
export function encodeUploadPayload(payload: UploadPayload): Uint8Array {
  const origin = country(payload.origin, 'origin');
  const visited = payload.visitedCountries.map((c, i) => country(c, `visitedCountries[${i}]`)).sort();
  if (visited.length > MAX_VISITED)
    throw new UploadPayloadError('visitedCountries', `more than ${MAX_VISITED}`);
  visited.forEach((c, i) => {
    if (i > 0 && c === visited[i - 1]) throw new UploadPayloadError('visitedCountries', `duplicate ${c}`);
  });
  if (payload.keys.length < 1 || payload.keys.length > MAX_UPLOAD_KEYS)
    throw new UploadPayloadError('keys', `between 1 and ${MAX_UPLOAD_KEYS} keys required`);

  const records = payload.keys.map((k, i) => keyRecord(k, `keys[${i}]`)).sort(compareBytes);
  records.forEach((r, i) => {
    if (i > 0 && compareBytes(r.subarray(0, 16), records[i - 1].subarray(0, 16)) === 0)
      throw new UploadPayloadError('keys', 'duplicate key');
  });

  const header = new Uint8Array(2 + 1 + 1 + 2 * visited.length + 2);
  const view = new DataView(header.buffer);
  header.set(utf8(origin), 0);
  header[2] = payload.consentToFederation ? 1 : 0;
  header[3] = visited.length;
  visited.forEach((c, i) => header.set(utf8(c), 4 + 2 * i));
  view.setUint16(4 + 2 * visited.length, records.length);
  return concatBytes(LABEL, header, ...records);
}

/**
 * The upload hash: SHA-256 over `encodeUploadPayload(payload)`, 32 bytes.
 * @throws UploadPayloadError
 * Spec: docs/protocols/dp3t-backoffice.md §D4 (32-byte hash); FIPS 180-4.
 */
export async function computeUploadHash(payload: UploadPayload): Promise<Uint8Array> {
  return sha256(encodeUploadPayload(payload));
}

/**
 * Compares upload hashes in constant time (a hash is what binds the GP's approval to the keys). Spec:
 * docs/protocols/dp3t-backoffice.md §D7.
 */
export function uploadHashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === 32 && constantTimeEqual(a, b);
}

/**
 * A short, readable fingerprint of an upload hash for the clinician's screen: the first 8 bytes as four
 * groups of 4 hex digits (`3f2a 91c0 …`). For recognition only; comparisons use the full hash. Spec:
 * docs/protocols/dp3t-backoffice.md §D8 (what the clinician sees).
 */
export function uploadHashFingerprint(hash: Uint8Array): string {
  if (hash.length !== 32) throw new RangeError('an upload hash has 32 bytes');
  return (toHex(hash.subarray(0, 8)).match(/.{4}/g) ?? []).join(' ');
}

function keyRecord(k: UploadKey, field: string): Uint8Array {
  if (!(k.key instanceof Uint8Array) || k.key.length !== 16)
    throw new UploadPayloadError(`${field}.key`, 'must be 16 bytes');
  integerInRange(k.rollingStartIntervalNumber, 0, 0xffffffff, `${field}.rollingStartIntervalNumber`);
  integerInRange(k.rollingPeriod, 1, 144, `${field}.rollingPeriod`);
  if (k.transmissionRiskLevel !== TRL_NOT_PROVIDED)
    integerInRange(k.transmissionRiskLevel, 0, 8, `${field}.transmissionRiskLevel`);
  if (k.daysSinceOnsetOfSymptoms !== null)
    integerInRange(k.daysSinceOnsetOfSymptoms, -0x80000000, 0x7fffffff, `${field}.daysSinceOnsetOfSymptoms`);
  integerInRange(k.reportType, 0, 5, `${field}.reportType`);
  const record = new Uint8Array(KEY_RECORD);
  const view = new DataView(record.buffer);
  record.set(k.key, 0);
  view.setUint32(16, k.rollingStartIntervalNumber);
  view.setUint32(20, k.rollingPeriod);
  view.setInt32(24, k.transmissionRiskLevel);
  record[28] = k.daysSinceOnsetOfSymptoms === null ? 0 : 1;
  view.setInt32(29, k.daysSinceOnsetOfSymptoms ?? 0);
  record[33] = k.reportType;
  return record;
}

function integerInRange(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UploadPayloadError(field, `must be an integer in ${min}..${max}`);
}

function country(value: string, field: string): string {
  if (!/^[A-Z]{2}$/.test(value))
    throw new UploadPayloadError(field, 'must be an upper-case ISO 3166-1 alpha-2 code');
  return value;
}
