import { CODE_SPACE, codeFromNumber, type DisclosureCode } from './code';
import { DisclosureInputError } from './errors';
import { TRUSTWORD_LISTS, codeToTrustwords, trustwordsToCode, type TrustwordLanguage } from './trustwords';

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

describe.each(['nl', 'en'] as TrustwordLanguage[])('%s word list', (language) => {
  const sut = TRUSTWORD_LISTS[language];

  it('has 256 distinct lower-case ASCII words of 3–8 letters', () => {
    expect(sut).toHaveLength(256);
    expect(new Set(sut).size).toBe(256);
    for (const word of sut) expect(word).toMatch(/^[a-z]{3,8}$/);
  });

  it('is prefix-free and every pair differs in at least two letters', () => {
    const problems: string[] = [];
    for (let i = 0; i < sut.length; i++) {
      for (let j = i + 1; j < sut.length; j++) {
        const [a, b] = [sut[i], sut[j]];
        if (a.startsWith(b) || b.startsWith(a)) problems.push(`${a}/${b} prefix`);
        else if (levenshtein(a, b) < 2) problems.push(`${a}/${b} too close`);
      }
    }

    expect(problems).toEqual([]);
  });

  it('shares no word with the other language', () => {
    const other = new Set(TRUSTWORD_LISTS[language === 'nl' ? 'en' : 'nl']);

    expect(sut.filter((w) => other.has(w))).toEqual([]);
  });
});

describe('Dutch words', () => {
  it('avoid ij/ei/y and au/ou, which sound alike when read out', () => {
    expect(TRUSTWORD_LISTS.nl.filter((w) => /ij|ei|y|au|ou/.test(w))).toEqual([]);
  });
});

describe('codeToTrustwords / trustwordsToCode', () => {
  const codes: DisclosureCode[] = [
    codeFromNumber(0),
    codeFromNumber(CODE_SPACE - 1),
    { reference: '123456', secret: '7890' },
    { reference: '000001', secret: '0000' },
  ];

  it.each(['nl', 'en'] as TrustwordLanguage[])('round-trips codes through five %s words', (language) => {
    // A fixed stride through the code space keeps the test deterministic.
    for (const code of [
      ...codes,
      ...Array.from({ length: 200 }, (_, i) => codeFromNumber((i * 48_271_000_013) % CODE_SPACE)),
    ]) {
      const sut = codeToTrustwords(code, language);

      expect(sut).toHaveLength(5);
      expect(trustwordsToCode(sut, language)).toEqual(code);
      expect(trustwordsToCode(sut.join(' '))).toEqual(code);
    }
  });

  it('encodes the 10-digit number big-endian, one byte per word', () => {
    expect(codeToTrustwords(codeFromNumber(0), 'en')).toEqual(Array(5).fill(TRUSTWORD_LISTS.en[0]));
    expect(codeToTrustwords(codeFromNumber(257), 'nl')).toEqual([
      ...Array(3).fill(TRUSTWORD_LISTS.nl[0]),
      TRUSTWORD_LISTS.nl[1],
      TRUSTWORD_LISTS.nl[1],
    ]);
  });

  it('tolerates case, accents, punctuation, extra spaces and missing spaces', () => {
    const code = { reference: '123456', secret: '7890' };
    const words = codeToTrustwords(code, 'nl');

    expect(trustwordsToCode(`  ${words.map((w) => w.toUpperCase()).join(' ,  ')} `)).toEqual(code);
    expect(trustwordsToCode(words.join(''))).toEqual(code);
    expect(trustwordsToCode(words.join('-'))).toEqual(code);
    expect(trustwordsToCode(`${words.slice(0, 2).join('')} ${words.slice(2).join('  ')}`)).toEqual(code);
    expect(trustwordsToCode(words.join(' ').replace('e', 'é'))).toEqual(code);
  });

  it('refuses unknown words, wrong counts and sequences that are no code', () => {
    const words = codeToTrustwords({ reference: '123456', secret: '7890' }, 'en');
    const maxWord = TRUSTWORD_LISTS.en[255];

    expect(() => trustwordsToCode([...words.slice(0, 4), 'xylophone'])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_WORD' }),
    );
    expect(() => trustwordsToCode(words.slice(0, 4))).toThrow(
      expect.objectContaining({ code: 'WRONG_WORD_COUNT' }),
    );
    expect(() => trustwordsToCode([...words, words[0]])).toThrow(
      expect.objectContaining({ code: 'WRONG_WORD_COUNT' }),
    );
    expect(() => trustwordsToCode(Array(5).fill(maxWord))).toThrow(
      expect.objectContaining({ code: 'NOT_A_CODE' }),
    );
    expect(() => trustwordsToCode('')).toThrow(DisclosureInputError);
  });

  it('does not mix languages', () => {
    const nl = codeToTrustwords({ reference: '123456', secret: '7890' }, 'nl');
    const en = codeToTrustwords({ reference: '123456', secret: '7890' }, 'en');

    expect(() => trustwordsToCode([...nl.slice(0, 3), ...en.slice(3)])).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_WORD' }),
    );
    expect(() => trustwordsToCode(nl, 'en')).toThrow(expect.objectContaining({ code: 'UNKNOWN_WORD' }));
  });
});
