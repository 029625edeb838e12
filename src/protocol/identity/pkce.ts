/**
 * PKCE (RFC 7636) S256 between the app and the verification service: the app proves at the result
 * exchange that it is the one that started the login, so a result code caught on its way back through
 * the redirect URI is useless to another app.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A code verifier: 43 characters of base64url from 32 random bytes (RFC 7636 §4.1). */
export function codeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** BASE64URL(SHA256(verifier)), the S256 code challenge (RFC 7636 §4.2). */
export function codeChallengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Constant-time check of a verifier against the stored S256 challenge (RFC 7636 §4.6). */
export function checkCodeVerifier(verifier: string, challenge: string): boolean {
  const a = Buffer.from(codeChallengeS256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
