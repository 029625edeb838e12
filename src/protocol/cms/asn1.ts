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

/** True for a context-specific ([n]) tag with the given number. */
export function isContextTag(block: asn1js.AsnType, tagNumber: number): boolean {
  return block.idBlock.tagClass === 3 && block.idBlock.tagNumber === tagNumber;
}

/** The children of a constructed element (SEQUENCE, SET or constructed tag). */
export function childrenOf(block: asn1js.AsnType, what: string): asn1js.AsnType[] {
  const value = (block.valueBlock as { value?: unknown }).value;
  if (!block.idBlock.isConstructed || !Array.isArray(value)) throw new TypeError(`${what}: not a constructed element`);
  return value as asn1js.AsnType[];
}

/** The dotted string of an OBJECT IDENTIFIER element. */
export function oidOf(block: asn1js.AsnType, what: string): string {
  if (!(block instanceof asn1js.ObjectIdentifier)) throw new TypeError(`${what}: not an OBJECT IDENTIFIER`);
  return block.valueBlock.toString();
}

/** The original encoding of a decoded element (what was signed, what to hash). */
export function encodingOf(block: asn1js.AsnType): Uint8Array {
  return block.valueBeforeDecodeView;
}

/** Parses an element as an ASN.1 time (UTCTime or GeneralizedTime) into a Date. */
export function timeOf(block: asn1js.AsnType, what: string): Date {
  if (block instanceof asn1js.UTCTime || block instanceof asn1js.GeneralizedTime) {
    const date = block.toDate();
    if (Number.isNaN(date.getTime())) throw new TypeError(`${what}: invalid time`);
    return date;
  }
  throw new TypeError(`${what}: not a UTCTime or GeneralizedTime`);
}
