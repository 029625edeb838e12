/**
 * Reading X.509 certificates: parsing DER into pkijs objects and describing them as plain data
 * (subject fields, serial, thumbprint, key usage, policies, subjectAltName otherNames).
 * Extension values are decoded here with asn1js directly and strictly: pkijs silently replaces a
 * malformed extension by defaults (a broken basicConstraints would read as "not a CA").
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { childrenOf, decodeDer, isContextTag, oidOf } from './asn1';
import { type BytesLike, bytesEqual, sha256, toBytes, toHex } from './bytes';
import { DN_NAMES, OID } from './oids';

/** RFC 5280 §4.2.1.3 key usage bits, in bit order. */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/** One attribute of a distinguished name, in encoded order. */
export interface NameAttribute {
  readonly type: string;
  /** Short name (`CN`, `O`, `C`, `serialNumber`, …) or the dotted OID when unknown. */
  readonly name: string;
  readonly value: string;
}

/** A distinguished name as plain data. */
export interface DistinguishedName {
  readonly attributes: readonly NameAttribute[];
  /**
   * First value per short name, e.g. `fields.CN`, `fields.serialNumber`. The common names are declared so
   * the browser portal's `noPropertyAccessFromIndexSignature` accepts dotted access.
   */
  readonly fields: Readonly<Record<string, string>> & {
    readonly C?: string;
    readonly O?: string;
    readonly CN?: string;
    readonly serialNumber?: string;
  };
  /** `CN=…, O=…, C=…` in encoded order, for logs. */
  readonly text: string;
}

/** A subjectAltName otherName (RFC 5280 §4.2.1.6); `value` is set when the inner value is a string type. */
export interface OtherName {
  readonly typeId: string;
  readonly value: string | null;
  /** asn1js block name of the inner value, e.g. `IA5String`. */
  readonly valueType: string;
}

/** Public key summary: algorithm and size, for algorithm policy and display. */
export interface PublicKeySummary {
  readonly algorithm: 'RSA' | 'EC' | 'other';
  readonly oid: string;
  /** RSA modulus length in bits. */
  readonly bits?: number;
  /** Named curve OID for EC keys. */
  readonly curve?: string;
}

/** Certificate details as plain data, returned to callers of `verifyCms` and used by the UZI profile. */
export interface CertificateDetails {
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** Serial number as lower-case hex of its DER INTEGER content. */
  readonly serialNumber: string;
  /**
   * SHA-256 of the certificate DER, lower-case hex (the EFGS thumbprint format,
   * docs/protocols/efgs.md §A4.2).
   */
  readonly thumbprintSha256: string;
  /** Subject country `C`, used by federation to match key origins. */
  readonly country: string | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** `null` when the keyUsage extension is absent. */
  readonly keyUsage: readonly KeyUsageName[] | null;
  /** `null` when the extendedKeyUsage extension is absent. */
  readonly extendedKeyUsage: readonly string[] | null;
  readonly policies: readonly string[];
  readonly isCa: boolean;
  readonly otherNames: readonly OtherName[];
  readonly publicKey: PublicKeySummary;
  readonly der: Uint8Array;
}

/** Extension facts decoded once per certificate. */
export interface ExtensionFacts {
  readonly keyUsage: ReadonlySet<KeyUsageName> | null;
  readonly extendedKeyUsage: readonly string[] | null;
  readonly policies: readonly string[];
  readonly isCa: boolean;
  readonly otherNames: readonly OtherName[];
  readonly subjectKeyIdentifier: Uint8Array | null;
  readonly authorityKeyIdentifier: Uint8Array | null;
  /** Critical extensions not in the set this module understands. */
  readonly unknownCritical: readonly string[];
}

/**
 * Parses one DER certificate (RFC 5280 §4.1).
 * @throws TypeError when the bytes are not exactly one X.509 certificate.
 */
export function parseCertificate(der: BytesLike): pkijs.Certificate {
  const block = decodeDer(der, 'certificate');
  try {
    const cert = new pkijs.Certificate({ schema: block });
    cert.issuer = fastNames(cert.issuer);
    cert.subject = fastNames(cert.subject);
    return cert;
  } catch (error) {
    throw new TypeError(`certificate: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Names that first compare their DER byte for byte. pkijs' `isEqual` (string preparation and
 * `localeCompare` per attribute, RFC 5280 §7.1) is correct but costs a visible share of a verification, and
 * issuer names are nearly always copied verbatim from the issuer's subject; other cases still take it.
 */
export class FastNames extends pkijs.RelativeDistinguishedNames {
  override isEqual(compareTo: unknown): boolean {
    if (compareTo instanceof pkijs.RelativeDistinguishedNames) {
      const mine = this.valueBeforeDecode;
      const theirs = compareTo.valueBeforeDecode;
      if (mine.byteLength > 0 && theirs.byteLength > 0 && bytesEqual(mine, theirs)) return true;
    }
    return super.isEqual(compareTo);
  }
}

/**
 * Rewraps parsed names as `FastNames` (same content, same encoding).
 * Spec: RFC 5280 §4.1.2.4, §7.1.
 */
export function fastNames(name: pkijs.RelativeDistinguishedNames): pkijs.RelativeDistinguishedNames {
  return name instanceof FastNames || name.valueBeforeDecode.byteLength === 0
    ? name
    : new FastNames({ schema: name.toSchema() });
}

/**
 * The DER of a pkijs certificate that was parsed from bytes (its TBS view is the original encoding).
 * Spec: RFC 5280 §4.1.
 */
export function certificateDer(cert: pkijs.Certificate): Uint8Array {
  return new Uint8Array(cert.toSchema(false).toBER(false));
}

const factsCache = new WeakMap<pkijs.Certificate, ExtensionFacts>();

/**
 * Decodes the extensions this module relies on (RFC 5280 §4.2), strictly.
 * @throws TypeError when one of them is malformed or appears twice (§4.2: "MUST NOT include more than one instance").
 */
export function extensionFacts(cert: pkijs.Certificate): ExtensionFacts {
  const cached = factsCache.get(cert);
  if (cached) return cached;
  let keyUsage: Set<KeyUsageName> | null = null;
  let extendedKeyUsage: string[] | null = null;
  let policies: string[] = [];
  let isCa = false;
  let otherNames: OtherName[] = [];
  let ski: Uint8Array | null = null;
  let aki: Uint8Array | null = null;
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const ext of cert.extensions ?? []) {
    if (seen.has(ext.extnID)) throw new TypeError(`extension ${ext.extnID} appears twice`);
    seen.add(ext.extnID);
    const value = ext.extnValue.valueBlock.valueHexView;
    switch (ext.extnID) {
      case OID.keyUsage:
        keyUsage = decodeKeyUsage(value);
        break;
      case OID.extKeyUsage:
        extendedKeyUsage = childrenOf(decodeDer(value, 'extKeyUsage'), 'extKeyUsage').map((b) =>
          oidOf(b, 'extKeyUsage'),
        );
        break;
      case OID.certificatePolicies:
        policies = childrenOf(decodeDer(value, 'certificatePolicies'), 'certificatePolicies').map((info) =>
          oidOf(childrenOf(info, 'PolicyInformation')[0] ?? new asn1js.Null(), 'policyIdentifier'),
        );
        break;
      case OID.basicConstraints:
        isCa = decodeBasicConstraints(value);
        break;
      case OID.subjectAltName:
        otherNames = decodeOtherNames(value);
        break;
      case OID.subjectKeyIdentifier:
        ski = octetsOf(decodeDer(value, 'subjectKeyIdentifier'), 'subjectKeyIdentifier');
        break;
      case OID.authorityKeyIdentifier: {
        const first = childrenOf(decodeDer(value, 'authorityKeyIdentifier'), 'authorityKeyIdentifier')[0];
        if (first && isContextTag(first, 0))
          aki = (first.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView;
        break;
      }
      default:
        if (ext.critical) unknownCritical.push(ext.extnID);
    }
  }
  const facts: ExtensionFacts = {
    keyUsage,
    extendedKeyUsage,
    policies,
    isCa,
    otherNames,
    subjectKeyIdentifier: ski,
    authorityKeyIdentifier: aki,
    unknownCritical,
  };
  factsCache.set(cert, facts);
  return facts;
}

function decodeKeyUsage(value: Uint8Array): Set<KeyUsageName> {
  const block = decodeDer(value, 'keyUsage');
  if (!(block instanceof asn1js.BitString)) throw new TypeError('keyUsage: not a BIT STRING');
  const bits = block.valueBlock.valueHexView;
  const usages = new Set<KeyUsageName>();
  KEY_USAGE_NAMES.forEach((name, i) => {
    if (((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) usages.add(name);
  });
  return usages;
}

function decodeBasicConstraints(value: Uint8Array): boolean {
  const items = childrenOf(decodeDer(value, 'basicConstraints'), 'basicConstraints');
  const first = items[0];
  if (first === undefined) return false;
  if (first instanceof asn1js.Boolean) return first.valueBlock.value;
  if (first instanceof asn1js.Integer) return false;
  throw new TypeError('basicConstraints: unexpected element');
}

function decodeOtherNames(value: Uint8Array): OtherName[] {
  const names: OtherName[] = [];
  for (const general of childrenOf(decodeDer(value, 'subjectAltName'), 'subjectAltName')) {
    if (!isContextTag(general, 0)) continue;
    const [typeId, explicit] = childrenOf(general, 'otherName');
    if (!typeId || !explicit || !isContextTag(explicit, 0)) throw new TypeError('otherName: malformed');
    const inner = childrenOf(explicit, 'otherName value');
    if (inner.length !== 1) throw new TypeError('otherName: value must be one element');
    const v = inner[0];
    const text = (v.valueBlock as { value?: unknown }).value;
    names.push({
      typeId: oidOf(typeId, 'otherName type-id'),
      value: v instanceof asn1js.BaseStringBlock && typeof text === 'string' ? text : null,
      valueType: (v.constructor as { NAME?: string }).NAME ?? 'unknown',
    });
  }
  return names;
}

function octetsOf(block: asn1js.AsnType, what: string): Uint8Array {
  if (!(block instanceof asn1js.OctetString) || block.idBlock.isConstructed)
    throw new TypeError(`${what}: not an OCTET STRING`);
  return block.valueBlock.valueHexView;
}

/** Describes a distinguished name as plain data (RFC 5280 §4.1.2.4). */
export function describeName(name: pkijs.RelativeDistinguishedNames): DistinguishedName {
  const attributes: NameAttribute[] = name.typesAndValues.map((tv) => {
    const raw = (tv.value.valueBlock as { value?: unknown }).value;
    const value =
      typeof raw === 'string'
        ? raw
        : toHex((tv.value.valueBlock as { valueHexView?: Uint8Array }).valueHexView ?? new Uint8Array());
    return { type: tv.type, name: DN_NAMES[tv.type] ?? tv.type, value };
  });
  const fields: Record<string, string> = {};
  for (const a of attributes) if (!(a.name in fields)) fields[a.name] = a.value;
  return { attributes, fields, text: attributes.map((a) => `${a.name}=${a.value}`).join(', ') };
}

/**
 * Summarises the subject public key (algorithm, RSA size, EC curve) for the algorithm policy.
 * Spec: RFC 5280 §4.1.2.7; RFC 8017 §A.1.1; RFC 5480 §2.1.1.
 */
export function publicKeySummary(cert: pkijs.Certificate): PublicKeySummary {
  const spki = cert.subjectPublicKeyInfo;
  const oid = spki.algorithm.algorithmId;
  if (oid === OID.rsaEncryption) {
    const parsed = spki.parsedKey;
    if (!(parsed instanceof pkijs.RSAPublicKey)) return { algorithm: 'RSA', oid, bits: 0 };
    const modulus = parsed.modulus.valueBlock.valueHexView;
    let i = 0;
    while (i < modulus.length && modulus[i] === 0) i++;
    const bits = i === modulus.length ? 0 : (modulus.length - i - 1) * 8 + (32 - Math.clz32(modulus[i]));
    return { algorithm: 'RSA', oid, bits };
  }
  if (oid === OID.ecPublicKey) {
    const params = spki.algorithm.algorithmParams as asn1js.AsnType | undefined;
    const curve = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : undefined;
    return { algorithm: 'EC', oid, curve };
  }
  return { algorithm: 'other', oid };
}

/**
 * Describes a certificate as plain data, including its SHA-256 thumbprint over `der`. Why plain data: the
 * backend stores it, the UI shows it and the UZI profile is checked on it (docs/protocols/uzi.md).
 */
export async function describeCertificate(
  cert: pkijs.Certificate,
  der: BytesLike,
): Promise<CertificateDetails> {
  const facts = extensionFacts(cert);
  const subject = describeName(cert.subject);
  const bytes = toBytes(der);
  return {
    subject,
    issuer: describeName(cert.issuer),
    serialNumber: toHex(cert.serialNumber.valueBlock.valueHexView),
    thumbprintSha256: toHex(await sha256(bytes)),
    country: subject.fields.C,
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    keyUsage: facts.keyUsage ? KEY_USAGE_NAMES.filter((n) => facts.keyUsage!.has(n)) : null,
    extendedKeyUsage: facts.extendedKeyUsage,
    policies: facts.policies,
    isCa: facts.isCa,
    otherNames: facts.otherNames,
    publicKey: publicKeySummary(cert),
    der: bytes,
  };
}
