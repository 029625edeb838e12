import { decodeDsos, DSOS_BANDS, dsosBand, DsosMeaning, encodeDsos } from './dsos';

describe(encodeDsos.name, () => {
  const sut = encodeDsos;

  it.each<[DsosMeaning, number]>([
    [{ kind: 'exactOnset', daysSinceOnset: -14 }, -14],
    [{ kind: 'exactOnset', daysSinceOnset: 21 }, 21],
    [{ kind: 'onsetRange', durationDays: 1, daysSinceLastDayOfInterval: -14 }, 86],
    [{ kind: 'onsetRange', durationDays: 5, daysSinceLastDayOfInterval: 2 }, 502],
    [{ kind: 'onsetRange', durationDays: 19, daysSinceLastDayOfInterval: 21 }, 1921],
    [{ kind: 'unknownOnset', daysSinceSubmission: 0 }, 2000],
    [{ kind: 'unknownOnset', daysSinceSubmission: -14 }, 1986],
    [{ kind: 'asymptomatic', daysSinceSubmission: -3 }, 2997],
    [{ kind: 'unknownStatus', daysSinceSubmission: 0 }, 4000],
    [{ kind: 'unknownStatus', daysSinceSubmission: -14 }, 3986],
  ])('encodes %p as %i', (meaning, value) => {
    expect(sut(meaning)).toBe(value);
  });

  it.each<DsosMeaning>([
    { kind: 'exactOnset', daysSinceOnset: 22 },
    { kind: 'exactOnset', daysSinceOnset: -15 },
    { kind: 'exactOnset', daysSinceOnset: 1.5 },
    { kind: 'onsetRange', durationDays: 0, daysSinceLastDayOfInterval: 0 },
    { kind: 'onsetRange', durationDays: 20, daysSinceLastDayOfInterval: 0 },
    { kind: 'onsetRange', durationDays: 3, daysSinceLastDayOfInterval: 22 },
    { kind: 'unknownOnset', daysSinceSubmission: 1 },
    { kind: 'asymptomatic', daysSinceSubmission: -15 },
  ])('refuses %p', (meaning) => {
    expect(() => sut(meaning)).toThrow(RangeError);
  });
});

describe(decodeDsos.name, () => {
  const sut = decodeDsos;

  it('inverts encodeDsos for every value it decodes', () => {
    for (let value = -20; value <= 4010; value++) {
      const meaning = sut(value);
      if (meaning !== undefined) expect(encodeDsos(meaning)).toBe(value);
    }
  });

  it.each<[number, DsosMeaning]>([
    [-2, { kind: 'exactOnset', daysSinceOnset: -2 }],
    [502, { kind: 'onsetRange', durationDays: 5, daysSinceLastDayOfInterval: 2 }],
    [486, { kind: 'onsetRange', durationDays: 5, daysSinceLastDayOfInterval: -14 }],
    [1993, { kind: 'unknownOnset', daysSinceSubmission: -7 }],
    [3000, { kind: 'asymptomatic', daysSinceSubmission: 0 }],
    [3990, { kind: 'unknownStatus', daysSinceSubmission: -10 }],
  ])('decodes %i', (value, meaning) => {
    expect(sut(value)).toEqual(meaning);
  });

  it.each([-15, 22, 85, 122, 150, 1922, 1950, 1951, 1985, 2001, 2985, 3001, 3985, 4001, 1.5])(
    'has no meaning for %p',
    (value) => {
      expect(sut(value)).toBeUndefined();
    },
  );
});

describe(dsosBand.name, () => {
  const sut = dsosBand;

  it('puts each band edge in its band and the gaps in none', () => {
    for (const [kind, { min, max }] of Object.entries(DSOS_BANDS)) {
      expect(sut(min)).toBe(kind);
      expect(sut(max)).toBe(kind);
    }
    expect([-15, 1951, 1985, 2001, 2985, 3001, 3985, 4001].map(sut)).toEqual(Array(8).fill(undefined));
  });
});
