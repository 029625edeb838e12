/**
 * CMS SignedData verification (RFC 5652 §5.4–§5.6) with certificate path validation to configured roots
 * (RFC 5280 §6), revocation (crl.ts) and key-usage checks.
 *
 * We do not call pkijs' `SignedData.verify`: it throws on structural errors *and* may return false, it does
 * not check that the contentType attribute matches eContentType, accepts SHA-1, and its chain check mixes
 * CRL freshness with the signing time. Instead `signed-data.ts` walks the structure, pkijs parses the
 * signer certificate and builds the path, and the SignerInfo checks happen here, each mapped to one
 * refusal reason. Every failure, including unexpected
 * exceptions on garbage input, leaves this function as a `RefusalError`; a normal return means verified.
 */
import * as pkijs from 'pkijs';
import { type DigestName, digestNameOf, signatureSchemeOf, verifySignatureValue } from './algorithms';
import { decodeDer, oidFromContent, timeFromContent } from './asn1';
import { type BytesLike, bufferSource, bytesEqual, toBytes } from './bytes';
import { type CertificateDetails, describeCertificate, extensionFacts } from './certificate';
import { CrlSet, type RevocationMode, checkRevocation } from './crl';
import { cmsCrypto, verifyBackend } from './crypto-engine';
import { OID } from './oids';
import { isRefusal, refuse } from './refusal';
import {
  type AttributeValue,
  type EmbeddedCertificate,
  type SignedDataParts,
  type SignerIdentifierParts,
  type SignerInfoParts,
  parseSignedData,
} from './signed-data';
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
  /**
   * Trust by registration instead of by path (docs/protocols/efgs.md §A4.2, §A6: EFGS looks SIGNING
   * certificates up by thumbprint and allows self-signed ones). When set, no path to `trust` roots is built:
   * the signer certificate must be valid now (as EFGS checks it) and `pinned` must accept it, else
   * UNTRUSTED_CHAIN. Use `TrustStore.forPinnedSigners()` as `trust`; revocation is the registry's.
   */
  readonly pinned?: (signer: CertificateDetails) => boolean | Promise<boolean>;
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
  if (bytes.length > (options.maxBytes ?? DEFAULT_MAX_BYTES))
    throw refuse('MALFORMED_CMS', `larger than ${options.maxBytes ?? DEFAULT_MAX_BYTES} bytes`);

  const parts = parseCms(bytes);
  if (parts.signerInfos.length !== 1)
    throw refuse('MALFORMED_CMS', `expected exactly one SignerInfo, found ${parts.signerInfos.length}`);
  if (parts.certificates.length > MAX_CERTIFICATES)
    throw refuse('MALFORMED_CMS', `more than ${MAX_CERTIFICATES} certificates`);
  const signerInfo = parts.signerInfos[0];
  const attributes = readSignedAttributes(signerInfo);
  const digest = digestNameOf(signerInfo.digestAlgorithm);
  const scheme = signatureSchemeOf(signerInfo.signatureAlgorithm, digest);

  const eContentType = parts.eContentType;
  if (attributes.contentType !== eContentType) {
    throw refuse(
      'MALFORMED_CMS',
      `contentType attribute ${attributes.contentType} differs from eContentType ${eContentType}`,
    );
  }

  const signerIndex = await findSigner(signerInfo.sid, parts.certificates, options.trust);
  const leaf = loadCertificate(parts.certificates[signerIndex], options.trust);
  const others = parts.certificates
    .filter((_, i) => i !== signerIndex)
    .map((embedded) => loadCertificate(embedded, options.trust));
  const { content, detached } = resolveContent(parts.eContent, options.content);
  const signingTime = attributes.signingTime;

  // The three expensive checks are independent, so they run concurrently (WebCrypto works off the main
  // thread); their outcomes are then examined in the order that decides which refusal is reported.
  const [digestCheck, signatureCheck, pathCheck] = await Promise.all([
    settle(async () => bytesEqual(await verifyBackend().digest(digest, content), attributes.messageDigest)),
    settle(async () =>
      verifySignatureValue(
        await options.trust.publicKey(leaf.cert, scheme),
        scheme,
        signerInfo.signature,
        attributes.encoded,
      ),
    ),
    settle(() =>
      options.pinned
        ? checkPinned(leaf, now, options.pinned)
        : options.trust.validatePath(leaf, others, signingTime ?? now),
    ),
  ]);
  if (!unwrap(digestCheck))
    throw refuse('CONTENT_MISMATCH', 'messageDigest differs from the digest of the content');
  if (!unwrap(signatureCheck)) throw refuse('BAD_SIGNATURE');

  if (!signingTime && (options.requireSigningTime ?? true)) throw refuse('SIGNING_TIME_MISSING');
  if (signingTime && signingTime.getTime() > now.getTime() + skew) {
    throw refuse(
      'SIGNING_TIME_IN_FUTURE',
      `signed at ${signingTime.toISOString()}, now ${now.toISOString()}`,
    );
  }
  if (
    signingTime &&
    options.maxSignatureAgeMs !== undefined &&
    signingTime.getTime() < now.getTime() - options.maxSignatureAgeMs
  ) {
    throw refuse('SIGNATURE_TOO_OLD', `signed at ${signingTime.toISOString()}`);
  }

  const leafFacts = extensionFacts(leaf.cert);
  if (leafFacts.unknownCritical.length)
    throw refuse('UNTRUSTED_CHAIN', `unsupported critical extension ${leafFacts.unknownCritical.join(', ')}`);
  const path = unwrap(pathCheck);

  if (options.crls !== undefined || (options.revocation ?? 'off') !== 'off') {
    const crlSet = options.crls instanceof CrlSet ? options.crls : CrlSet.from(options.crls ?? []);
    const mode = options.revocation ?? (options.crls !== undefined ? 'leaf' : 'off');
    await checkRevocation(path, crlSet, { mode, now, maxClockSkewMs: skew });
  }

  // A pinned self-signed certificate often carries CA:TRUE (openssl's v3_ca default); pinning by exact
  // thumbprint makes that harmless, so only path-validated signers must not be CAs.
  checkSignerKeyUsage(leafFacts, options.requiredKeyUsage ?? 'anySigning', Boolean(options.pinned));

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

function parseCms(bytes: Uint8Array): SignedDataParts {
  try {
    return parseSignedData(bytes);
  } catch (error) {
    throw refuse('MALFORMED_CMS', error instanceof Error ? error.message : 'not a SignedData');
  }
}

type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}

function unwrap<T>(result: Settled<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}

function loadCertificate(embedded: EmbeddedCertificate, trust: TrustStore): KnownCertificate {
  try {
    return trust.certificate(embedded.der);
  } catch (error) {
    throw refuse(
      'MALFORMED_CMS',
      `embedded certificate: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function readSignedAttributes(signerInfo: SignerInfoParts): SignedAttributes {
  const signedAttrs = signerInfo.signedAttrs;
  if (!signedAttrs || signedAttrs.attributes.length === 0)
    throw refuse('MALFORMED_CMS', 'signed attributes are required');
  const seen = new Set<string>();
  let contentType: string | undefined;
  let messageDigest: Uint8Array | undefined;
  let signingTime: Date | null = null;
  for (const attribute of signedAttrs.attributes) {
    if (seen.has(attribute.type)) throw refuse('MALFORMED_CMS', `attribute ${attribute.type} appears twice`);
    seen.add(attribute.type);
    const single = (): AttributeValue => {
      if (attribute.values.length !== 1)
        throw refuse('MALFORMED_CMS', `attribute ${attribute.type} must have one value`);
      const value = attribute.values[0];
      if (value.tagClass !== 0 || value.constructed)
        throw refuse('MALFORMED_CMS', `attribute ${attribute.type} has an unexpected value type`);
      return value;
    };
    try {
      if (attribute.type === OID.contentTypeAttr) {
        const value = single();
        if (value.tagNumber !== 6) throw new TypeError('contentType attribute is not an OID');
        contentType = oidFromContent(value.content);
      } else if (attribute.type === OID.messageDigestAttr) {
        const value = single();
        if (value.tagNumber !== 4) throw new TypeError('messageDigest is not an OCTET STRING');
        messageDigest = value.content;
      } else if (attribute.type === OID.signingTimeAttr) {
        const value = single();
        signingTime = timeFromContent(value.tagNumber, value.content);
      }
    } catch (error) {
      if (isRefusal(error)) throw error;
      throw refuse('MALFORMED_CMS', error instanceof Error ? error.message : String(error));
    }
  }
  // RFC 5652 §5.3: with signed attributes, contentType and messageDigest MUST be present.
  if (!contentType || !messageDigest)
    throw refuse('MALFORMED_CMS', 'contentType and messageDigest attributes are required');
  return { contentType, messageDigest, signingTime, encoded: signedAttrs.encoded };
}

/** Index of the certificate named by the SignerIdentifier (RFC 5652 §5.3). */
async function findSigner(
  sid: SignerIdentifierParts,
  certificates: readonly EmbeddedCertificate[],
  trust: TrustStore,
): Promise<number> {
  if (sid.kind === 'issuerAndSerialNumber') {
    const exact = certificates.findIndex(
      (c) => bytesEqual(c.serialNumber, sid.serialNumber) && bytesEqual(c.issuer, sid.issuer),
    );
    if (exact >= 0) return exact;
    // Same serial, differently encoded but equal issuer name (RFC 5280 §7.1 name comparison).
    const sidIssuer = nameOf(sid.issuer);
    const lenient = certificates.findIndex(
      (c) =>
        bytesEqual(c.serialNumber, sid.serialNumber) &&
        sidIssuer !== null &&
        (nameOf(c.issuer)?.isEqual(sidIssuer) ?? false),
    );
    if (lenient >= 0) return lenient;
  } else {
    // [0] SubjectKeyIdentifier: match the certificate's SKI extension, else RFC 5280 §4.2.1.2 method 1.
    for (const [i, embedded] of certificates.entries()) {
      let cert: pkijs.Certificate;
      let ski: Uint8Array | null;
      try {
        cert = trust.certificate(embedded.der).cert;
        ski = extensionFacts(cert).subjectKeyIdentifier;
      } catch {
        continue;
      }
      ski ??= new Uint8Array(
        await cmsCrypto().digest(
          'SHA-1',
          bufferSource(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
        ),
      );
      if (bytesEqual(ski, sid.keyId)) return i;
    }
  }
  throw refuse('SIGNER_CERTIFICATE_NOT_FOUND');
}

function nameOf(der: Uint8Array): pkijs.RelativeDistinguishedNames | null {
  try {
    return new pkijs.RelativeDistinguishedNames({ schema: decodeDer(der, 'Name') });
  } catch {
    return null;
  }
}

function resolveContent(
  eContent: Uint8Array | null,
  detachedContent: BytesLike | undefined,
): { content: Uint8Array; detached: boolean } {
  if (eContent) {
    if (detachedContent !== undefined && !bytesEqual(eContent, toBytes(detachedContent))) {
      throw refuse('CONTENT_MISMATCH', 'supplied content differs from the encapsulated content');
    }
    return { content: eContent, detached: false };
  }
  if (detachedContent === undefined) throw refuse('CONTENT_MISSING');
  return { content: toBytes(detachedContent), detached: true };
}

function checkSignerKeyUsage(
  facts: ReturnType<typeof extensionFacts>,
  required: RequiredKeyUsage,
  allowCa = false,
): void {
  if (facts.isCa && !allowCa)
    throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'signer certificate is a CA certificate');
  const usage = facts.keyUsage;
  switch (required) {
    case 'nonRepudiation':
      if (!usage?.has('nonRepudiation'))
        throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage lacks nonRepudiation');
      return;
    case 'digitalSignature':
      if (!usage?.has('digitalSignature'))
        throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage lacks digitalSignature');
      return;
    case 'anySigning':
      if (usage && !usage.has('digitalSignature') && !usage.has('nonRepudiation')) {
        throw refuse(
          'NOT_A_SIGNATURE_CERTIFICATE',
          'keyUsage allows neither digitalSignature nor nonRepudiation',
        );
      }
  }
}

const detailsCache = new WeakMap<pkijs.Certificate, Promise<CertificateDetails>>();

/** Pinned trust: the path is the signer certificate alone, accepted by the caller's registry and valid at `at` (RFC 5280 §4.1.2.5). */
async function checkPinned(
  leaf: KnownCertificate,
  at: Date,
  pinned: NonNullable<VerifyCmsOptions['pinned']>,
): Promise<KnownCertificate[]> {
  const details = await describeCached(leaf);
  if (details.notAfter < at) throw refuse('CERTIFICATE_EXPIRED', `expired ${details.notAfter.toISOString()}`);
  if (details.notBefore > at)
    throw refuse('CERTIFICATE_NOT_YET_VALID', `valid from ${details.notBefore.toISOString()}`);
  if (!(await pinned(details))) throw refuse('UNTRUSTED_CHAIN', 'signer certificate is not registered');
  return [leaf];
}

function describeCached(known: KnownCertificate): Promise<CertificateDetails> {
  let details = detailsCache.get(known.cert);
  if (!details) detailsCache.set(known.cert, (details = describeCertificate(known.cert, known.der)));
  return details;
}
