/**
 * The v2 ("ExposureWindow") risk model of Exposure Notifications as pure functions
 * (docs/protocols/gaen.md §B7): diagnosis key metadata → infectiousness and report type, exposure windows →
 * weighted durations and scores → daily summaries → notify or not. Nothing here reads a clock: callers pass
 * `nowMs`.
 */
import { DAY_MS, RETENTION_DAYS } from './constants';
import { utcDayStartMs } from './interval';
import { ReportType } from './keys';

/** Infectiousness of the key's owner on the key's day (docs/protocols/gaen.md §B7). */
export enum Infectiousness {
  NONE = 0,
  STANDARD = 1,
  HIGH = 2,
}

/** Calibration confidence of the transmitting phone, from its metadata (docs/protocols/gaen.md §B7). */
export enum CalibrationConfidence {
  LOWEST = 0,
  LOW = 1,
  MEDIUM = 2,
  HIGH = 3,
}

/** One scan in which the phone heard an RPI of the window's key (docs/protocols/gaen.md §B7 ScanInstance). */
export interface ScanInstance {
  /** round(mean attenuation) of the sightings in this scan, dB. */
  typicalAttenuationDb: number;
  /** Lowest attenuation in this scan, dB. */
  minAttenuationDb: number;
  /** Time since the phone's previous scan, seconds, capped at 300 (docs/protocols/gaen.md §B4). */
  secondsSinceLastScan: number;
}

/** Sightings of one diagnosis key within at most 30 minutes (docs/protocols/gaen.md §B7 ExposureWindow). */
export interface ExposureWindow {
  /** Start of the UTC day of the key (ms since epoch). */
  dateMs: number;
  reportType: ReportType;
  infectiousness: Infectiousness;
  calibrationConfidence: CalibrationConfidence;
  scanInstances: ScanInstance[];
}

/** How a diagnosis key's report type and days since onset map to risk inputs (docs/protocols/gaen.md §B7). */
export interface DiagnosisKeysDataMapping {
  /** Infectiousness per days since onset, −14..+14; days not listed are NONE. */
  daysSinceOnsetToInfectiousness: Readonly<Record<number, Infectiousness>>;
  /** Used when the key has no days since onset, or one outside ±14. */
  infectiousnessWhenDaysSinceOnsetMissing: Infectiousness;
  /** Used when the key has no report type (or UNKNOWN); must be 1..4. */
  reportTypeWhenMissing: ReportType;
}

/** Parameters of the daily-summary computation (docs/protocols/gaen.md §B7 DailySummariesConfig). */
export interface DailySummariesConfig {
  /** Three increasing attenuation thresholds in dB: immediate ≤ t0 < near ≤ t1 < medium ≤ t2 < other. */
  attenuationBucketThresholdDb: readonly [number, number, number];
  /** Weights of the immediate, near, medium and other buckets, each 0..2.5. */
  attenuationBucketWeights: readonly [number, number, number, number];
  /** Weight per report type, 0..2.5; types not listed weigh 0. */
  reportTypeWeights: Readonly<Partial<Record<ReportType, number>>>;
  /** Weight of STANDARD and HIGH infectiousness, 0..2.5 (NONE windows never exist). */
  infectiousnessWeights: Readonly<{ [Infectiousness.STANDARD]: number; [Infectiousness.HIGH]: number }>;
  /** Only days at most this many days before now are summarised; 0 = no limit. */
  daysSinceExposureThreshold: number;
  /** Windows scoring below this are ignored. */
  minimumWindowScore: number;
}

/** When the app tells the user (app policy on top of the OS summaries). */
export interface NotificationPolicy {
  /** Notify when one day's score sum reaches this many weighted seconds (900 = 15 weighted minutes). */
  minimumScorePerDaySeconds: number;
}

/** All risk settings the matcher needs. */
export interface RiskConfig {
  mapping: DiagnosisKeysDataMapping;
  dailySummaries: DailySummariesConfig;
  notification: NotificationPolicy;
}

function dsosRange(from: number, to: number, value: Infectiousness): Record<number, Infectiousness> {
  const out: Record<number, Infectiousness> = {};
  for (let d = from; d <= to; d++) out[d] = value;
  return out;
}

/**
 * Default mapping (our choice, not an OS default): HIGH from 2 days before to 5 days after symptom onset,
 * STANDARD from 5 days before and until 14 days after, NONE earlier; STANDARD when onset is unknown; a key
 * without report type counts as CONFIRMED_TEST, because our server only accepts verified uploads.
 */
export const DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING: DiagnosisKeysDataMapping = {
  daysSinceOnsetToInfectiousness: {
    ...dsosRange(-14, -6, Infectiousness.NONE),
    ...dsosRange(-5, -3, Infectiousness.STANDARD),
    ...dsosRange(-2, 5, Infectiousness.HIGH),
    ...dsosRange(6, 14, Infectiousness.STANDARD),
  },
  infectiousnessWhenDaysSinceOnsetMissing: Infectiousness.STANDARD,
  reportTypeWhenMissing: ReportType.CONFIRMED_TEST,
};

/**
 * Default daily-summary config (our choice): thresholds 55/63/73 dB with weights 1/1/0.5/0, so that ~2 m
 * counts fully and beyond ~8 m (under the simulator's path-loss model) not at all; HIGH infectiousness weighs
 * 1.5; confirmed test and clinical diagnosis 1.0, self report 0.5, recursive 0; the 14 days phones keep.
 */
export const DEFAULT_DAILY_SUMMARIES_CONFIG: DailySummariesConfig = {
  attenuationBucketThresholdDb: [55, 63, 73],
  attenuationBucketWeights: [1.0, 1.0, 0.5, 0.0],
  reportTypeWeights: {
    [ReportType.CONFIRMED_TEST]: 1.0,
    [ReportType.CONFIRMED_CLINICAL_DIAGNOSIS]: 1.0,
    [ReportType.SELF_REPORT]: 0.5,
    [ReportType.RECURSIVE]: 0.0,
  },
  infectiousnessWeights: { [Infectiousness.STANDARD]: 1.0, [Infectiousness.HIGH]: 1.5 },
  daysSinceExposureThreshold: RETENTION_DAYS,
  minimumWindowScore: 0,
};

/** Default notification policy: 15 weighted minutes on one day (a common "close contact" rule). */
export const DEFAULT_NOTIFICATION_POLICY: NotificationPolicy = { minimumScorePerDaySeconds: 900 };

/** All defaults together. */
export const DEFAULT_RISK_CONFIG: RiskConfig = {
  mapping: DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING,
  dailySummaries: DEFAULT_DAILY_SUMMARIES_CONFIG,
  notification: DEFAULT_NOTIFICATION_POLICY,
};

/**
 * Merges a partial config over the defaults and validates it; throws RangeError naming the bad field
 * (docs/protocols/gaen.md §B7).
 */
export function resolveRiskConfig(partial: DeepPartialRiskConfig = {}): RiskConfig {
  const config: RiskConfig = {
    mapping: { ...DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING, ...partial.mapping },
    dailySummaries: { ...DEFAULT_DAILY_SUMMARIES_CONFIG, ...partial.dailySummaries },
    notification: { ...DEFAULT_NOTIFICATION_POLICY, ...partial.notification },
  };
  validateRiskConfig(config);
  return config;
}

/** A RiskConfig where each of the three parts may be partly given. */
export interface DeepPartialRiskConfig {
  mapping?: Partial<DiagnosisKeysDataMapping>;
  dailySummaries?: Partial<DailySummariesConfig>;
  notification?: Partial<NotificationPolicy>;
}

/**
 * Checks the ranges the OS APIs enforce: thresholds increasing in 0..255, weights 0..2.5
 * (docs/protocols/gaen.md §B7).
 */
export function validateRiskConfig(config: RiskConfig): void {
  const { attenuationBucketThresholdDb: t, attenuationBucketWeights: w } = config.dailySummaries;
  if (
    t.length !== 3 ||
    t.some((x) => !Number.isInteger(x) || x < 0 || x > 255) ||
    !(t[0] <= t[1] && t[1] <= t[2])
  ) {
    throw new RangeError('attenuationBucketThresholdDb must be three increasing integers in 0..255');
  }
  const weights = [
    ...w,
    ...Object.values(config.dailySummaries.reportTypeWeights),
    ...Object.values(config.dailySummaries.infectiousnessWeights),
  ];
  if (w.length !== 4 || weights.some((x) => typeof x !== 'number' || x < 0 || x > 2.5)) {
    throw new RangeError('risk weights must be numbers in 0..2.5');
  }
  const missing = config.mapping.reportTypeWhenMissing;
  if (missing < ReportType.CONFIRMED_TEST || missing > ReportType.RECURSIVE) {
    throw new RangeError(
      'reportTypeWhenMissing must be CONFIRMED_TEST, CONFIRMED_CLINICAL_DIAGNOSIS, SELF_REPORT or RECURSIVE',
    );
  }
  if (
    config.dailySummaries.daysSinceExposureThreshold < 0 ||
    config.notification.minimumScorePerDaySeconds < 0
  ) {
    throw new RangeError('daysSinceExposureThreshold and minimumScorePerDaySeconds must not be negative');
  }
}

/**
 * Report type and infectiousness of a diagnosis key, or null if its windows must not be reported
 * (infectiousness NONE, report type REVOKED or unknown after defaults) — docs/protocols/gaen.md §B7.
 */
export function resolveKeyRisk(
  key: { reportType?: ReportType | number; daysSinceOnsetOfSymptoms?: number },
  mapping: DiagnosisKeysDataMapping,
): { reportType: ReportType; infectiousness: Infectiousness } | null {
  // Numbers, not the enum: export files may carry report types this code does not know.
  let reportType: number = key.reportType ?? 0;
  if (reportType === 0) reportType = mapping.reportTypeWhenMissing;
  if (reportType < 1 || reportType > 4) return null;
  const dsos = key.daysSinceOnsetOfSymptoms;
  const infectiousness =
    dsos === undefined || dsos < -14 || dsos > 14
      ? mapping.infectiousnessWhenDaysSinceOnsetMissing
      : (mapping.daysSinceOnsetToInfectiousness[dsos] ?? Infectiousness.NONE);
  if (infectiousness === Infectiousness.NONE) return null;
  return { reportType: reportType as ReportType, infectiousness };
}

/**
 * Bucket of an attenuation: 0 immediate, 1 near, 2 medium, 3 other (docs/protocols/gaen.md §B7, bounds
 * inclusive).
 */
export function attenuationBucket(
  attenuationDb: number,
  thresholds: readonly [number, number, number],
): number {
  if (attenuationDb <= thresholds[0]) return 0;
  if (attenuationDb <= thresholds[1]) return 1;
  if (attenuationDb <= thresholds[2]) return 2;
  return 3;
}

/**
 * Window weighted duration in seconds: Σ secondsSinceLastScan × weight of the bucket of each scan's typical
 * attenuation; ignores report type and infectiousness, as Apple documents (docs/protocols/gaen.md §B7).
 */
export function windowWeightedDurationSeconds(window: ExposureWindow, config: DailySummariesConfig): number {
  let sum = 0;
  for (const scan of window.scanInstances) {
    const bucket = attenuationBucket(scan.typicalAttenuationDb, config.attenuationBucketThresholdDb);
    sum += scan.secondsSinceLastScan * config.attenuationBucketWeights[bucket];
  }
  return sum;
}

/**
 * Window score = weighted duration × report type weight × infectiousness weight, in weighted seconds
 * (docs/protocols/gaen.md §B7).
 */
export function windowScore(window: ExposureWindow, config: DailySummariesConfig): number {
  const reportWeight = config.reportTypeWeights[window.reportType] ?? 0;
  const infectiousnessWeight =
    window.infectiousness === Infectiousness.NONE ? 0 : config.infectiousnessWeights[window.infectiousness];
  return windowWeightedDurationSeconds(window, config) * reportWeight * infectiousnessWeight;
}

/** Aggregates of a set of windows (docs/protocols/gaen.md §B7 ExposureSummaryData). */
export interface ExposureSummaryData {
  maximumScore: number;
  scoreSum: number;
  weightedDurationSum: number;
}

/** Per-day summary: overall and per report type (docs/protocols/gaen.md §B7 DailySummary). */
export interface DailySummary {
  /** Start of the UTC day, ms since epoch. */
  dateMs: number;
  daySummary: ExposureSummaryData;
  byReportType: Partial<Record<ReportType, ExposureSummaryData>>;
}

/**
 * Daily summaries of exposure windows, newest day first: per UTC day and report type the score sum, maximum
 * score and weighted duration sum, skipping windows below minimumWindowScore and days older than
 * daysSinceExposureThreshold before `nowMs` (docs/protocols/gaen.md §B7).
 */
export function computeDailySummaries(
  windows: readonly ExposureWindow[],
  config: DailySummariesConfig,
  nowMs: number,
): DailySummary[] {
  const today = utcDayStartMs(nowMs);
  const days = new Map<number, DailySummary>();
  for (const window of windows) {
    const ageDays = Math.round((today - window.dateMs) / DAY_MS);
    if (config.daysSinceExposureThreshold > 0 && ageDays > config.daysSinceExposureThreshold) continue;
    const score = windowScore(window, config);
    if (score < config.minimumWindowScore) continue;
    const weighted = windowWeightedDurationSeconds(window, config);
    let day = days.get(window.dateMs);
    if (!day) {
      day = { dateMs: window.dateMs, daySummary: emptySummary(), byReportType: {} };
      days.set(window.dateMs, day);
    }
    const perType = (day.byReportType[window.reportType] ??= emptySummary());
    for (const s of [perType, day.daySummary]) {
      s.scoreSum += score;
      s.maximumScore = Math.max(s.maximumScore, score);
      s.weightedDurationSum += weighted;
    }
  }
  return [...days.values()].sort((a, b) => b.dateMs - a.dateMs);
}

/**
 * The app's decision: notify if one day's score sum reaches the policy's minimum (docs/protocols/gaen.md §B7,
 * app policy).
 */
export function decideNotification(
  summaries: readonly DailySummary[],
  policy: NotificationPolicy,
): { notify: boolean; riskyDays: DailySummary[] } {
  const riskyDays = summaries.filter(
    (d) => d.daySummary.scoreSum > 0 && d.daySummary.scoreSum >= policy.minimumScorePerDaySeconds,
  );
  return { notify: riskyDays.length > 0, riskyDays };
}

function emptySummary(): ExposureSummaryData {
  return { maximumScore: 0, scoreSum: 0, weightedDurationSum: 0 };
}
