/**
 * Algorithm policy and raw signature verification over WebCrypto. We accept SHA-256/384/512 with RSA PKCS#1
 * v1.5 (≥ 2048 bits) or ECDSA on P-256/P-384, and never SHA-1 (RFC 5754, RFC 5758; UZI signs RSA 2048 with
 * SHA-256, docs/protocols/uzi.md §U2).
 */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { publicKeySummary } from './certificate';
import { type DigestName, type PublicKeyHandle, type SignatureScheme, verifyBackend } from './crypto-engine';
import { OID } from './oids';
import { refuse } from './refusal';

export type { DigestName, SignatureScheme } from './crypto-engine';

const DIGESTS: Readonly<Record<string, DigestName>> = {
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
};

const SIGNATURES: Readonly<Record<string, SignatureScheme>> = {
  [OID.sha256WithRsa]: { kind: 'RSA', hash: 'SHA-256' },
  [OID.sha384WithRsa]: { kind: 'RSA', hash: 'SHA-384' },
  [OID.sha512WithRsa]: { kind: 'RSA', hash: 'SHA-512' },
  [OID.ecdsaWithSha256]: { kind: 'ECDSA', hash: 'SHA-256' },
  [OID.ecdsaWithSha384]: { kind: 'ECDSA', hash: 'SHA-384' },
  [OID.ecdsaWithSha512]: { kind: 'ECDSA', hash: 'SHA-512' },
};

const CURVES: Readonly<Record<string, { name: string; size: number }>> = {
  [OID.p256]: { name: 'P-256', size: 32 },
  [OID.p384]: { name: 'P-384', size: 48 },
};

/** Minimum RSA modulus, docs/protocols/uzi.md §U2 and docs/protocols/efgs.md §A4.2. */
export const MIN_RSA_BITS = 2048;

/**
 * Maps a digest AlgorithmIdentifier OID to a WebCrypto hash name (RFC 5754 §2).
 * @throws RefusalError UNSUPPORTED_ALGORITHM for SHA-1 and anything unknown.
 */
export function digestNameOf(oid: string): DigestName {
  const name = DIGESTS[oid];
  if (!name) throw refuse('UNSUPPORTED_ALGORITHM', oid === OID.sha1 ? 'SHA-1 digest' : `digest ${oid}`);
  return name;
}

/**
 * Resolves a signature AlgorithmIdentifier to a scheme; `digest` is the CMS SignerInfo digest, which
 * must agree with a hash implied by the signature OID (RFC 5652 §5.3, RFC 5754 §3).
 * `rsaEncryption` is allowed in a SignerInfo (it takes the digest from `digestAlgorithm`).
 * @throws RefusalError UNSUPPORTED_ALGORITHM
 */
export function signatureSchemeOf(oid: string, digest?: DigestName): SignatureScheme {
  if (oid === OID.rsaEncryption && digest) return { kind: 'RSA', hash: digest };
  const scheme = SIGNATURES[oid];
  if (!scheme) throw refuse('UNSUPPORTED_ALGORITHM', `signature algorithm ${oid}`);
  if (digest && scheme.hash !== digest)
    throw refuse('UNSUPPORTED_ALGORITHM', `signature hash ${scheme.hash} differs from digest ${digest}`);
  return scheme;
}

/**
 * Checks that a certificate key fits the scheme and our minimum strength.
 * @throws RefusalError UNSUPPORTED_ALGORITHM
 * Spec: RFC 5280 §4.1.2.7 (subjectPublicKeyInfo); minimum sizes per docs/protocols/uzi.md §U2 and
 * docs/protocols/efgs.md §A4.2.
 */
export function checkKey(cert: pkijs.Certificate, scheme: SignatureScheme): void {
  const key = publicKeySummary(cert);
  if (scheme.kind === 'RSA') {
    if (key.algorithm !== 'RSA') throw refuse('UNSUPPORTED_ALGORITHM', 'RSA signature with a non-RSA key');
    if ((key.bits ?? 0) < MIN_RSA_BITS) throw refuse('UNSUPPORTED_ALGORITHM', `RSA key of ${key.bits} bits`);
  } else {
    if (key.algorithm !== 'EC') throw refuse('UNSUPPORTED_ALGORITHM', 'ECDSA signature with a non-EC key');
    if (!key.curve || !CURVES[key.curve])
      throw refuse('UNSUPPORTED_ALGORITHM', `EC curve ${key.curve ?? 'unnamed'}`);
  }
}

/**
 * Imports a certificate's public key for verifying with the given scheme, through the verify backend.
 * @throws RefusalError UNSUPPORTED_ALGORITHM when the key does not fit the scheme or our minimum strength.
 * Spec: RFC 5280 §4.1.2.7; RFC 8017 / RFC 5480 key formats.
 */
export async function importVerifyKey(
  cert: pkijs.Certificate,
  scheme: SignatureScheme,
): Promise<PublicKeyHandle> {
  checkKey(cert, scheme);
  const spki = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
  const curve = publicKeySummary(cert).curve;
  try {
    return await verifyBackend().importPublicKey(
      spki,
      scheme,
      curve ? (CURVES[curve].name as 'P-256' | 'P-384') : undefined,
    );
  } catch (error) {
    throw refuse(
      'UNSUPPORTED_ALGORITHM',
      `cannot import the public key: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Verifies a signature value as carried in CMS/X.509 (ECDSA as a DER Ecdsa-Sig-Value, RFC 5758 §3.2).
 * Returns false for a wrong or undecodable signature; never throws on bad input.
 */
export async function verifySignatureValue(
  key: PublicKeyHandle,
  scheme: SignatureScheme,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  try {
    const backend = verifyBackend();
    if (key.backend !== backend.name)
      throw new Error(`key imported by the ${key.backend} backend, not ${backend.name}`);
    return await backend.verify(key, scheme, signature, data);
  } catch {
    return false;
  }
}

/** Converts WebCrypto's r‖s ECDSA output into a DER Ecdsa-Sig-Value for CMS (RFC 5758 §3.2). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array): asn1js.Integer => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    const value = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
    return new asn1js.Integer({ valueHex: value });
  };
  const seq = new asn1js.Sequence({ value: [integer(raw.subarray(0, half)), integer(raw.subarray(half))] });
  return new Uint8Array(seq.toBER(false));
}
