/**
 * Trustwords: the same 10-digit code as five words (docs/protocols/dp3t-backoffice.md §D3). Encoding: the
 * code as an integer N < 10^10 < 2^40, written as 5 bytes big-endian, each byte an index into a 256-word
 * list. Every code has exactly one word sequence per language; about 9 % of word sequences (those ≥ 10^10)
 * are not codes and are refused, which also catches many misheard words.
 */
import { type DisclosureCode, codeFromNumber, codeToNumber } from './code';
import { DisclosureInputError } from './errors';
import { EN_WORDS } from './wordlists/en';
import { NL_WORDS } from './wordlists/nl';

export type TrustwordLanguage = 'nl' | 'en';

/** The word lists per language (256 words each). */
export const TRUSTWORD_LISTS: Readonly<Record<TrustwordLanguage, readonly string[]>> = Object.freeze({
  nl: NL_WORDS,
  en: EN_WORDS,
});

/** Number of words in a trustword sequence. */
export const TRUSTWORD_COUNT = 5;

const indexes = new Map<TrustwordLanguage, ReadonlyMap<string, number>>(
  (Object.keys(TRUSTWORD_LISTS) as TrustwordLanguage[]).map((lang) => [
    lang,
    new Map(TRUSTWORD_LISTS[lang].map((w, i) => [w, i])),
  ]),
);

/**
 * Encodes a code as five words of the given language (big-endian bytes of the 10-digit number). Spec:
 * docs/protocols/dp3t-backoffice.md §D3 (the code as words).
 */
export function codeToTrustwords(code: DisclosureCode, language: TrustwordLanguage): string[] {
  let value = codeToNumber(code);
  const words: string[] = [];
  for (let i = 0; i < TRUSTWORD_COUNT; i++) {
    words.unshift(TRUSTWORD_LISTS[language][value % 256]);
    value = Math.floor(value / 256);
  }
  return words;
}

/**
 * Reads five trustwords back into a code, tolerant of case, accents, punctuation and missing spaces
 * (the lists are prefix-free, so `appelarrow…` still splits uniquely). Without `language` both lists
 * are tried; they share no words, so at most one can match.
 * @throws DisclosureInputError UNKNOWN_WORD, WRONG_WORD_COUNT or NOT_A_CODE
 * Spec: docs/protocols/dp3t-backoffice.md §D3 (the code as words).
 */
export function trustwordsToCode(
  input: string | readonly string[],
  language?: TrustwordLanguage,
): DisclosureCode {
  const tokens = normalise(typeof input === 'string' ? input : input.join(' '));
  const languages: TrustwordLanguage[] = language ? [language] : ['nl', 'en'];
  let firstError: DisclosureInputError | undefined;
  for (const lang of languages) {
    try {
      const bytes = wordsToBytes(tokens, lang);
      let value = 0;
      for (const b of bytes) value = value * 256 + b;
      if (value >= 10_000_000_000)
        throw new DisclosureInputError('NOT_A_CODE', 'these words do not form a code; check each word');
      return codeFromNumber(value);
    } catch (error) {
      if (!(error instanceof DisclosureInputError)) throw error;
      // Prefer the error of the language the words seem to be in.
      if (!firstError || (firstError.code === 'UNKNOWN_WORD' && error.code !== 'UNKNOWN_WORD'))
        firstError = error;
    }
  }
  throw firstError ?? new DisclosureInputError('UNKNOWN_WORD', 'no words given');
}

function normalise(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

function wordsToBytes(tokens: readonly string[], language: TrustwordLanguage): number[] {
  const index = indexes.get(language)!;
  const known = tokens.map((t) => index.get(t)).filter((k) => k !== undefined);
  if (tokens.length === TRUSTWORD_COUNT && known.length === TRUSTWORD_COUNT) return known;
  // Words run together or split oddly: segment the letters greedily, which is exact for a prefix-free list.
  const letters = tokens.join('');
  const bytes: number[] = [];
  let at = 0;
  while (at < letters.length) {
    let match: number | undefined;
    for (let len = 3; len <= 8 && at + len <= letters.length && match === undefined; len++)
      match = index.get(letters.slice(at, at + len));
    if (match === undefined) {
      const unknown = tokens.find((t) => !index.has(t)) ?? letters.slice(at);
      throw new DisclosureInputError(
        'UNKNOWN_WORD',
        `"${unknown}" is not a ${language === 'nl' ? 'Dutch' : 'English'} trustword`,
      );
    }
    bytes.push(match);
    at += TRUSTWORD_LISTS[language][match].length;
  }
  if (bytes.length !== TRUSTWORD_COUNT)
    throw new DisclosureInputError(
      'WRONG_WORD_COUNT',
      `expected ${TRUSTWORD_COUNT} words, found ${bytes.length}`,
    );
  return bytes;
}
