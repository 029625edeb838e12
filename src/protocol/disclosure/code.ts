/**
 * The 6 + 4 digit disclosure code (docs/protocols/dp3t-backoffice.md §D3): the phone draws 10 random digits,
 * posts the first 6 as a reference with its upload hash, and the patient conveys all 10 to the GP. The last 4
 * never travel from the phone to the backend directly; they bind the GP's approval to this patient's phone.
 */
import { bufferSource, constantTimeEqual, utf8 } from '../cms/bytes';
import { cmsCrypto } from '../cms/crypto-engine';
import { DisclosureInputError } from './errors';

/** A disclosure code: `reference` (6 digits, the backend's lookup key) and `secret` (4 digits). */
export interface DisclosureCode {
  readonly reference: string;
  readonly secret: string;
}

/** Number of distinct codes (10 decimal digits). */
export const CODE_SPACE = 10_000_000_000;

/** Source of random bytes; injectable so tests can be deterministic. Default: WebCrypto's CSPRNG. */
export type RandomBytes = (length: number) => Uint8Array;

const webCryptoRandom: RandomBytes = (length) =>
  cmsCrypto().getRandomValues(bufferSource(new Uint8Array(length)));

// Largest multiple of 10^10 that fits in 40 bits: values at or above it are redrawn so every code is equally likely.
const ACCEPT_BELOW = Math.floor(2 ** 40 / CODE_SPACE) * CODE_SPACE;

/**
 * Draws a uniformly random code from a CSPRNG (40-bit draws with rejection sampling, so no digit is biased).
 * Why uniform: the 4-digit secret must be a full 1-in-10,000 guess (docs/protocols/dp3t-backoffice.md §D8).
 */
export function drawDisclosureCode(random: RandomBytes = webCryptoRandom): DisclosureCode {
  for (;;) {
    const bytes = random(5);
    if (bytes.length !== 5) throw new RangeError('random source returned the wrong number of bytes');
    let value = 0;
    for (const b of bytes) value = value * 256 + b;
    if (value < ACCEPT_BELOW) return codeFromNumber(value % CODE_SPACE);
  }
}

/**
 * The code as one integer in [0, 10^10): reference digits first. Used by the trustwords encoding. Spec:
 * docs/protocols/dp3t-backoffice.md §D3 (6 + 4 digits).
 */
export function codeToNumber(code: DisclosureCode): number {
  checkCode(code);
  return Number(code.reference + code.secret);
}

/**
 * The code for an integer in [0, 10^10), zero-padded to 10 digits.
 * @throws DisclosureInputError NOT_A_CODE outside that range
 * Spec: docs/protocols/dp3t-backoffice.md §D3 (6 + 4 digits).
 */
export function codeFromNumber(value: number): DisclosureCode {
  if (!Number.isSafeInteger(value) || value < 0 || value >= CODE_SPACE)
    throw new DisclosureInputError('NOT_A_CODE', 'not a 10-digit code');
  const digits = String(value).padStart(10, '0');
  return { reference: digits.slice(0, 6), secret: digits.slice(6) };
}

/**
 * Canonical text form `123456-7890`, used in the signed approval and for display. Spec:
 * docs/protocols/dp3t-backoffice.md §D5; approval format (approval.ts).
 */
export function formatDisclosureCode(code: DisclosureCode): string {
  checkCode(code);
  return `${code.reference}-${code.secret}`;
}

/**
 * Reads a code typed by a person: exactly 10 digits, with any spaces, dashes, dots or slashes between them
 * (`123456-7890`, `123 456 7890`).
 * @throws DisclosureInputError NOT_A_CODE
 * Spec: docs/protocols/dp3t-backoffice.md §D5 (the GP types the 6 + 4 digits).
 */
export function parseDisclosureCode(input: string): DisclosureCode {
  const digits = input.replace(/[\s\-./]/g, '');
  if (!/^\d{10}$/.test(digits)) throw new DisclosureInputError('NOT_A_CODE', 'a code has exactly 10 digits');
  return { reference: digits.slice(0, 6), secret: digits.slice(6) };
}

/**
 * Compares two codes without an early exit, so the time taken does not reveal how many digits matched. Why:
 * the phone compares the code in a GP's approval with its own secret. Spec:
 * docs/protocols/dp3t-backoffice.md §D3.
 */
export function disclosureCodesEqual(a: DisclosureCode, b: DisclosureCode): boolean {
  return constantTimeEqual(utf8(a.reference + a.secret), utf8(b.reference + b.secret));
}

/**
 * Whether a string is a valid 6-digit reference (the backend's lookup key). Spec:
 * docs/protocols/dp3t-backoffice.md §D4 (the first 6 digits are the reference).
 */
export function isReference(value: string): boolean {
  return /^\d{6}$/.test(value);
}

function checkCode(code: DisclosureCode): void {
  if (!/^\d{6}$/.test(code.reference) || !/^\d{4}$/.test(code.secret))
    throw new DisclosureInputError('NOT_A_CODE', 'reference must be 6 digits and secret 4 digits');
}
