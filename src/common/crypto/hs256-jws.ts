import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** A SHA-256 MAC is 32 bytes: 43 base64url characters without padding. */
const MAC_LENGTH = 43;

/**
 * Verifies an HS256 JWS in compact form (RFC 7515) and returns its JSON object payload, or null when
 * the token is malformed, names another algorithm or critical extensions, or its MAC is wrong. Claims
 * (exp, aud, …) are the caller's. Written out because it runs on every key upload, where jose's
 * general path (key checks, claim-set parsing, several awaits) cost 5 % of an upload's CPU.
 */
export function verifyHs256(token: string, key: KeyObject | Uint8Array): Record<string, unknown> | null {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) >= 0) return null;
  const header = token.slice(0, first);
  const payload = token.slice(first + 1, second);
  const mac = token.slice(second + 1);
  if (mac.length !== MAC_LENGTH || !SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(mac))
    return null;
  const protectedHeader = jsonObject(header);
  // An unknown `crit` must be refused (RFC 7515 §4.1.11); no extension is known here.
  if (!protectedHeader || protectedHeader.alg !== 'HS256' || 'crit' in protectedHeader) return null;
  const expected = createHmac('sha256', key).update(token.slice(0, second)).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return jsonObject(payload);
}

function jsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
