/**
 * CMS SignedData verification (RFC 5652 §5.4–§5.6) with certificate path validation to configured roots
 * (RFC 5280 §6), revocation (crl.ts) and key-usage checks.
 *
 * We do not call pkijs' `SignedData.verify`: it throws on structural errors *and* may return false, it does
 * not check that the contentType attribute matches eContentType, accepts SHA-1, and its chain check mixes
 * CRL freshness with the signing time. Instead we use pkijs for parsing and path building and do the
 * SignerInfo checks here, each mapped to one refusal reason. Every failure, including unexpected
 * exceptions on garbage input, leaves this function as a `RefusalError`; a normal return means verified.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { type DigestName, digestNameOf, importVerifyKey, signatureSchemeOf, verifySignatureValue } from './algorithms';
import { childrenOf, decodeDer, isContextTag, timeOf } from './asn1';
import { type BytesLike, bufferSource, bytesEqual, toBytes } from './bytes';
import { type CertificateDetails, describeCertificate, extensionFacts } from './certificate';
import { cmsCrypto } from './crypto-engine';
import { CrlSet, type RevocationMode, checkRevocation } from './crl';
import { OID } from './oids';
import { isRefusal, refuse } from './refusal';
import type { KnownCertificate, TrustStore } from './trust-store';

/** Which key usage the signer certificate must allow (RFC 5280 §4.2.1.3). */
export type RequiredKeyUsage = 'nonRepudiation' | 'digitalSignature' | 'anySigning';

/** Options of `verifyCms`. Times are Dates; durations are milliseconds. */
export interface VerifyCmsOptions {
  /** Configured trust anchors (and optional intermediates). */
  readonly trust: TrustStore;
  /** The signed data when the signature is detached (eContent absent). */
  readonly content?: BytesLike;
  /** Current time; injected so callers control the clock. Default: `new Date()`. */
  readonly now?: Date;
  /** CRLs (DER/PEM or a reusable `CrlSet`). */
  readonly crls?: CrlSet | readonly (BytesLike | string)[];
  /** What must be covered by a usable CRL. Default: `'leaf'` when `crls` are given, else `'off'`. */
  readonly revocation?: RevocationMode;
  /** Refuse signatures without a signingTime attribute. Default: true. */
  readonly requireSigningTime?: boolean;
  /** Tolerated clock difference between signer and verifier. Default: 5 minutes. */
  readonly maxClockSkewMs?: number;
  /** Refuse signatures whose signingTime is older than this. Default: no limit. */
  readonly maxSignatureAgeMs?: number;
  /** Key usage the signer certificate must have. Default: `'anySigning'` (digitalSignature or nonRepudiation). */
  readonly requiredKeyUsage?: RequiredKeyUsage;
  /** Upper bound on the CMS size in bytes. Default: 1 MiB. */
  readonly maxBytes?: number;
}

/** A verified CMS signature. Only returned when every check passed. */
export interface CmsVerification {
  readonly signatureVerified: true;
  /** The signed content (encapsulated, or the supplied detached content). */
  readonly content: Uint8Array;
  /** eContentType, `1.2.840.113549.1.7.1` (id-data) for everything we sign. */
  readonly contentType: string;
  readonly detached: boolean;
  /** The signingTime attribute, or null when absent (and allowed). */
  readonly signingTime: Date | null;
  readonly digestAlgorithm: DigestName;
  readonly signer: CertificateDetails;
  /** The validated path: signer first, trust anchor last. */
  readonly chain: readonly CertificateDetails[];
}

const DEFAULT_SKEW_MS = 5 * 60_000;
const DEFAULT_MAX_BYTES = 1 << 20;
const MAX_CERTIFICATES = 10;

interface ParsedCms {
  readonly signedData: pkijs.SignedData;
  readonly signerInfo: pkijs.SignerInfo;
  readonly certificates: readonly KnownCertificate[];
}

interface SignedAttributes {
  readonly contentType: string;
  readonly messageDigest: Uint8Array;
  readonly signingTime: Date | null;
  /** DER of the SET OF attributes as signed (RFC 5652 §5.4: the [0] tag replaced by SET). */
  readonly encoded: Uint8Array;
}

/**
 * Verifies a DER CMS SignedData: structure, algorithms, signature over the content, signing time, path to a
 * configured root at signing time, revocation now, and signer key usage (RFC 5652 §5.6, RFC 5280 §6).
 * @throws RefusalError with a `CmsRefusalReason` for every failure; never any other error type.
 */
export async function verifyCms(cms: BytesLike, options: VerifyCmsOptions): Promise<CmsVerification> {
  try {
    return await verifyUnchecked(toBytes(cms), options);
  } catch (error) {
    if (isRefusal(error)) throw error;
    // Anything else is pkijs/asn1js choking on input we did not anticipate: still the input's fault.
    throw refuse('MALFORMED_CMS', error instanceof Error ? error.message : String(error));
  }
}

async function verifyUnchecked(bytes: Uint8Array, options: VerifyCmsOptions): Promise<CmsVerification> {
  const now = options.now ?? new Date();
  const skew = options.maxClockSkewMs ?? DEFAULT_SKEW_MS;
  if (bytes.length > (options.maxBytes ?? DEFAULT_MAX_BYTES)) throw refuse('MALFORMED_CMS', `larger than ${options.maxBytes ?? DEFAULT_MAX_BYTES} bytes`);

  const { signedData, signerInfo, certificates } = parseCms(bytes);
  const attributes = readSignedAttributes(signerInfo);
  const digest = digestNameOf(signerInfo.digestAlgorithm.algorithmId);
  const scheme = signatureSchemeOf(signerInfo.signatureAlgorithm.algorithmId, digest);

  const eContentType = signedData.encapContentInfo.eContentType;
  if (attributes.contentType !== eContentType) {
    throw refuse('MALFORMED_CMS', `contentType attribute ${attributes.contentType} differs from eContentType ${eContentType}`);
  }

  const leaf = await findSigner(signerInfo, certificates);
  const { content, detached } = resolveContent(signedData, options.content);

  const actualDigest = new Uint8Array(await cmsCrypto().digest(digest, bufferSource(content)));
  if (!bytesEqual(actualDigest, attributes.messageDigest)) throw refuse('CONTENT_MISMATCH', 'messageDigest differs from the digest of the content');

  const key = await importVerifyKey(leaf.cert, scheme);
  const signature = signerInfo.signature.valueBlock.valueHexView;
  if (!(await verifySignatureValue(key, scheme, signature, attributes.encoded))) throw refuse('BAD_SIGNATURE');

  const signingTime = attributes.signingTime;
  if (!signingTime && (options.requireSigningTime ?? true)) throw refuse('SIGNING_TIME_MISSING');
  if (signingTime && signingTime.getTime() > now.getTime() + skew) {
    throw refuse('SIGNING_TIME_IN_FUTURE', `signed at ${signingTime.toISOString()}, now ${now.toISOString()}`);
  }
  if (signingTime && options.maxSignatureAgeMs !== undefined && signingTime.getTime() < now.getTime() - options.maxSignatureAgeMs) {
    throw refuse('SIGNATURE_TOO_OLD', `signed at ${signingTime.toISOString()}`);
  }

  const leafFacts = extensionFacts(leaf.cert);
  if (leafFacts.unknownCritical.length) throw refuse('UNTRUSTED_CHAIN', `unsupported critical extension ${leafFacts.unknownCritical.join(', ')}`);

  const others = certificates.filter((k) => k !== leaf);
  const path = await options.trust.validatePath(leaf, others, signingTime ?? now);

  if (options.crls !== undefined || (options.revocation ?? 'off') !== 'off') {
    const crlSet = options.crls instanceof CrlSet ? options.crls : CrlSet.from(options.crls ?? []);
    const mode = options.revocation ?? (options.crls !== undefined ? 'leaf' : 'off');
    await checkRevocation(path, crlSet, { mode, now, maxClockSkewMs: skew });
  }

  checkSignerKeyUsage(leafFacts, options.requiredKeyUsage ?? 'anySigning');

  const chain = await Promise.all(path.map(describeCached));
  return {
    signatureVerified: true,
    content,
    contentType: eContentType,
    detached,
    signingTime,
    digestAlgorithm: digest,
    signer: chain[0],
    chain,
  };
}

function parseCms(bytes: Uint8Array): ParsedCms {
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: decodeDer(bytes, 'ContentInfo') });
  } catch (error) {
    throw refuse('MALFORMED_CMS', error instanceof Error ? error.message : 'not a ContentInfo');
  }
  if (contentInfo.contentType !== OID.signedData) throw refuse('MALFORMED_CMS', `content type ${contentInfo.contentType} is not SignedData`);
  let signedData: pkijs.SignedData;
  try {
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw refuse('MALFORMED_CMS', error instanceof Error ? error.message : 'not a SignedData');
  }
  if (signedData.signerInfos.length !== 1) throw refuse('MALFORMED_CMS', `expected exactly one SignerInfo, found ${signedData.signerInfos.length}`);

  // pkijs keeps no DER of embedded certificates; take it from the decoded tree (same order as pkijs' list).
  const rawSet = childrenOf(contentInfo.content as asn1js.AsnType, 'SignedData').find((b) => isContextTag(b, 0));
  const raw = rawSet ? childrenOf(rawSet, 'certificates') : [];
  const parsed = signedData.certificates ?? [];
  if (raw.length !== parsed.length) throw refuse('MALFORMED_CMS', 'inconsistent certificate set');
  if (parsed.length > MAX_CERTIFICATES) throw refuse('MALFORMED_CMS', `more than ${MAX_CERTIFICATES} certificates`);
  const certificates: KnownCertificate[] = [];
  parsed.forEach((cert, i) => {
    if (cert instanceof pkijs.Certificate) certificates.push({ cert, der: raw[i].valueBeforeDecodeView });
  });
  return { signedData, signerInfo: signedData.signerInfos[0], certificates };
}

function readSignedAttributes(signerInfo: pkijs.SignerInfo): SignedAttributes {
  const signedAttrs = signerInfo.signedAttrs;
  if (!signedAttrs || signedAttrs.attributes.length === 0) throw refuse('MALFORMED_CMS', 'signed attributes are required');
  const seen = new Set<string>();
  let contentType: string | undefined;
  let messageDigest: Uint8Array | undefined;
  let signingTime: Date | null = null;
  for (const attribute of signedAttrs.attributes) {
    if (seen.has(attribute.type)) throw refuse('MALFORMED_CMS', `attribute ${attribute.type} appears twice`);
    seen.add(attribute.type);
    const single = (): asn1js.AsnType => {
      if (attribute.values.length !== 1) throw refuse('MALFORMED_CMS', `attribute ${attribute.type} must have one value`);
      return attribute.values[0] as asn1js.AsnType;
    };
    if (attribute.type === OID.contentTypeAttr) {
      const value = single();
      if (!(value instanceof asn1js.ObjectIdentifier)) throw refuse('MALFORMED_CMS', 'contentType attribute is not an OID');
      contentType = value.valueBlock.toString();
    } else if (attribute.type === OID.messageDigestAttr) {
      const value = single();
      if (!(value instanceof asn1js.OctetString) || value.idBlock.isConstructed) throw refuse('MALFORMED_CMS', 'messageDigest is not an OCTET STRING');
      messageDigest = value.valueBlock.valueHexView;
    } else if (attribute.type === OID.signingTimeAttr) {
      try {
        signingTime = timeOf(single(), 'signingTime');
      } catch (error) {
        if (isRefusal(error)) throw error;
        throw refuse('MALFORMED_CMS', 'signingTime is not a time');
      }
    }
  }
  // RFC 5652 §5.3: with signed attributes, contentType and messageDigest MUST be present.
  if (!contentType || !messageDigest) throw refuse('MALFORMED_CMS', 'contentType and messageDigest attributes are required');
  const encoded = new Uint8Array(signedAttrs.encodedValue.byteLength);
  encoded.set(new Uint8Array(signedAttrs.encodedValue));
  encoded[0] = 0x31;
  return { contentType, messageDigest, signingTime, encoded };
}

async function findSigner(signerInfo: pkijs.SignerInfo, certificates: readonly KnownCertificate[]): Promise<KnownCertificate> {
  const sid: unknown = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    const found = certificates.find((k) => k.cert.issuer.isEqual(sid.issuer) && k.cert.serialNumber.isEqual(sid.serialNumber));
    if (found) return found;
  } else if (sid instanceof asn1js.BaseBlock) {
    // [0] SubjectKeyIdentifier (RFC 5652 §5.3): match the certificate's SKI extension, else RFC 5280 method 1.
    const keyId = sid.idBlock.isConstructed
      ? (childrenOf(sid, 'SubjectKeyIdentifier')[0]?.valueBlock as { valueHexView?: Uint8Array } | undefined)?.valueHexView
      : (sid.valueBlock as { valueHexView?: Uint8Array }).valueHexView;
    if (keyId) {
      for (const k of certificates) {
        let ski: Uint8Array | null = null;
        try {
          ski = extensionFacts(k.cert).subjectKeyIdentifier;
        } catch {
          continue;
        }
        ski ??= new Uint8Array(await cmsCrypto().digest('SHA-1', bufferSource(k.cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)));
        if (bytesEqual(ski, keyId)) return k;
      }
    }
  }
  throw refuse('SIGNER_CERTIFICATE_NOT_FOUND');
}

function resolveContent(signedData: pkijs.SignedData, detachedContent: BytesLike | undefined): { content: Uint8Array; detached: boolean } {
  const eContent = signedData.encapContentInfo.eContent as asn1js.AsnType | undefined;
  if (eContent) {
    if (!(eContent instanceof asn1js.OctetString)) throw refuse('MALFORMED_CMS', 'eContent is not an OCTET STRING');
    const content = new Uint8Array(eContent.getValue());
    if (detachedContent !== undefined && !bytesEqual(content, toBytes(detachedContent))) {
      throw refuse('CONTENT_MISMATCH', 'supplied content differs from the encapsulated content');
    }
    return { content, detached: false };
  }
  if (detachedContent === undefined) throw refuse('CONTENT_MISSING');
  return { content: toBytes(detachedContent), detached: true };
}

function checkSignerKeyUsage(facts: ReturnType<typeof extensionFacts>, required: RequiredKeyUsage): void {
  if (facts.isCa) throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'signer certificate is a CA certificate');
  const usage = facts.keyUsage;
  switch (required) {
    case 'nonRepudiation':
      if (!usage?.has('nonRepudiation')) throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage lacks nonRepudiation');
      return;
    case 'digitalSignature':
      if (!usage?.has('digitalSignature')) throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage lacks digitalSignature');
      return;
    case 'anySigning':
      if (usage && !usage.has('digitalSignature') && !usage.has('nonRepudiation')) {
        throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage allows neither digitalSignature nor nonRepudiation');
      }
  }
}

const detailsCache = new WeakMap<pkijs.Certificate, Promise<CertificateDetails>>();

function describeCached(known: KnownCertificate): Promise<CertificateDetails> {
  let details = detailsCache.get(known.cert);
  if (!details) detailsCache.set(known.cert, (details = describeCertificate(known.cert, known.der)));
  return details;
}

