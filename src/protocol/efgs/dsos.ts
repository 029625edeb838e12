/**
 * Days-since-onset-of-symptoms encodings used across EFGS (docs/protocols/efgs.md §A10; CWA
 * `DaysSinceSymptomsRangeSpecification`, NL `DsosEncodingService`). The plain GAEN range −14..21 is extended
 * with offsets so one sint32 also says whether the onset is exact, a range, unknown, or absent.
 */

/** What a DSOS value means. Day counts are relative to the onset, the interval's last day or the submission. */
export type DsosMeaning =
  | { kind: 'exactOnset'; daysSinceOnset: number }
  | { kind: 'onsetRange'; durationDays: number; daysSinceLastDayOfInterval: number }
  | { kind: 'unknownOnset'; daysSinceSubmission: number }
  | { kind: 'asymptomatic'; daysSinceSubmission: number }
  | { kind: 'unknownStatus'; daysSinceSubmission: number };

export type DsosKind = DsosMeaning['kind'];

/** Inclusive value band of each encoding, as CWA accepts them (docs/protocols/efgs.md §A10 table). */
export const DSOS_BANDS: Readonly<Record<DsosKind, { min: number; max: number }>> = {
  exactOnset: { min: -14, max: 21 },
  onsetRange: { min: 22, max: 1950 },
  unknownOnset: { min: 1986, max: 2000 },
  asymptomatic: { min: 2986, max: 3000 },
  unknownStatus: { min: 3986, max: 4000 },
};

const DAYS_MIN = -14;
const DAYS_MAX = 21;
const RANGE_FACTOR = 100;
// 19 days is the longest range whose encoding stays below the unknown-onset band (19·100+21 = 1921).
const RANGE_DURATION_MAX = 19;
const OFFSETS = { unknownOnset: 2000, asymptomatic: 3000, unknownStatus: 4000 } as const;

function requireInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/**
 * Encodes a DSOS meaning as the sint32 sent to EFGS (docs/protocols/efgs.md §A10). Throws RangeError for
 * values the encoding cannot carry (exact −14..21; range 1..19 days ending −14..21; others −14..0 days).
 */
export function encodeDsos(meaning: DsosMeaning): number {
  switch (meaning.kind) {
    case 'exactOnset':
      requireInt('daysSinceOnset', meaning.daysSinceOnset, DAYS_MIN, DAYS_MAX);
      return meaning.daysSinceOnset;
    case 'onsetRange':
      requireInt('durationDays', meaning.durationDays, 1, RANGE_DURATION_MAX);
      requireInt('daysSinceLastDayOfInterval', meaning.daysSinceLastDayOfInterval, DAYS_MIN, DAYS_MAX);
      return meaning.durationDays * RANGE_FACTOR + meaning.daysSinceLastDayOfInterval;
    default:
      requireInt('daysSinceSubmission', meaning.daysSinceSubmission, DAYS_MIN, 0);
      return OFFSETS[meaning.kind] + meaning.daysSinceSubmission;
  }
}

/** The band a DSOS value falls in (docs/protocols/efgs.md §A10), or undefined outside every band. */
export function dsosBand(value: number): DsosKind | undefined {
  return (Object.keys(DSOS_BANDS) as DsosKind[]).find(
    (kind) => value >= DSOS_BANDS[kind].min && value <= DSOS_BANDS[kind].max,
  );
}

/**
 * Decodes a DSOS value (docs/protocols/efgs.md §A10), or undefined if it is not a well-formed encoding.
 * Ranges decode as CWA and NL do (duration = round(value/100)); values in CWA's wide range band whose
 * duration is 0 or whose end day falls outside −14..21 (e.g. 22..85, 122..185) are rejected rather than
 * guessed at.
 */
export function decodeDsos(value: number): DsosMeaning | undefined {
  if (!Number.isInteger(value)) return undefined;
  switch (dsosBand(value)) {
    case 'exactOnset':
      return { kind: 'exactOnset', daysSinceOnset: value };
    case 'onsetRange': {
      const durationDays = Math.round(value / RANGE_FACTOR);
      const daysSinceLastDayOfInterval = value - durationDays * RANGE_FACTOR;
      const wellFormed =
        durationDays >= 1 &&
        durationDays <= RANGE_DURATION_MAX &&
        daysSinceLastDayOfInterval >= DAYS_MIN &&
        daysSinceLastDayOfInterval <= DAYS_MAX;
      return wellFormed ? { kind: 'onsetRange', durationDays, daysSinceLastDayOfInterval } : undefined;
    }
    case 'unknownOnset':
      return { kind: 'unknownOnset', daysSinceSubmission: value - OFFSETS.unknownOnset };
    case 'asymptomatic':
      return { kind: 'asymptomatic', daysSinceSubmission: value - OFFSETS.asymptomatic };
    case 'unknownStatus':
      return { kind: 'unknownStatus', daysSinceSubmission: value - OFFSETS.unknownStatus };
    default:
      return undefined;
  }
}
