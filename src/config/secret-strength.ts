/**
 * Production refuses secrets that are guessable although long enough: one character repeated, a short
 * pattern repeated, few distinct characters, or a development default with a few characters changed.
 */

/** Bits of a string under the Shannon estimate of its own character frequencies (0 for `aaaa…`). */
export function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const c of secret) counts.set(c, (counts.get(c) ?? 0) + 1);
  const length = [...secret].length;
  let bitsPerChar = 0;
  for (const n of counts.values()) bitsPerChar -= (n / length) * Math.log2(n / length);
  return bitsPerChar * length;
}

/** The shortest period p such that the string is its first p characters repeated (its length if none). */
function period(secret: string): number {
  for (let p = 1; p <= secret.length / 2; p++) {
    let repeats = true;
    for (let i = p; i < secret.length && repeats; i++) repeats = secret[i] === secret[i - p];
    if (repeats) return p;
  }
  return secret.length;
}

/** Edits (insert, delete, replace) between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/** Fewer distinct characters, or fewer estimated bits per character, and a secret counts as weak. */
const MIN_DISTINCT = 8;
const MIN_BITS_PER_CHAR = 2.5;
/** A value this close to a development default was made from it. */
const MIN_EDITS_FROM_DEFAULT = 8;

/** Why a secret is too weak for production, or undefined when it is not. */
export function secretWeakness(secret: string, developmentDefault?: string): string | undefined {
  if (developmentDefault !== undefined && editDistance(secret, developmentDefault) < MIN_EDITS_FROM_DEFAULT)
    return 'is (a variation of) the development default';
  if (period(secret) < secret.length) return 'repeats a shorter pattern';
  const distinct = new Set(secret).size;
  const bits = estimatedBits(secret);
  if (distinct < MIN_DISTINCT || bits < MIN_BITS_PER_CHAR * secret.length)
    return `has too little variety (${distinct} distinct characters, about ${Math.round(bits)} bits)`;
  return undefined;
}
