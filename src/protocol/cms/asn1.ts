/**
 * Strict, bounded ASN.1 decoding helpers on top of asn1js. Untrusted input goes through `decodeDer`
 * only, so resource limits and the "no trailing bytes" rule are applied in one place.
 */
import * as asn1js from 'asn1js';
import { type BytesLike, toBytes } from './bytes';

/** Resource limits for untrusted input; a CMS with a chain of 3 has about 1,000 nodes and depth ~15. */
const LIMITS = { maxDepth: 48, maxNodes: 20_000 } as const;

/**
 * Decodes exactly one BER/DER element covering all of `input`.
 * @throws TypeError on parse errors, exceeded limits or trailing bytes (X.690 §8.1).
 */
export function decodeDer(input: BytesLike, what = 'ASN.1 value'): asn1js.AsnType {
  const bytes = toBytes(input);
  if (bytes.length === 0) throw new TypeError(`${what}: empty input`);
  const { offset, result } = asn1js.fromBER(bytes, LIMITS);
  if (offset === -1 || result.error) throw new TypeError(`${what}: ${result.error || 'cannot decode'}`);
  if (offset !== bytes.length) throw new TypeError(`${what}: ${bytes.length - offset} trailing bytes`);
  return result;
}

/**
 * True for a context-specific ([n]) tag with the given number.
 * Spec: X.690 §8.1.2 (identifier octets).
 */
export function isContextTag(block: asn1js.AsnType, tagNumber: number): boolean {
  return block.idBlock.tagClass === 3 && block.idBlock.tagNumber === tagNumber;
}

/**
 * The children of a constructed element (SEQUENCE, SET or constructed tag).
 * Spec: X.690 §8.1.1 (constructed encoding).
 */
export function childrenOf(block: asn1js.AsnType, what: string): asn1js.AsnType[] {
  const value = (block.valueBlock as { value?: unknown }).value;
  if (!block.idBlock.isConstructed || !Array.isArray(value))
    throw new TypeError(`${what}: not a constructed element`);
  return value as asn1js.AsnType[];
}

/**
 * The dotted string of an OBJECT IDENTIFIER element.
 * Spec: X.690 §8.19.
 */
export function oidOf(block: asn1js.AsnType, what: string): string {
  if (!(block instanceof asn1js.ObjectIdentifier)) throw new TypeError(`${what}: not an OBJECT IDENTIFIER`);
  return block.valueBlock.toString();
}

/**
 * The original encoding of a decoded element (what was signed, what to hash).
 * Spec: X.690 §8.1; RFC 5652 §5.4 needs the received encoding.
 */
export function encodingOf(block: asn1js.AsnType): Uint8Array {
  return block.valueBeforeDecodeView;
}

/**
 * Parses an element as an ASN.1 time (UTCTime or GeneralizedTime) into a Date.
 * Spec: RFC 5280 §4.1.2.5; X.690 §11.7–§11.8.
 */
export function timeOf(block: asn1js.AsnType, what: string): Date {
  if (block instanceof asn1js.UTCTime || block instanceof asn1js.GeneralizedTime) {
    const date = block.toDate();
    if (Number.isNaN(date.getTime())) throw new TypeError(`${what}: invalid time`);
    return date;
  }
  throw new TypeError(`${what}: not a UTCTime or GeneralizedTime`);
}

/** One DER element located in a buffer: tag fields and the byte range of header and content. */
export interface Tlv {
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** Offset of the first identifier byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the element. */
  readonly end: number;
}

/**
 * Reads one definite-length element header at `offset` (X.690 §8.1), without decoding the content.
 * Returns null for an indefinite length (BER), so callers can fall back to the full asn1js decoder.
 * Why: framing a CMS this way lets us skip decoding embedded certificates we already know.
 * @throws TypeError when the header is malformed or the element overruns `limit`.
 */
export function readTlv(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv | null {
  let at = offset;
  if (at >= limit) throw new TypeError('TLV: unexpected end of data');
  const first = bytes[at++];
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let n = 0; ; n++) {
      if (at >= limit || n > 3) throw new TypeError('TLV: bad high tag number');
      const b = bytes[at++];
      tagNumber = tagNumber * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (at >= limit) throw new TypeError('TLV: missing length');
  let length = bytes[at++];
  if (length === 0x80) return null;
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || at + count > limit) throw new TypeError('TLV: bad length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at++];
  }
  const end = at + length;
  if (end > limit) throw new TypeError('TLV: element overruns its container');
  return {
    tagClass: first >> 6,
    constructed: (first & 0x20) !== 0,
    tagNumber,
    start: offset,
    contentStart: at,
    end,
  };
}

/**
 * The elements inside a constructed element, or null when any uses an indefinite length.
 * @throws TypeError on malformed headers.
 * Spec: X.690 §8.1.1, §8.1.3.
 */
export function readChildren(bytes: Uint8Array, parent: Tlv): Tlv[] | null {
  if (!parent.constructed) throw new TypeError('TLV: not a constructed element');
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    if (!child) return null;
    out.push(child);
    at = child.end;
  }
  return out;
}

/**
 * Decodes the content octets of an OBJECT IDENTIFIER (X.690 §8.19) to dotted form.
 * @throws TypeError on non-minimal or oversized sub-identifiers.
 */
export function oidFromContent(content: Uint8Array): string {
  if (content.length === 0) throw new TypeError('OID: empty');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    const b = content[i];
    if (value === 0 && b === 0x80) throw new TypeError('OID: non-minimal sub-identifier');
    value = value * 128 + (b & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new TypeError('OID: sub-identifier too large');
    if ((b & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 40 ? 0 : value < 80 ? 1 : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new TypeError('OID: truncated sub-identifier');
    }
  }
  return arcs.join('.');
}

/**
 * Parses the content of a DER UTCTime (tag 23, `YYMMDDHHMMSSZ`) or GeneralizedTime (tag 24,
 * `YYYYMMDDHHMMSS[.f]Z`) as RFC 5280 §4.1.2.5 and X.690 §11.7–§11.8 require.
 * @throws TypeError for any other form.
 */
export function timeFromContent(tagNumber: number, content: Uint8Array): Date {
  const text = String.fromCharCode(...content);
  const match =
    tagNumber === 23
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : tagNumber === 24
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/.exec(text)
        : null;
  if (!match) throw new TypeError('time: not a DER UTCTime or GeneralizedTime');
  let year = Number(match[1]);
  if (tagNumber === 23) year += year >= 50 ? 1900 : 2000;
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number);
  const millis = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    throw new TypeError('time: out of range');
  return date;
}
