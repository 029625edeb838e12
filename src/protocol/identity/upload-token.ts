/**
 * The anonymous upload token of the identity-based flow. After a successful verification the phone gets
 * a token blind-signed (RFC 9474) with the token key for its sample date; it redeems the token once, with
 * its keys, at `POST /api/v1/diagnosis-keys`. The signer never sees the token, so it cannot tell which
 * login a redeemed token came from; all a token reveals is its key: the day it was issued, the sample
 * date and the allowed key count. See docs/identity-verification.md.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { MSG_PREFIX_LENGTH, verifySignature } from './blind-rsa';
import { tokenPublicKey } from './token-key-encoding';

/** The `verification.type` of an upload that carries a blind-signed token. */
export const BLIND_TOKEN_VERIFICATION_TYPE = 'identity-blind-token';

/** Domain separation: the signed message names this scheme, its version and the key. */
export const TOKEN_MESSAGE_LABEL = 'veilig:identity-upload-token:v1:';

/** A token key as the backend publishes it (`GET /.well-known/veilig/identity-token-keys`). */
export interface PublishedTokenKey {
  /** base64url SHA-256 of the SPKI DER: the phone recomputes it, so an id cannot name another key. */
  keyId: string;
  /** UTC day the key signs on, `YYYY-MM-DD`. */
  issuedOn: string;
  /** Sample date every token of this key vouches for, `YYYY-MM-DD`. */
  sampleDate: string;
  /** Keys an upload with such a token may hold. */
  maxKeys: number;
  /** Tokens of this key are refused from this moment (ISO 8601). */
  notAfter: string;
  /** RSA public key, SPKI DER in base64 with the id-RSASSA-PSS algorithm of RFC 9578 §6.5. */
  publicKey: string;
}

/** What the phone sends in the upload body's `verification` member. */
export interface BlindTokenVerification {
  type: typeof BLIND_TOKEN_VERIFICATION_TYPE;
  keyId: string;
  /** base64url of the prepared message: 32 random bytes ‖ label ‖ keyId. */
  token: string;
  /** base64url RSASSA-PSS signature (SHA-384, 48-byte salt) over `token`. */
  signature: string;
  /** Symptom onset, `YYYY-MM-DD`; absent: the sample date is used. */
  onsetDate?: string;
}

/**
 * Key id of a token key: base64url(SHA-256) of its published SPKI DER, as RFC 9578 §6.5 derives
 * `token_key_id` from the id-RSASSA-PSS encoding.
 */
export function tokenKeyId(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('base64url');
}

/** The message (before the random prefix) a token of key `keyId` signs. */
export function tokenMessage(keyId: string): Uint8Array {
  return Buffer.from(TOKEN_MESSAGE_LABEL + keyId, 'utf8');
}

/** Public key object of a published key; throws if the key id does not match the key. */
export function publicKeyOf(key: Pick<PublishedTokenKey, 'keyId' | 'publicKey'>): KeyObject {
  const der = Buffer.from(key.publicKey, 'base64');
  if (tokenKeyId(der) !== key.keyId) throw new Error('token key id does not match its public key');
  return tokenPublicKey(der);
}

/**
 * Checks a redeemed token against its key: right shape for this key id and a valid signature. Returns the
 * id under which the token is spent (SHA-256 hex of the token), or null when it is not valid.
 */
export function checkBlindToken(
  publicKey: KeyObject,
  keyId: string,
  token: Uint8Array,
  signature: Uint8Array,
): string | null {
  const expected = tokenMessage(keyId);
  if (token.length !== MSG_PREFIX_LENGTH + expected.length) return null;
  if (!Buffer.from(token.subarray(MSG_PREFIX_LENGTH)).equals(Buffer.from(expected))) return null;
  if (!verifySignature(publicKey, token, signature)) return null;
  return createHash('sha256').update(token).digest('hex');
}
