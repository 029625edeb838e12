import { Infectiousness } from '../gaen';
import { checkOnsetDate, daysSinceOnsetOfKey, infectiousnessOf, labelDiagnosisKeys } from './infectiousness';
import { ageInYears, checkEligibility, isIsoDate } from './rules';

const today = '2025-11-28';
const person = (birthDate: string, ...samples: string[]) => ({
  birthDate,
  positiveTests: samples.map((sampleDate) => ({ sampleDate })),
});

describe('eligibility rules (16+, positive sample within 14 days)', () => {
  it.each([
    ['16 today', person('2009-11-28', '2025-11-27'), { verified: true, sampleDate: '2025-11-27' }],
    ['16 tomorrow', person('2009-11-29', '2025-11-27'), { verified: false, reason: 'too-young' }],
    ['sample 14 days old', person('1990-01-01', '2025-11-14'), { verified: true, sampleDate: '2025-11-14' }],
    ['sample 15 days old', person('1990-01-01', '2025-11-13'), { verified: false, reason: 'test-too-old' }],
    [
      'newest of several samples',
      person('1990-01-01', '2025-10-01', '2025-11-20'),
      { verified: true, sampleDate: '2025-11-20' },
    ],
    ['sample taken today', person('1990-01-01', today), { verified: true, sampleDate: today }],
    [
      'only a future-dated sample',
      person('1990-01-01', '2025-11-30'),
      { verified: false, reason: 'no-positive-test' },
    ],
    ['no positive test', person('1990-01-01'), { verified: false, reason: 'no-positive-test' }],
    [
      'too young and test too old',
      person('2012-01-01', '2025-10-01'),
      { verified: false, reason: 'too-young' },
    ],
  ])('%s', (_, p, expected) => {
    expect(checkEligibility(p, today)).toEqual(expected);
  });

  it('treats an unknown person as having no positive test', () => {
    expect(checkEligibility(null, today)).toEqual({ verified: false, reason: 'no-positive-test' });
  });

  it('counts age in whole years, leap-day birthdays turning on 1 March', () => {
    expect(ageInYears('2008-02-29', '2024-02-28')).toBe(15);
    expect(ageInYears('2008-02-29', '2024-02-29')).toBe(16);
    expect(ageInYears('2008-02-29', '2025-02-28')).toBe(16);
    expect(ageInYears('2009-03-01', '2025-02-28')).toBe(15);
  });

  it('accepts only real calendar dates', () => {
    expect([
      isIsoDate('2025-02-28'),
      isIsoDate('2025-02-29'),
      isIsoDate('2025-2-1'),
      isIsoDate(20250101),
    ]).toEqual([true, false, false, false]);
  });
});

describe('days since onset and infectiousness (docs/protocols/gaen.md §B7)', () => {
  const rsin = (day: string) => Date.parse(`${day}T00:00:00Z`) / 600_000;

  it('counts whole days from the onset day to the key day', () => {
    expect(daysSinceOnsetOfKey(rsin('2025-11-26'), '2025-11-24')).toBe(2);
    expect(daysSinceOnsetOfKey(rsin('2025-11-20'), '2025-11-24')).toBe(-4);
  });

  it('maps DSOS to infectiousness with the default mapping', () => {
    expect([-6, -5, -2, 0, 2, 5, 6, 14].map((d) => infectiousnessOf(d))).toEqual([
      Infectiousness.NONE,
      Infectiousness.STANDARD,
      Infectiousness.HIGH,
      Infectiousness.HIGH,
      Infectiousness.HIGH,
      Infectiousness.HIGH,
      Infectiousness.STANDARD,
      Infectiousness.STANDARD,
    ]);
  });

  it('labels keys and leaves out those no phone would weigh', () => {
    const keys = ['2025-11-14', '2025-11-18', '2025-11-26'].map((d) => ({
      keyData: new Uint8Array(16),
      rollingStartIntervalNumber: rsin(d),
      rollingPeriod: 144,
    }));
    const labelled = labelDiagnosisKeys(keys, '2025-11-24');
    // DSOS −10 and −6 are NONE under the default mapping; +2 is HIGH.
    expect(
      labelled.map((l) => [l.daysSinceOnsetOfSymptoms, l.infectiousness, l.key.daysSinceOnsetOfSymptoms]),
    ).toEqual([[2, Infectiousness.HIGH, 2]]);
  });

  it('accepts an onset from 14 days before the sample up to today', () => {
    expect(checkOnsetDate('2025-11-10', '2025-11-24', today)).toEqual({ ok: true });
    expect(checkOnsetDate('2025-11-09', '2025-11-24', today).ok).toBe(false);
    expect(checkOnsetDate('2025-11-29', '2025-11-24', today).ok).toBe(false);
    expect(checkOnsetDate(today, '2025-11-24', today)).toEqual({ ok: true });
  });
});
