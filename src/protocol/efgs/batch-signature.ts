import { createHash } from 'node:crypto';
import type { DiagnosisKey } from './diagnosis-key';

// Per-key encoding is the gateway's hot path (5,000 keys per upload, each hashed and signed over), so the
// fixed-size fields are base64-encoded by table instead of through a Buffer per field.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + ALPHABET[n & 63];
  }
  if (i + 1 === bytes.length) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + '==';
  } else if (i + 2 === bytes.length) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + '=';
  }
  return out;
}

/** 4 bytes big-endian, base64: Java's putInt, so negative int32 values come out as two's complement. */
function int32Base64(value: number): string {
  const n = value >>> 0;
  const b0 = n >>> 24;
  const b1 = (n >>> 16) & 255;
  const b2 = (n >>> 8) & 255;
  const b3 = n & 255;
  const t = (b0 << 16) | (b1 << 8) | b2;
  return (
    ALPHABET[t >>> 18] +
    ALPHABET[(t >>> 12) & 63] +
    ALPHABET[(t >>> 6) & 63] +
    ALPHABET[t & 63] +
    ALPHABET[b3 >>> 2] +
    ALPHABET[(b3 & 3) << 4] +
    '=='
  );
}

// Java's String.getBytes(US_ASCII) turns every non-ASCII code point into '?'. Mirror it so a stray
// character gives the same bytes (and the same signature failure) as at the gateway. Visited-country
// lists and origins repeat across a batch, so their encodings are memoised (bounded).
const asciiCache = new Map<string, string>();
const ASCII_CACHE_SIZE = 4096;

function javaAsciiBase64(text: string): string {
  const cached = asciiCache.get(text);
  if (cached !== undefined) return cached;
  let ascii = '';
  for (const ch of text) ascii += ch.length === 1 && ch.charCodeAt(0) < 0x80 ? ch : '?';
  const encoded = Buffer.from(ascii, 'latin1').toString('base64');
  if (asciiCache.size >= ASCII_CACHE_SIZE) asciiCache.clear();
  asciiCache.set(text, encoded);
  return encoded;
}

/**
 * The per-key signing record (docs/protocols/efgs.md §A4.1): eight fields, each base64 (standard, padded) and
 * each followed by `.`. Integers are 4-byte big-endian two's complement — DSOS included, not zig-zag.
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
 * The keys' signing records in message order and the bytes a batch signature covers
 * (docs/protocols/efgs.md §A4.1): records sorted by base64(record), concatenated without separator. For a
 * gateway that needs both the bytes and every key's payloadHash (docs/protocols/efgs.md §A3), so each record
 * is built once.
 */
export function batchSigningRecords(keys: readonly DiagnosisKey[]): { records: string[]; bytes: Uint8Array } {
  const records = keys.map(signingRecord);
  const sortKeys = records.map((record) => Buffer.from(record, 'latin1').toString('base64'));
  const order = records.map((_, i) => i);
  // Code-unit order as Java's String.compareTo. Not localeCompare, and not the record itself: base64 does
  // not preserve order, so sorting by keyData or by the raw record gives a different byte stream.
  order.sort((a, b) => (sortKeys[a] < sortKeys[b] ? -1 : sortKeys[a] > sortKeys[b] ? 1 : 0));
  return { records, bytes: new Uint8Array(Buffer.from(order.map((i) => records[i]).join(''), 'latin1')) };
}

/**
 * The bytes a batch signature covers (docs/protocols/efgs.md §A4.1): the keys' signing records sorted by
 * base64(record) and concatenated without separator. Hand these to the CMS module (`src/protocol/cms`) as the
 * detached content, for signing an upload and for verifying one.
 */
export function batchSigningBytes(keys: readonly DiagnosisKey[]): Uint8Array {
  return batchSigningRecords(keys).bytes;
}

/**
 * Per-key duplicate-detection hash (docs/protocols/efgs.md §A3): SHA-256 of the key's signing record, as 64
 * lower-case hex characters. EFGS writes it with Java's `BigInteger.toString(16)`, which drops leading zero
 * nibbles (a hash starting 0x00 gives 62 characters); compare EFGS-produced values through
 * `normaliseThumbprint`.
 */
export function payloadHash(key: DiagnosisKey): string {
  return payloadHashOfRecord(signingRecord(key));
}

/**
 * {@link payloadHash} of a key whose signing record is at hand (docs/protocols/efgs.md §A3), e.g. from
 * {@link batchSigningRecords}.
 */
export function payloadHashOfRecord(record: string): string {
  return createHash('sha256').update(record, 'latin1').digest('hex');
}
