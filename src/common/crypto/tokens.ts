import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** A random bearer token (base64url, 256 bits by default). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens are stored only as SHA-256 hex, so a database leak does not grant sessions. */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time string comparison (length leaks, content does not). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

// No 0/O, 1/l/I: temporary passwords are read aloud or typed from paper.
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A temporary password of ~95 bits, grouped for reading: `xxxx-xxxx-xxxx-xxxx`. */
export function temporaryPassword(): string {
  const chars = Array.from({ length: 16 }, () => READABLE[randomInt(READABLE.length)]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}
