/**
 * The eligibility rules of the identity-based flow (docs/protocols/smittestopp.md §S2): verified only when
 * the person is at least 16 and has a positive test whose sample was taken within the last 14 days. Dates are
 * calendar days `YYYY-MM-DD` in UTC.
 */
import type { LabPerson } from './lab-registry';

export interface EligibilityRules {
  /** Minimum age in whole years on the day of verification (16). */
  minAgeYears: number;
  /** A sample taken at most this many days before today counts (14; 15 days is too old). */
  maxSampleAgeDays: number;
}

export const DEFAULT_ELIGIBILITY_RULES: EligibilityRules = { minAgeYears: 16, maxSampleAgeDays: 14 };

export type Eligibility =
  | { verified: true; sampleDate: string }
  | { verified: false; reason: 'no-positive-test' | 'too-young' | 'test-too-old' };

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    DATE.test(value) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}

/** UTC midnight of a `YYYY-MM-DD` day, in ms. */
export function dayMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The UTC calendar day of a time, `YYYY-MM-DD`. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from `earlier` to `later` (both `YYYY-MM-DD`). */
export function daysBetween(earlier: string, later: string): number {
  return Math.round((dayMs(later) - dayMs(earlier)) / DAY_MS);
}

/** Age in whole years on `today`; someone born on 29 February turns a year older on 1 March in other years. */
export function ageInYears(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/**
 * Decides a verification from the lab registry's answer (null: the registry does not know the person).
 * Age is checked first, then the newest positive sample; samples dated after today are ignored.
 */
export function checkEligibility(
  person: LabPerson | null,
  today: string,
  rules: EligibilityRules = DEFAULT_ELIGIBILITY_RULES,
): Eligibility {
  if (!person) return { verified: false, reason: 'no-positive-test' };
  const samples = person.positiveTests.map((t) => t.sampleDate).filter((d) => isIsoDate(d) && d <= today);
  if (samples.length === 0) return { verified: false, reason: 'no-positive-test' };
  if (ageInYears(person.birthDate, today) < rules.minAgeYears)
    return { verified: false, reason: 'too-young' };
  const newest = samples.sort().at(-1)!;
  if (daysBetween(newest, today) > rules.maxSampleAgeDays) return { verified: false, reason: 'test-too-old' };
  return { verified: true, sampleDate: newest };
}
