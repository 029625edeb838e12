/**
 * The people of the simulated identity provider and lab registry (tests and the embedded demo). National
 * identifiers are synthetic (they start with 9, which no issued number does in the formats we target).
 * Dates are relative to "today", so the same person is always e.g. "sample 15 days old".
 */
import { isoDay } from '../rules';

export type TestIdentityKey =
  | 'positive'
  | 'positive-2'
  | 'positive-3'
  | 'positive-15'
  | 'sample-15-days-old'
  | 'negative'
  | 'unknown'
  | 'registry-timeout';

export interface TestIdentity {
  key: TestIdentityKey;
  /** Shown on the simulator's login page. */
  label: string;
  nationalIdentifier: string;
  /** What the lab registry holds; null: the registry does not know the person. */
  lab: { birthDate: string; positiveSampleDates: string[]; timeout?: boolean } | null;
}

const DAY = 86_400_000;

/** Same day and month, `years` earlier, `plusDays` later (UTC). */
function yearsAgo(todayMs: number, years: number, plusDays = 0): string {
  const d = new Date(todayMs);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return isoDay(d.getTime() + plusDays * DAY);
}

/** The test identities as of `nowMs`. */
export function testIdentities(nowMs: number): TestIdentity[] {
  const ago = (days: number) => isoDay(nowMs - days * DAY);
  return [
    {
      key: 'positive',
      label: 'Kari, 34, positive (sample 3 days ago)',
      nationalIdentifier: '90000000016',
      lab: { birthDate: yearsAgo(nowMs, 34, -40), positiveSampleDates: [ago(3)] },
    },
    {
      key: 'positive-2',
      label: 'Ola, 51, positive (sample 2 days ago)',
      nationalIdentifier: '90000000024',
      lab: { birthDate: yearsAgo(nowMs, 51, -100), positiveSampleDates: [ago(30), ago(2)] },
    },
    {
      key: 'positive-3',
      label: 'Liv, 22, positive (sample today)',
      nationalIdentifier: '90000000083',
      lab: { birthDate: yearsAgo(nowMs, 22, -10), positiveSampleDates: [ago(0)] },
    },
    // Turns 16 tomorrow: the age rule is strict.
    {
      key: 'positive-15',
      label: 'Emma, 15, positive (sample 1 day ago)',
      nationalIdentifier: '90000000032',
      lab: { birthDate: yearsAgo(nowMs, 16, 1), positiveSampleDates: [ago(1)] },
    },
    {
      key: 'sample-15-days-old',
      label: 'Nils, 40, positive but sample 15 days old',
      nationalIdentifier: '90000000040',
      lab: { birthDate: yearsAgo(nowMs, 40), positiveSampleDates: [ago(15)] },
    },
    {
      key: 'negative',
      label: 'Ingrid, 29, no positive test',
      nationalIdentifier: '90000000059',
      lab: { birthDate: yearsAgo(nowMs, 29), positiveSampleDates: [] },
    },
    {
      key: 'unknown',
      label: 'Per, 45, unknown to the lab registry',
      nationalIdentifier: '90000000067',
      lab: null,
    },
    {
      key: 'registry-timeout',
      label: 'Siri, 38, the registry times out',
      nationalIdentifier: '90000000075',
      lab: { birthDate: yearsAgo(nowMs, 38), positiveSampleDates: [ago(2)], timeout: true },
    },
  ];
}
