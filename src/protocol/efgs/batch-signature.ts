import { createHash } from 'node:crypto';
import type { DiagnosisKey } from './diagnosis-key';

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function int32Base64(value: number): string {
  const bytes = new Uint8Array(4);
  // setUint32 applies ToUint32, so negative int32 values come out as two's complement, like Java's putInt.
  new DataView(bytes.buffer).setUint32(0, value >>> 0, false);
  return base64(bytes);
}

// Java's String.getBytes(US_ASCII) turns every non-ASCII code point into '?'. Mirror it so a stray
// character gives the same bytes (and the same signature failure) as at the gateway.
function javaAsciiBase64(text: string): string {
  let ascii = '';
  for (const ch of text) ascii += ch.length === 1 && ch.charCodeAt(0) < 0x80 ? ch : '?';
  return Buffer.from(ascii, 'latin1').toString('base64');
}

/**
 * The per-key signing record (efgs.md §A4.1): eight fields, each base64 (standard, padded) and each
 * followed by `.`. Integers are 4-byte big-endian two's complement — DSOS included, not zig-zag.
 * Returned as a string of ASCII characters.
 */
export function signingRecord(key: DiagnosisKey): string {
  return (
    [
      base64(key.keyData),
      int32Base64(key.rollingStartIntervalNumber),
      int32Base64(key.rollingPeriod),
      int32Base64(key.transmissionRiskLevel),
      javaAsciiBase64(key.visitedCountries.join(',')),
      javaAsciiBase64(key.origin),
      int32Base64(key.reportType),
      int32Base64(key.daysSinceOnsetOfSymptoms),
    ].join('.') + '.'
  );
}

/**
 * The bytes a batch signature covers (efgs.md §A4.1): the keys' signing records sorted by
 * base64(record) and concatenated without separator. Hand these to the CMS module (`src/protocol/cms`)
 * as the detached content, for signing an upload and for verifying one.
 */
export function batchSigningBytes(keys: readonly DiagnosisKey[]): Uint8Array {
  const records = keys.map((key) => {
    const record = signingRecord(key);
    return { record, sortKey: Buffer.from(record, 'latin1').toString('base64') };
  });
  // Code-unit order as Java's String.compareTo. Not localeCompare, and not the record itself: base64 does
  // not preserve order, so sorting by keyData or by the raw record gives a different byte stream.
  records.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return new Uint8Array(Buffer.from(records.map((r) => r.record).join(''), 'latin1'));
}

/**
 * Per-key duplicate-detection hash (efgs.md §A3): SHA-256 of the key's signing record, as 64 lower-case
 * hex characters. EFGS writes it with Java's `BigInteger.toString(16)`, which drops leading zero nibbles
 * (a hash starting 0x00 gives 62 characters); compare EFGS-produced values through `normaliseThumbprint`.
 */
export function payloadHash(key: DiagnosisKey): string {
  return createHash('sha256').update(signingRecord(key), 'latin1').digest('hex');
}
