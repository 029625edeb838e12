/**
 * EFGS wire model (docs/protocols/efgs.md §A2) and the gateway limits that the rest of this folder shares.
 * Field names follow the .proto except `daysSinceOnsetOfSymptoms`, which is camel-cased here and written as
 * `days_since_onset_of_symptoms` on the wire (protobuf and JSON).
 */

/**
 * `eu.interop.ReportType` has the same numbers as GAEN's; proto3 enums are open, so a decoded key may
 * carry a number outside this list.
 */
import { ReportType } from '../gaen/keys';

export { ReportType };

export interface DiagnosisKey {
  /** The 16-byte temporary exposure key. */
  keyData: Uint8Array;
  /** ENIntervalNumber (10-minute units since the epoch) when the key became valid; uint32. */
  rollingStartIntervalNumber: number;
  /** Validity in 10-minute intervals, 1..144; uint32. */
  rollingPeriod: number;
  /** 0..8, or {@link TRL_NOT_PROVIDED}; int32. */
  transmissionRiskLevel: number;
  /** ISO 3166-1 alpha-2 "countries of interest", in message order (the order is signed). */
  visitedCountries: string[];
  /** ISO 3166-1 alpha-2 country of the uploading backend. */
  origin: string;
  reportType: ReportType;
  /** sint32 on the wire; carries the EU encodings up to ~4000 (see `dsos.ts`). */
  daysSinceOnsetOfSymptoms: number;
}

export interface DiagnosisKeyBatch {
  keys: DiagnosisKey[];
}

/** TRL value meaning "not provided" (docs/protocols/efgs.md §A3). */
export const TRL_NOT_PROVIDED = 0x7fffffff;
/** Length of `keyData` in bytes (docs/protocols/efgs.md §A3). */
export const KEY_DATA_LENGTH = 16;
/** One day in 10-minute intervals: the maximum rolling period (docs/protocols/efgs.md §A3). */
export const MAX_ROLLING_PERIOD = 144;
/** Keys per upload above which the gateway answers 413 (docs/protocols/efgs.md §A3). */
export const MAX_UPLOAD_KEYS = 5000;
/** Keys per download batch the batching job aims for (`doclimit`, docs/protocols/efgs.md §A7). */
export const MAX_DOWNLOAD_BATCH_KEYS = 5000;
/** Download dates older than today (UTC) minus this many days answer 410 (docs/protocols/efgs.md §A3). */
export const DOWNLOAD_MAX_AGE_DAYS = 2;
