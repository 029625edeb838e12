import { DAY_MS } from './constants';
import { ReportType } from './keys';
import {
  attenuationBucket,
  CalibrationConfidence,
  computeDailySummaries,
  decideNotification,
  DEFAULT_DAILY_SUMMARIES_CONFIG,
  DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING,
  Infectiousness,
  resolveKeyRisk,
  resolveRiskConfig,
  windowScore,
  windowWeightedDurationSeconds,
  type ExposureWindow,
} from './risk';

const DAY = Date.UTC(2021, 4, 10);

function window(scans: [number, number][], extra: Partial<ExposureWindow> = {}): ExposureWindow {
  return {
    dateMs: DAY,
    reportType: ReportType.CONFIRMED_TEST,
    infectiousness: Infectiousness.STANDARD,
    calibrationConfidence: CalibrationConfidence.LOWEST,
    scanInstances: scans.map(([att, secs]) => ({
      typicalAttenuationDb: att,
      minAttenuationDb: att,
      secondsSinceLastScan: secs,
    })),
    ...extra,
  };
}

describe('resolveKeyRisk (docs/protocols/gaen.md §B7)', () => {
  const sut = (key: { reportType?: ReportType; daysSinceOnsetOfSymptoms?: number }) =>
    resolveKeyRisk(key, DEFAULT_DIAGNOSIS_KEYS_DATA_MAPPING);

  it('applies the defaults for missing report type and onset', () => {
    expect(sut({})).toEqual({
      reportType: ReportType.CONFIRMED_TEST,
      infectiousness: Infectiousness.STANDARD,
    });
    expect(sut({ reportType: ReportType.UNKNOWN })).toMatchObject({ reportType: ReportType.CONFIRMED_TEST });
  });

  it('maps days since onset to infectiousness and treats |DSOS| > 14 as missing', () => {
    expect(sut({ daysSinceOnsetOfSymptoms: 0 })).toMatchObject({ infectiousness: Infectiousness.HIGH });
    expect(sut({ daysSinceOnsetOfSymptoms: 9 })).toMatchObject({ infectiousness: Infectiousness.STANDARD });
    expect(sut({ daysSinceOnsetOfSymptoms: 4000 })).toMatchObject({
      infectiousness: Infectiousness.STANDARD,
    });
  });

  it('drops keys with infectiousness NONE and revoked keys', () => {
    expect(sut({ daysSinceOnsetOfSymptoms: -10 })).toBeNull();
    expect(sut({ reportType: ReportType.REVOKED })).toBeNull();
  });
});

describe('daily summaries', () => {
  const config = DEFAULT_DAILY_SUMMARIES_CONFIG;

  it('buckets attenuations with inclusive upper bounds', () => {
    const sut = attenuationBucket;
    expect([55, 56, 63, 64, 73, 74].map((a) => sut(a, [55, 63, 73]))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  it('weights durations by bucket and scores by report type and infectiousness', () => {
    const sut = window([
      [50, 300],
      [60, 200],
      [70, 100],
      [90, 300],
    ]);
    expect(windowWeightedDurationSeconds(sut, config)).toBe(300 + 200 + 50);
    expect(windowScore({ ...sut, infectiousness: Infectiousness.HIGH }, config)).toBe(550 * 1.5);
    expect(windowScore({ ...sut, reportType: ReportType.SELF_REPORT }, config)).toBe(275);
    expect(windowScore({ ...sut, reportType: ReportType.RECURSIVE }, config)).toBe(0);
  });

  it('sums per day and report type, newest day first, and skips old days', () => {
    const windows = [
      window([[50, 300]]),
      window([[50, 600]], { reportType: ReportType.SELF_REPORT }),
      window([[50, 120]], { dateMs: DAY - DAY_MS }),
      window([[50, 120]], { dateMs: DAY - 20 * DAY_MS }),
    ];
    const sut = computeDailySummaries(windows, config, DAY + 3_600_000);
    expect(sut.map((d) => d.dateMs)).toEqual([DAY, DAY - DAY_MS]);
    expect(sut[0].daySummary).toEqual({ scoreSum: 600, maximumScore: 300, weightedDurationSum: 900 });
    expect(sut[0].byReportType[ReportType.SELF_REPORT]).toEqual({
      scoreSum: 300,
      maximumScore: 300,
      weightedDurationSum: 600,
    });
  });

  it('notifies only when one day reaches the minimum score', () => {
    const summaries = computeDailySummaries(
      [
        window([
          [50, 300],
          [50, 300],
          [50, 300],
        ]),
      ],
      config,
      DAY,
    );
    expect(decideNotification(summaries, { minimumScorePerDaySeconds: 900 }).notify).toBe(true);
    expect(decideNotification(summaries, { minimumScorePerDaySeconds: 901 }).notify).toBe(false);
    expect(decideNotification([], { minimumScorePerDaySeconds: 0 }).notify).toBe(false);
  });

  it('validates configuration ranges', () => {
    const sut = resolveRiskConfig;
    expect(() => sut({ dailySummaries: { attenuationBucketThresholdDb: [60, 50, 70] } })).toThrow(
      /increasing/,
    );
    expect(() => sut({ dailySummaries: { attenuationBucketWeights: [3, 1, 1, 1] } })).toThrow(/0\.\.2\.5/);
    expect(() => sut({ mapping: { reportTypeWhenMissing: ReportType.REVOKED } })).toThrow(
      /reportTypeWhenMissing/,
    );
    expect(
      sut({ notification: { minimumScorePerDaySeconds: 60 } }).notification.minimumScorePerDaySeconds,
    ).toBe(60);
  });
});
