import { randomInt } from 'node:crypto';

export const DTMF_LENGTH = 10;

/**
 * Draws a DTMF code: 10 digits from the CSPRNG, zero-padded (so every code is exactly 10 tones and
 * `<Gather numDigits="10">` ends on the last one). Uniqueness among live sessions is the caller's
 * job: redraw on a unique-constraint clash.
 */
export function drawDtmfCode(): string {
  // randomInt's range must stay below 2^48; 10^10 does.
  return String(randomInt(0, 10 ** DTMF_LENGTH)).padStart(DTMF_LENGTH, '0');
}

/** Exactly 10 decimal digits (what a phone exchange may hand us; anything else is refused early). */
export function isDtmfCode(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{10}$/.test(value);
}
