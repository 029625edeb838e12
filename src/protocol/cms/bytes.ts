/**
 * Byte helpers shared by the CMS and disclosure code. Browser-safe: no Node `Buffer`, only typed arrays,
 * `TextEncoder`/`TextDecoder` and WebCrypto.
 */
import { verifyBackend } from './crypto-engine';

/** Anything we accept as binary input: DER, content, keys. */
export type BytesLike = Uint8Array | ArrayBuffer;

/**
 * Views any accepted binary input as a `Uint8Array` without copying.
 * Why: pkijs returns `ArrayBuffer`s, Node and browsers hand us `Uint8Array`s (a Node `Buffer` is one).
 * Spec: WebCrypto `BufferSource` (W3C Web Cryptography API §9).
 */
export function toBytes(input: BytesLike): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/**
 * Narrows a `Uint8Array` to one backed by an `ArrayBuffer`, as the DOM `BufferSource` type requires
 * (TypeScript 5.9 types views on `SharedArrayBuffer` separately); copies only in that rare case.
 * Spec: W3C Web Cryptography API §9 (BufferSource).
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

/**
 * Copies bytes into a fresh, exactly-sized `ArrayBuffer`.
 * Why: a `Uint8Array` may be a window on a larger (pooled) buffer, and pkijs/WebCrypto read whole buffers.
 * Spec: W3C Web Cryptography API §9 (BufferSource).
 */
export function toArrayBuffer(input: BytesLike): ArrayBuffer {
  const bytes = toBytes(input);
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/**
 * Lower-case hex of the bytes (thumbprints, serial numbers, hashes in text formats).
 * Spec: RFC 4648 §8 (base16, lower case).
 */
export function toHex(input: BytesLike): string {
  let out = '';
  for (const b of toBytes(input)) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Parses strict hex (even length, 0-9a-f, either case) into bytes.
 * @throws TypeError on any other character, so callers never get silently truncated bytes.
 * Spec: RFC 4648 §8 (base16).
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths, not their contents. Why: secrets
 * (codes, hashes) must not leak through early-exit timing; lengths are public here. Spec:
 * docs/protocols/dp3t-backoffice.md §D3–§D4 (the 6 + 4 digit codes and upload hashes compared with it).
 */
export function constantTimeEqual(a: BytesLike, b: BytesLike): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/**
 * Byte-wise equality for non-secret data (certificate identity, DER comparison).
 * Spec: RFC 5280 §7.1 byte-equal names and certificates.
 */
export function bytesEqual(a: BytesLike, b: BytesLike): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Unsigned lexicographic order of byte strings (DER SET OF sorting, canonical key order).
 * Spec: X.690 §11.6 (DER SET OF order).
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Concatenates byte strings.
 * Spec: none of its own; builds the encodings specified in upload-payload.ts and RFC 5652.
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * UTF-8 encoding of a string.
 * Spec: RFC 3629.
 */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * SHA-256 of the bytes (32 bytes) through the verify backend: WebCrypto by default, so the same code runs
 * in the browser portal and on the phone.
 * Spec: FIPS 180-4; RFC 5754 §2.
 */
export async function sha256(input: BytesLike): Promise<Uint8Array> {
  return verifyBackend().digest('SHA-256', toBytes(input));
}
