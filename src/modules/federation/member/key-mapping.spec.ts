import { decodeDsos, ReportType, TRL_NOT_PROVIDED, type KeptKey } from '../../../protocol/efgs';
import type { DiagnosisKey as StoredKey } from '../../key-store/entities/diagnosis-key.entity';
import { gaenDaysSinceOnset, toEfgsKey, toStoredKey } from './key-mapping';

const DAY_INTERVALS = 144;
const today = Math.floor(Date.UTC(2026, 10, 20, 12) / 600_000 / DAY_INTERVALS) * DAY_INTERVALS;

function stored(overrides: Partial<StoredKey> = {}): StoredKey {
  return Object.assign({} as StoredKey, {
    id: 1,
    keyData: Buffer.alloc(16, 7),
    rollingStartIntervalNumber: today - 3 * DAY_INTERVALS,
    rollingPeriod: 144,
    transmissionRiskLevel: null,
    reportType: ReportType.CONFIRMED_TEST,
    daysSinceOnsetOfSymptoms: null,
    origin: 'NO',
    region: 'NO',
    visitedCountries: ['FR', 'DE'],
    consentToFederation: true,
    source: 'app',
    flow: 'test',
    receivedAt: new Date(today * 600_000 + 3_600_000),
    availableAt: new Date(),
    ...overrides,
  });
}

describe(toEfgsKey.name, () => {
  it('sends a missing TRL as "not provided" and a missing DSOS as "symptom status unknown" relative to the submission day', () => {
    const sut = toEfgsKey(stored());

    expect(sut.transmissionRiskLevel).toBe(TRL_NOT_PROVIDED);
    expect(sut.daysSinceOnsetOfSymptoms).toBe(3997);
    expect(decodeDsos(sut.daysSinceOnsetOfSymptoms)).toEqual({
      kind: 'unknownStatus',
      daysSinceSubmission: -3,
    });
    expect(sut).toMatchObject({
      origin: 'NO',
      visitedCountries: ['FR', 'DE'],
      reportType: ReportType.CONFIRMED_TEST,
    });
  });

  it('keeps a known DSOS and TRL as they are', () => {
    expect(toEfgsKey(stored({ daysSinceOnsetOfSymptoms: -2, transmissionRiskLevel: 6 }))).toMatchObject({
      daysSinceOnsetOfSymptoms: -2,
      transmissionRiskLevel: 6,
    });
  });
});

describe(gaenDaysSinceOnset.name, () => {
  it.each([
    [5, 5],
    [-14, -14],
    [21, null], // exact but outside GAEN's ±14
    [503, 3], // 5-day range ending 3 days ago
    [1998, null], // onset unknown
    [2998, null], // asymptomatic
    [3990, null], // status unknown
    [5000, null], // no band
  ])('maps EFGS DSOS %i to %p for our exports', (dsos, expected) => {
    expect(gaenDaysSinceOnset(decodeDsos(dsos))).toBe(expected);
  });
});

describe(toStoredKey.name, () => {
  it('stores a downloaded key for its export region, never to be forwarded, not before its validity plus embargo ended', () => {
    const now = new Date(today * 600_000);
    const key = toEfgsKey(
      stored({ rollingStartIntervalNumber: today - DAY_INTERVALS, visitedCountries: ['FR', 'XX'] }),
    );
    const kept: KeptKey = { index: 0, key, trlUsable: false, dsos: decodeDsos(key.daysSinceOnsetOfSymptoms) };

    const sut = toStoredKey(kept, 'FR', now, 2 * 3_600_000);

    expect(sut).toMatchObject({
      region: 'FR',
      origin: 'NO',
      source: 'federation',
      consentToFederation: false,
      visitedCountries: ['FR'],
      transmissionRiskLevel: null,
      daysSinceOnsetOfSymptoms: null,
    });
    expect(sut.availableAt).toEqual(new Date(now.getTime() + 2 * 3_600_000));
  });
});
