/**
 * A strict walk over the RFC 5652 SignedData structure on top of the asn1js tree.
 *
 * Why not pkijs' `SignedData` class: it matches the whole structure, including every embedded certificate
 * and every CertificateChoices alternative, against freshly built schemas on each parse — about 40 % of a
 * verification in profiles — and it keeps no DER of embedded certificates. Here the structure is framed
 * with a bounds-checked TLV reader, the SignerInfo and encapContentInfo are decoded with asn1js and read
 * field by field with type checks, and embedded certificates stay raw bytes until someone needs them (a
 * configured intermediate is then never decoded at all; decoding a certificate with asn1js costs more than
 * verifying an RSA signature). BER with indefinite lengths falls back to decoding everything with asn1js.
 * Anything unexpected is a TypeError the verifier turns into MALFORMED_CMS.
 */
import * as asn1js from 'asn1js';
import {
  type Tlv,
  childrenOf,
  decodeDer,
  encodingOf,
  isContextTag,
  oidFromContent,
  oidOf,
  readChildren,
  readTlv,
} from './asn1';
import { OID } from './oids';

/** One attribute value, undecoded: its tag and content octets. */
export interface AttributeValue {
  readonly tagClass: number;
  readonly constructed: boolean;
  readonly tagNumber: number;
  readonly content: Uint8Array;
}

/** One attribute: type and its values (RFC 5652 §5.3 `Attribute`). */
export interface AttributeParts {
  readonly type: string;
  readonly values: readonly AttributeValue[];
}

/** SignerIdentifier (RFC 5652 §5.3). */
export type SignerIdentifierParts =
  | { readonly kind: 'issuerAndSerialNumber'; readonly issuer: Uint8Array; readonly serialNumber: Uint8Array }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyId: Uint8Array };

/** SignerInfo (RFC 5652 §5.3). */
export interface SignerInfoParts {
  readonly sid: SignerIdentifierParts;
  readonly digestAlgorithm: string;
  /** Absent when the signer signed the content directly. */
  readonly signedAttrs: {
    readonly encoded: Uint8Array;
    readonly attributes: readonly AttributeParts[];
  } | null;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
}

/** An X.509 certificate found in `certificates`, not yet decoded. */
export interface EmbeddedCertificate {
  readonly der: Uint8Array;
  /** DER of the issuer Name and the serial INTEGER content, for SignerIdentifier matching. */
  readonly issuer: Uint8Array;
  readonly serialNumber: Uint8Array;
}

/** SignedData (RFC 5652 §5.1) as far as verification needs it. */
export interface SignedDataParts {
  readonly eContentType: string;
  /** The encapsulated content, or null when detached. */
  readonly eContent: Uint8Array | null;
  readonly certificates: readonly EmbeddedCertificate[];
  readonly signerInfos: readonly SignerInfoParts[];
}

/**
 * Parses a DER/BER ContentInfo holding SignedData (RFC 5652 §3, §5.1–§5.3).
 * @throws TypeError describing the first structural problem.
 */
export function parseSignedData(bytes: Uint8Array): SignedDataParts {
  return frameSignedData(bytes) ?? decodeSignedData(bytes);
}

/** Fast path: frame with `readTlv`, decode only the small parts. Null when the input uses indefinite lengths. */
function frameSignedData(bytes: Uint8Array): SignedDataParts | null {
  const top = readTlv(bytes, 0);
  if (!top) return null;
  if (top.end !== bytes.length) throw new TypeError(`ContentInfo: ${bytes.length - top.end} trailing bytes`);
  if (!isUniversal(top, 16)) throw new TypeError('ContentInfo: not a SEQUENCE');
  const info = readChildren(bytes, top);
  if (!info) return null;
  const [contentType, explicit, ...rest] = info;
  if (!contentType || !explicit || rest.length)
    throw new TypeError('ContentInfo: expected contentType and content');
  const type = oidAt(bytes, contentType, 'contentType');
  if (type !== OID.signedData) throw new TypeError(`content type ${type} is not SignedData`);
  if (explicit.tagClass !== 2 || explicit.tagNumber !== 0 || !explicit.constructed)
    throw new TypeError('ContentInfo: content is not [0]');
  const inner = readChildren(bytes, explicit);
  if (!inner) return null;
  if (inner.length !== 1 || !isUniversal(inner[0], 16)) throw new TypeError('SignedData: not a SEQUENCE');
  const fields = readChildren(bytes, inner[0]);
  if (!fields) return null;

  let i = 0;
  if (!fields[i] || !isUniversal(fields[i++], 2)) throw new TypeError('SignedData version: not an INTEGER');
  if (!fields[i] || !isUniversal(fields[i++], 17)) throw new TypeError('digestAlgorithms: not a SET');
  if (!fields[i]) throw new TypeError('encapContentInfo: missing');
  const { eContentType, eContent } = frameEncapContentInfo(bytes, fields[i++]);
  let certificates: EmbeddedCertificate[] = [];
  if (fields[i] && isContext(fields[i], 0)) {
    const framed = frameCertificates(bytes, fields[i++]);
    if (!framed) return null;
    certificates = framed;
  }
  if (fields[i] && isContext(fields[i], 1)) i++; // crls: revocation data comes from configuration, not from the signer
  const signerSet = fields[i++];
  if (!signerSet || !isUniversal(signerSet, 17)) throw new TypeError('signerInfos: not a SET');
  const signers = readChildren(bytes, signerSet);
  if (!signers) return null;
  const signerInfos = signers.map((tlv) => frameSignerInfo(bytes, tlv));
  if (i !== fields.length) throw new TypeError('SignedData: unexpected trailing fields');
  return { eContentType, eContent, certificates, signerInfos };
}

function frameCertificates(bytes: Uint8Array, set: Tlv): EmbeddedCertificate[] | null {
  const out: EmbeddedCertificate[] = [];
  const choices = readChildren(bytes, set);
  if (!choices) return null;
  for (const choice of choices) {
    // Other CertificateChoices (attribute certificates, other formats) are not used for signer identification.
    if (!isUniversal(choice, 16)) continue;
    const parts = readChildren(bytes, choice);
    if (!parts) return null;
    if (!parts[0] || !isUniversal(parts[0], 16))
      throw new TypeError('Certificate: tbsCertificate is not a SEQUENCE');
    const tbs = readChildren(bytes, parts[0]);
    if (!tbs) return null;
    const offset = tbs[0] && isContext(tbs[0], 0) ? 1 : 0;
    const serial = tbs[offset];
    const issuer = tbs[offset + 2];
    if (!serial || !isUniversal(serial, 2) || !issuer || !isUniversal(issuer, 16))
      throw new TypeError('Certificate: malformed serial or issuer');
    out.push({
      der: slice(bytes, choice),
      issuer: slice(bytes, issuer),
      serialNumber: bytes.subarray(serial.contentStart, serial.end),
    });
  }
  return out;
}

function frameSignerInfo(bytes: Uint8Array, tlv: Tlv): SignerInfoParts {
  if (!isUniversal(tlv, 16)) throw new TypeError('SignerInfo: not a SEQUENCE');
  const fields = readChildren(bytes, tlv);
  if (!fields) return readSignerInfo(decodeDer(slice(bytes, tlv), 'SignerInfo'));
  const field = (what: string): Tlv => {
    const next = fields[i++];
    if (!next) throw new TypeError(`SignerInfo: ${what} missing`);
    return next;
  };
  let i = 0;
  if (!isUniversal(field('version'), 2)) throw new TypeError('SignerInfo version: not an INTEGER');
  const sidTlv = field('sid');
  let sid: SignerIdentifierParts;
  if (isUniversal(sidTlv, 16)) {
    const parts = readChildren(bytes, sidTlv);
    if (!parts || parts.length !== 2 || !isUniversal(parts[0], 16) || !isUniversal(parts[1], 2))
      throw new TypeError('IssuerAndSerialNumber: malformed');
    sid = {
      kind: 'issuerAndSerialNumber',
      issuer: slice(bytes, parts[0]),
      serialNumber: contentOf(bytes, parts[1]),
    };
  } else if (sidTlv.tagClass === 2 && sidTlv.tagNumber === 0 && !sidTlv.constructed) {
    sid = { kind: 'subjectKeyIdentifier', keyId: contentOf(bytes, sidTlv) };
  } else {
    throw new TypeError('SignerIdentifier: malformed');
  }
  const digestAlgorithm = frameAlgorithm(bytes, field('digestAlgorithm'), 'digestAlgorithm');
  let signedAttrs: SignerInfoParts['signedAttrs'] = null;
  if (fields[i] && isContext(fields[i], 0)) {
    const attrs = field('signedAttrs');
    signedAttrs = frameSignedAttributes(bytes, attrs);
    if (!signedAttrs) return readSignerInfo(decodeDer(slice(bytes, tlv), 'SignerInfo'));
  }
  const signatureAlgorithm = frameAlgorithm(bytes, field('signatureAlgorithm'), 'signatureAlgorithm');
  const signature = field('signature');
  if (!isUniversal(signature, 4)) throw new TypeError('signature: not a primitive OCTET STRING');
  if (fields[i] && isContext(fields[i], 1)) i++;
  if (i !== fields.length) throw new TypeError('SignerInfo: unexpected trailing fields');
  return { sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature: contentOf(bytes, signature) };
}

function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.end);
}

function oidAt(bytes: Uint8Array, tlv: Tlv, what: string): string {
  if (!isUniversal(tlv, 6)) throw new TypeError(`${what}: not an OBJECT IDENTIFIER`);
  return oidFromContent(contentOf(bytes, tlv));
}

function frameEncapContentInfo(
  bytes: Uint8Array,
  tlv: Tlv,
): { eContentType: string; eContent: Uint8Array | null } {
  if (!isUniversal(tlv, 16)) throw new TypeError('encapContentInfo: not a SEQUENCE');
  const parts = readChildren(bytes, tlv);
  const inner = parts?.[1] && isContext(parts[1], 0) ? readChildren(bytes, parts[1]) : null;
  // BER (indefinite lengths, a constructed OCTET STRING): let asn1js reassemble it.
  if (!parts || (parts[1] && (!inner || inner.length !== 1 || !isUniversal(inner[0], 4))))
    return readEncapContentInfo(decodeDer(slice(bytes, tlv), 'encapContentInfo'));
  if (!parts[0] || parts.length > 2) throw new TypeError('encapContentInfo: malformed');
  const eContentType = oidAt(bytes, parts[0], 'eContentType');
  return { eContentType, eContent: inner ? Uint8Array.from(contentOf(bytes, inner[0])) : null };
}

function frameAlgorithm(bytes: Uint8Array, tlv: Tlv, what: string): string {
  if (!isUniversal(tlv, 16)) throw new TypeError(`${what}: not an AlgorithmIdentifier`);
  const parts = readChildren(bytes, tlv);
  if (!parts || !parts[0] || parts.length > 2) throw new TypeError(`${what}: malformed`);
  // Parameters must be absent or NULL for every algorithm we accept (RFC 5754 §2–3, RFC 5758 §3.2).
  if (parts[1] && !(isUniversal(parts[1], 5) && parts[1].end === parts[1].contentStart))
    throw new TypeError(`${what}: unexpected parameters`);
  return oidAt(bytes, parts[0], what);
}

function frameSignedAttributes(
  bytes: Uint8Array,
  tlv: Tlv,
): NonNullable<SignerInfoParts['signedAttrs']> | null {
  const items = readChildren(bytes, tlv);
  if (!items) return null;
  const attributes: AttributeParts[] = [];
  for (const item of items) {
    if (!isUniversal(item, 16)) throw new TypeError('Attribute: not a SEQUENCE');
    const parts = readChildren(bytes, item);
    if (!parts) return null;
    if (parts.length !== 2 || !isUniversal(parts[1], 17)) throw new TypeError('Attribute: malformed');
    const values = readChildren(bytes, parts[1]);
    if (!values) return null;
    attributes.push({
      type: oidAt(bytes, parts[0], 'attrType'),
      values: values.map((v) => ({
        tagClass: v.tagClass,
        constructed: v.constructed,
        tagNumber: v.tagNumber,
        content: contentOf(bytes, v),
      })),
    });
  }
  // RFC 5652 §5.4: the signature covers the DER of SET OF Attribute, i.e. with the [0] tag replaced by SET.
  const encoded = Uint8Array.from(slice(bytes, tlv));
  encoded[0] = 0x31;
  return { encoded, attributes };
}

/** Slow path for BER with indefinite lengths: decode everything with asn1js. */
function decodeSignedData(bytes: Uint8Array): SignedDataParts {
  const [contentType, explicit, ...rest] = childrenOf(decodeDer(bytes, 'ContentInfo'), 'ContentInfo');
  if (!contentType || !explicit || rest.length)
    throw new TypeError('ContentInfo: expected contentType and content');
  const type = oidOf(contentType, 'contentType');
  if (type !== OID.signedData) throw new TypeError(`content type ${type} is not SignedData`);
  if (!isContextTag(explicit, 0)) throw new TypeError('ContentInfo: content is not [0]');
  const [signedData, ...extra] = childrenOf(explicit, 'ContentInfo content');
  if (!signedData || extra.length || !(signedData instanceof asn1js.Sequence))
    throw new TypeError('SignedData: not a SEQUENCE');

  const fields = childrenOf(signedData, 'SignedData');
  let i = 0;
  expectInteger(fields[i++], 'SignedData version');
  expectSet(fields[i++], 'digestAlgorithms');
  const { eContentType, eContent } = readEncapContentInfo(fields[i++]);
  let certificates: EmbeddedCertificate[] = [];
  if (fields[i] && isContextTag(fields[i], 0)) certificates = readCertificates(fields[i++]);
  if (fields[i] && isContextTag(fields[i], 1)) i++;
  const signerInfos = childrenOf(expectSet(fields[i++], 'signerInfos'), 'signerInfos').map(readSignerInfo);
  if (i !== fields.length) throw new TypeError('SignedData: unexpected trailing fields');
  return { eContentType, eContent, certificates, signerInfos };
}

function slice(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

function isUniversal(tlv: Tlv, tagNumber: number): boolean {
  return (
    tlv.tagClass === 0 &&
    tlv.tagNumber === tagNumber &&
    tlv.constructed === (tagNumber === 16 || tagNumber === 17)
  );
}

function isContext(tlv: Tlv, tagNumber: number): boolean {
  return tlv.tagClass === 2 && tlv.tagNumber === tagNumber && tlv.constructed;
}

function readEncapContentInfo(block: asn1js.AsnType | undefined): {
  eContentType: string;
  eContent: Uint8Array | null;
} {
  if (!(block instanceof asn1js.Sequence)) throw new TypeError('encapContentInfo: not a SEQUENCE');
  const [type, explicit, ...rest] = childrenOf(block, 'encapContentInfo');
  if (rest.length) throw new TypeError('encapContentInfo: unexpected fields');
  const eContentType = oidOf(type ?? new asn1js.Null(), 'eContentType');
  if (!explicit) return { eContentType, eContent: null };
  if (!isContextTag(explicit, 0)) throw new TypeError('eContent: not [0]');
  const [octets, ...more] = childrenOf(explicit, 'eContent');
  if (!(octets instanceof asn1js.OctetString) || more.length)
    throw new TypeError('eContent: not an OCTET STRING');
  return { eContentType, eContent: new Uint8Array(octets.getValue()) };
}

function readCertificates(block: asn1js.AsnType): EmbeddedCertificate[] {
  const out: EmbeddedCertificate[] = [];
  for (const choice of childrenOf(block, 'certificates')) {
    // Other CertificateChoices (attribute certificates, other formats) are not used for signer identification.
    if (!(choice instanceof asn1js.Sequence)) continue;
    const [tbs] = childrenOf(choice, 'Certificate');
    if (!(tbs instanceof asn1js.Sequence))
      throw new TypeError('Certificate: tbsCertificate is not a SEQUENCE');
    const tbsFields = childrenOf(tbs, 'tbsCertificate');
    const offset = tbsFields[0] && isContextTag(tbsFields[0], 0) ? 1 : 0;
    const serial = tbsFields[offset];
    const issuer = tbsFields[offset + 2];
    if (!(serial instanceof asn1js.Integer) || !(issuer instanceof asn1js.Sequence))
      throw new TypeError('Certificate: malformed serial or issuer');
    out.push({
      der: encodingOf(choice),
      issuer: encodingOf(issuer),
      serialNumber: serial.valueBlock.valueHexView,
    });
  }
  return out;
}

function readSignerInfo(block: asn1js.AsnType): SignerInfoParts {
  if (!(block instanceof asn1js.Sequence)) throw new TypeError('SignerInfo: not a SEQUENCE');
  const fields = childrenOf(block, 'SignerInfo');
  let i = 0;
  expectInteger(fields[i++], 'SignerInfo version');
  const sidBlock = fields[i++];
  let sid: SignerIdentifierParts;
  if (sidBlock instanceof asn1js.Sequence) {
    const [issuer, serial, ...rest] = childrenOf(sidBlock, 'IssuerAndSerialNumber');
    if (!(issuer instanceof asn1js.Sequence) || !(serial instanceof asn1js.Integer) || rest.length)
      throw new TypeError('IssuerAndSerialNumber: malformed');
    sid = {
      kind: 'issuerAndSerialNumber',
      issuer: encodingOf(issuer),
      serialNumber: serial.valueBlock.valueHexView,
    };
  } else if (sidBlock && isContextTag(sidBlock, 0) && !sidBlock.idBlock.isConstructed) {
    sid = {
      kind: 'subjectKeyIdentifier',
      keyId: (sidBlock.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView,
    };
  } else {
    throw new TypeError('SignerIdentifier: malformed');
  }
  const digestAlgorithm = algorithmOf(fields[i++], 'digestAlgorithm');
  let signedAttrs: SignerInfoParts['signedAttrs'] = null;
  if (fields[i] && isContextTag(fields[i], 0)) signedAttrs = signedAttributes(fields[i++]);
  const signatureAlgorithm = algorithmOf(fields[i++], 'signatureAlgorithm');
  const signature = fields[i++];
  if (!(signature instanceof asn1js.OctetString) || signature.idBlock.isConstructed)
    throw new TypeError('signature: not a primitive OCTET STRING');
  if (fields[i] && isContextTag(fields[i], 1)) i++;
  if (i !== fields.length) throw new TypeError('SignerInfo: unexpected trailing fields');
  return {
    sid,
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithm,
    signature: signature.valueBlock.valueHexView,
  };
}

function signedAttributes(block: asn1js.AsnType): NonNullable<SignerInfoParts['signedAttrs']> {
  const attributes = childrenOf(block, 'signedAttrs').map((attribute) => {
    const [type, values, ...rest] = childrenOf(attribute, 'Attribute');
    if (!type || !(values instanceof asn1js.Set) || rest.length) throw new TypeError('Attribute: malformed');
    return { type: oidOf(type, 'attrType'), values: childrenOf(values, 'attrValues').map(attributeValueOf) };
  });
  // RFC 5652 §5.4: the signature covers the DER of SET OF Attribute, i.e. with the [0] tag replaced by SET.
  const encoded = Uint8Array.from(encodingOf(block));
  encoded[0] = 0x31;
  return { encoded, attributes };
}

function attributeValueOf(block: asn1js.AsnType): AttributeValue {
  const der = encodingOf(block);
  const tlv = readTlv(der, 0);
  // Constructed BER values (e.g. a chunked OCTET STRING) are not valid for the attributes we read.
  if (!tlv || tlv.constructed)
    return { tagClass: -1, constructed: true, tagNumber: -1, content: new Uint8Array(0) };
  return {
    tagClass: tlv.tagClass,
    constructed: false,
    tagNumber: tlv.tagNumber,
    content: der.subarray(tlv.contentStart, tlv.end),
  };
}

function algorithmOf(block: asn1js.AsnType | undefined, what: string): string {
  if (!(block instanceof asn1js.Sequence)) throw new TypeError(`${what}: not an AlgorithmIdentifier`);
  const [oid, params, ...rest] = childrenOf(block, what);
  if (rest.length) throw new TypeError(`${what}: unexpected fields`);
  // Parameters must be absent or NULL for every algorithm we accept (RFC 5754 §2–3, RFC 5758 §3.2).
  if (params !== undefined && !(params instanceof asn1js.Null))
    throw new TypeError(`${what}: unexpected parameters`);
  return oidOf(oid ?? new asn1js.Null(), what);
}

function expectInteger(block: asn1js.AsnType | undefined, what: string): void {
  if (!(block instanceof asn1js.Integer)) throw new TypeError(`${what}: not an INTEGER`);
}

function expectSet(block: asn1js.AsnType | undefined, what: string): asn1js.AsnType {
  if (!(block instanceof asn1js.Set)) throw new TypeError(`${what}: not a SET`);
  return block;
}
