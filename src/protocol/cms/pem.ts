/**
 * PEM ⇄ DER (RFC 7468). Configuration (roots, CRLs) usually arrives as PEM files; everything inside
 * this module works on DER.
 */
import { type BytesLike, toBytes } from './bytes';

/**
 * Extracts the DER of the first PEM block with the given label (e.g. `CERTIFICATE`, `X509 CRL`).
 * @throws TypeError when there is no such block or its base64 is invalid.
 * Spec: RFC 7468 §2.
 */
export function pemToDer(pem: string, label: string): Uint8Array {
  return pemToDerAll(pem, label)[0] ?? throwNoBlock(label);
}

/**
 * Extracts every PEM block with the given label, in order (a bundle of roots or a chain file).
 * Spec: RFC 7468 §2 (several blocks in one file, §5.1 for certificates).
 */
export function pemToDerAll(pem: string, label: string): Uint8Array[] {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`-----BEGIN ${escaped}-----([A-Za-z0-9+/=\\s]*?)-----END ${escaped}-----`, 'g');
  const out: Uint8Array[] = [];
  for (const match of pem.matchAll(re)) out.push(base64ToBytes(match[1].replace(/\s+/g, '')));
  return out;
}

/** Wraps DER in a PEM block with 64-character lines (RFC 7468 §2). */
export function derToPem(der: BytesLike, label: string): string {
  const b64 = bytesToBase64(toBytes(der));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Standard base64 with padding (RFC 4648 §4), without Node's Buffer so it also runs in the browser. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Decodes standard base64 (RFC 4648 §4).
 * @throws TypeError on characters outside the alphabet or bad padding.
 */
export function base64ToBytes(b64: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new TypeError('invalid base64');
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function throwNoBlock(label: string): never {
  throw new TypeError(`no PEM block "${label}" found`);
}
