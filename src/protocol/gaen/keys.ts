/**
 * Diagnosis keys as objects (for APIs) and as columns (for bulk work: typed arrays, no object per key).
 */
import { KEY_LENGTH } from './constants';

/** Sentinel for "days since onset of symptoms not given" in key columns (Android uses Integer.MAX_VALUE). */
export const DSOS_MISSING = -0x80000000;
/** Sentinel for an absent optional int field in key columns. */
export const FIELD_ABSENT = -1;

/** Report types of a diagnosis key (docs/protocols/gaen.md §B5/§B7). */
export enum ReportType {
  UNKNOWN = 0,
  CONFIRMED_TEST = 1,
  CONFIRMED_CLINICAL_DIAGNOSIS = 2,
  SELF_REPORT = 3,
  RECURSIVE = 4,
  REVOKED = 5,
}

/**
 * A (diagnosis) Temporary Exposure Key as carried in an export (docs/protocols/gaen.md §B5
 * TemporaryExposureKey).
 */
export interface TemporaryExposureKey {
  /** 16 bytes. */
  keyData: Uint8Array;
  /** ENIntervalNumber at which the key became valid. */
  rollingStartIntervalNumber: number;
  /** Intervals the key was valid for, 1..144 (144 when absent on the wire). */
  rollingPeriod: number;
  /** Deprecated v1 risk level 0..8; kept for old readers. */
  transmissionRiskLevel?: number;
  reportType?: ReportType;
  /** Days since onset of symptoms (sint32 on the wire). */
  daysSinceOnsetOfSymptoms?: number;
  variantOfConcern?: number;
}

/** Diagnosis keys in columns: typed arrays indexed by key. */
export class KeyColumns {
  constructor(
    readonly count: number,
    /** count × 16 bytes. */
    readonly keyData: Uint8Array,
    readonly rollingStartIntervalNumber: Int32Array,
    /** 1..144. */
    readonly rollingPeriod: Uint8Array,
    /** FIELD_ABSENT when not set. */
    readonly transmissionRiskLevel: Int32Array,
    /** FIELD_ABSENT when not set. */
    readonly reportType: Int32Array,
    /** DSOS_MISSING when not set. */
    readonly daysSinceOnsetOfSymptoms: Int32Array,
    /** FIELD_ABSENT when not set. */
    readonly variantOfConcern: Int32Array,
  ) {}

  /** Empty columns with room for `capacity` keys, optional fields absent (docs/protocols/gaen.md §B5). */
  static allocate(capacity: number): KeyColumns {
    return new KeyColumns(
      capacity,
      new Uint8Array(capacity * KEY_LENGTH),
      new Int32Array(capacity),
      new Uint8Array(capacity),
      new Int32Array(capacity).fill(FIELD_ABSENT),
      new Int32Array(capacity).fill(FIELD_ABSENT),
      new Int32Array(capacity).fill(DSOS_MISSING),
      new Int32Array(capacity).fill(FIELD_ABSENT),
    );
  }

  /** Packs key objects into columns (docs/protocols/gaen.md §B5). */
  static fromKeys(keys: readonly TemporaryExposureKey[]): KeyColumns {
    const cols = KeyColumns.allocate(keys.length);
    keys.forEach((k, i) => {
      if (k.keyData.length !== KEY_LENGTH) throw new RangeError('keyData must be 16 bytes');
      cols.keyData.set(k.keyData, i * KEY_LENGTH);
      cols.rollingStartIntervalNumber[i] = k.rollingStartIntervalNumber;
      cols.rollingPeriod[i] = k.rollingPeriod;
      cols.transmissionRiskLevel[i] = k.transmissionRiskLevel ?? FIELD_ABSENT;
      cols.reportType[i] = k.reportType ?? FIELD_ABSENT;
      cols.daysSinceOnsetOfSymptoms[i] = k.daysSinceOnsetOfSymptoms ?? DSOS_MISSING;
      cols.variantOfConcern[i] = k.variantOfConcern ?? FIELD_ABSENT;
    });
    return cols;
  }

  /** Copies keys from..from+n-1 into the first n slots of `target`. */
  copyRange(from: number, n: number, target: KeyColumns): void {
    const to = from + n;
    target.keyData.set(this.keyData.subarray(from * KEY_LENGTH, to * KEY_LENGTH));
    target.rollingStartIntervalNumber.set(this.rollingStartIntervalNumber.subarray(from, to));
    target.rollingPeriod.set(this.rollingPeriod.subarray(from, to));
    target.transmissionRiskLevel.set(this.transmissionRiskLevel.subarray(from, to));
    target.reportType.set(this.reportType.subarray(from, to));
    target.daysSinceOnsetOfSymptoms.set(this.daysSinceOnsetOfSymptoms.subarray(from, to));
    target.variantOfConcern.set(this.variantOfConcern.subarray(from, to));
  }

  /** The first `count` keys, sharing memory with these columns. */
  view(count: number): KeyColumns {
    if (count > this.count) throw new RangeError('view larger than the columns');
    return new KeyColumns(
      count,
      this.keyData.subarray(0, count * KEY_LENGTH),
      this.rollingStartIntervalNumber.subarray(0, count),
      this.rollingPeriod.subarray(0, count),
      this.transmissionRiskLevel.subarray(0, count),
      this.reportType.subarray(0, count),
      this.daysSinceOnsetOfSymptoms.subarray(0, count),
      this.variantOfConcern.subarray(0, count),
    );
  }

  /** A copy that does not share memory with these columns. */
  copy(): KeyColumns {
    return new KeyColumns(
      this.count,
      this.keyData.slice(),
      this.rollingStartIntervalNumber.slice(),
      this.rollingPeriod.slice(),
      this.transmissionRiskLevel.slice(),
      this.reportType.slice(),
      this.daysSinceOnsetOfSymptoms.slice(),
      this.variantOfConcern.slice(),
    );
  }

  /** Key `i` as an object (copies its 16 bytes). */
  key(i: number): TemporaryExposureKey {
    const key: TemporaryExposureKey = {
      keyData: this.keyData.slice(i * KEY_LENGTH, (i + 1) * KEY_LENGTH),
      rollingStartIntervalNumber: this.rollingStartIntervalNumber[i],
      rollingPeriod: this.rollingPeriod[i],
    };
    if (this.transmissionRiskLevel[i] !== FIELD_ABSENT)
      key.transmissionRiskLevel = this.transmissionRiskLevel[i];
    if (this.reportType[i] !== FIELD_ABSENT) key.reportType = this.reportType[i];
    if (this.daysSinceOnsetOfSymptoms[i] !== DSOS_MISSING) {
      key.daysSinceOnsetOfSymptoms = this.daysSinceOnsetOfSymptoms[i];
    }
    if (this.variantOfConcern[i] !== FIELD_ABSENT) key.variantOfConcern = this.variantOfConcern[i];
    return key;
  }

  /** All keys as objects; fine for small exports, use the columns for large ones. */
  toArray(): TemporaryExposureKey[] {
    return Array.from({ length: this.count }, (_, i) => this.key(i));
  }
}
