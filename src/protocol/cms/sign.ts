/**
 * CMS SignedData creation (RFC 5652 §5), attached or detached, always SHA-256 with signed attributes
 * contentType, signingTime and messageDigest (RFC 5652 §11). DER output.
 *
 * The private-key operation sits behind `CmsSigner`, so the browser portal can sign with a WebCrypto key
 * from a PKCS#12 file and, later, with a smart-card bridge that only exposes "sign these bytes".
 * We never call pkijs' `SignedData.sign()`: it defaults to SHA-1 and does not sort the signed attributes.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import {
  ecdsaRawToDer,
  importVerifyKey,
  MIN_RSA_BITS,
  type SignatureScheme,
  verifySignatureValue,
} from './algorithms';
import { bufferSource, type BytesLike, compareBytes, sha256, toBytes } from './bytes';
import { parseCertificate, publicKeySummary } from './certificate';
import { cmsCrypto } from './crypto-engine';
import { OID } from './oids';

/** A signing key with its certificate. Implemented by `cryptoKeySigner` and by smart-card bridges. */
export interface CmsSigner {
  /** DER of the signer certificate. */
  readonly certificate: Uint8Array;
  /** DER of intermediates to include after the signer certificate (issuer first). */
  readonly chain?: readonly Uint8Array[];
  /**
   * Signs `data` (the DER signed attributes) with SHA-256 and returns the signature value as CMS carries it:
   * the PKCS#1 v1.5 signature for RSA, a DER Ecdsa-Sig-Value for ECDSA (RFC 5758 §3.2).
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Why signing failed; signing errors are the caller's configuration, not a refusal of someone else's input. */
export type CmsSigningErrorCode =
  'EMPTY_CONTENT' | 'MALFORMED_CERTIFICATE' | 'UNSUPPORTED_KEY' | 'KEY_CERTIFICATE_MISMATCH';

/** Thrown by `signCms` and `cryptoKeySigner`. */
export class CmsSigningError extends Error {
  override readonly name = 'CmsSigningError';

  constructor(
    readonly code: CmsSigningErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Options of `signCms`. */
export interface SignCmsOptions {
  readonly content: BytesLike;
  readonly signer: CmsSigner;
  /**
   * Leave eContent out (the verifier supplies the content), as EFGS batch signatures do
   * (docs/protocols/efgs.md §A4.2).
   */
  readonly detached?: boolean;
  /** Defaults to now; seconds precision is kept (UTCTime). */
  readonly signingTime?: Date;
  /** Include `signer.chain` after the signer certificate. Default: true. */
  readonly includeChain?: boolean;
}

/**
 * Wraps a WebCrypto private key (RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA P-256/P-384) and its certificate
 * as a `CmsSigner`.
 * @throws CmsSigningError UNSUPPORTED_KEY for other key types or an RSA key bound to another hash.
 * Spec: RFC 8017 §8.2 (PKCS#1 v1.5), RFC 5758 §3.2 (ECDSA), docs/protocols/uzi.md §U2.
 */
export function cryptoKeySigner(
  privateKey: CryptoKey,
  certificate: BytesLike,
  chain: readonly BytesLike[] = [],
): CmsSigner {
  const algorithm = privateKey.algorithm as RsaHashedKeyAlgorithm | EcKeyAlgorithm;
  if (!privateKey.usages.includes('sign'))
    throw new CmsSigningError('UNSUPPORTED_KEY', 'the key may not sign');
  let sign: (data: Uint8Array) => Promise<Uint8Array>;
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') {
    // An RSA CryptoKey is bound to one hash at import; anything but SHA-256 would silently change the algorithm.
    const hash = (algorithm as RsaHashedKeyAlgorithm).hash.name;
    if (hash !== 'SHA-256')
      throw new CmsSigningError('UNSUPPORTED_KEY', `RSA key bound to ${hash}, expected SHA-256`);
    sign = async (data) =>
      new Uint8Array(await cmsCrypto().sign({ name: 'RSASSA-PKCS1-v1_5' }, privateKey, bufferSource(data)));
  } else if (algorithm.name === 'ECDSA') {
    sign = async (data) =>
      ecdsaRawToDer(
        new Uint8Array(
          await cmsCrypto().sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, bufferSource(data)),
        ),
      );
  } else {
    throw new CmsSigningError('UNSUPPORTED_KEY', `key algorithm ${algorithm.name}`);
  }
  return { certificate: toBytes(certificate), chain: chain.map(toBytes), sign };
}

/**
 * Creates a DER CMS SignedData over `content` with SHA-256 and signed attributes (RFC 5652 §5.3–§5.4, §11),
 * then checks the signature against the certificate so a key/certificate mix-up fails here, not at the verifier.
 * @throws CmsSigningError
 */
export async function signCms(options: SignCmsOptions): Promise<Uint8Array> {
  const content = toBytes(options.content);
  if (content.length === 0) throw new CmsSigningError('EMPTY_CONTENT', 'refusing to sign empty content');
  const signerCert = parseOrThrow(options.signer.certificate, 'signer certificate');
  const chain =
    options.includeChain === false
      ? []
      : (options.signer.chain ?? []).map((der, i) => parseOrThrow(der, `chain certificate #${i}`));
  const { scheme, signatureAlgorithm } = schemeFor(signerCert);

  const signingTime = new Date(Math.floor((options.signingTime ?? new Date()).getTime() / 1000) * 1000);
  const attributes = sortAttributes([
    new pkijs.Attribute({
      type: OID.contentTypeAttr,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    new pkijs.Attribute({ type: OID.signingTimeAttr, values: [timeValue(signingTime)] }),
    new pkijs.Attribute({
      type: OID.messageDigestAttr,
      values: [new asn1js.OctetString({ valueHex: await sha256(content) })],
    }),
  ]);
  const toBeSigned = new Uint8Array(
    new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER(false),
  );

  const signature = await options.signer.sign(toBeSigned);
  const key = await importVerifyKey(signerCert, scheme).catch(() => {
    throw new CmsSigningError('UNSUPPORTED_KEY', 'the certificate key cannot be used for this signature');
  });
  if (!(await verifySignatureValue(key, scheme, signature, toBeSigned))) {
    throw new CmsSigningError(
      'KEY_CERTIFICATE_MISMATCH',
      'the private key does not belong to the signer certificate',
    );
  }

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: signerCert.issuer,
      serialNumber: signerCert.serialNumber,
    }),
    // RFC 5754 §2: parameters of the SHA-2 digest identifiers are absent.
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm,
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: OID.data });
  if (!options.detached) {
    // Assigned after construction: the constructor re-chunks eContent into a BER constructed OCTET STRING.
    encapContentInfo.eContent = new asn1js.OctetString({ valueHex: content });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    encapContentInfo,
    certificates: [signerCert, ...chain],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

function parseOrThrow(der: BytesLike, what: string): pkijs.Certificate {
  try {
    return parseCertificate(der);
  } catch (error) {
    throw new CmsSigningError(
      'MALFORMED_CERTIFICATE',
      `${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function schemeFor(cert: pkijs.Certificate): {
  scheme: SignatureScheme;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
} {
  const key = publicKeySummary(cert);
  if (key.algorithm === 'RSA' && (key.bits ?? 0) >= MIN_RSA_BITS) {
    return {
      scheme: { kind: 'RSA', hash: 'SHA-256' },
      // RFC 4055 §5: NULL parameters for sha256WithRSAEncryption.
      signatureAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: OID.sha256WithRsa,
        algorithmParams: new asn1js.Null(),
      }),
    };
  }
  if (key.algorithm === 'EC' && (key.curve === OID.p256 || key.curve === OID.p384)) {
    // RFC 5758 §3.2: parameters absent.
    return {
      scheme: { kind: 'ECDSA', hash: 'SHA-256' },
      signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 }),
    };
  }
  throw new CmsSigningError(
    'UNSUPPORTED_KEY',
    `certificate key ${key.algorithm} ${key.bits ?? key.curve ?? ''} is not RSA ≥ ${MIN_RSA_BITS} or EC P-256/P-384`,
  );
}

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise. */
function timeValue(date: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? new asn1js.UTCTime({ valueDate: date })
    : new asn1js.GeneralizedTime({ valueDate: date });
}

/** DER SET OF: elements in ascending order of their encodings (X.690 §11.6); OpenSSL re-encodes and would fail otherwise. */
function sortAttributes(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  return attributes
    .map((attribute) => ({ attribute, der: new Uint8Array(attribute.toSchema().toBER(false)) }))
    .sort((a, b) => compareBytes(a.der, b.der))
    .map((x) => x.attribute);
}
