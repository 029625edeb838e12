/**
 * How a token key is published: as RFC 9578 §6.5 prescribes for Privacy Pass's blind-RSA issuer keys,
 * a SubjectPublicKeyInfo whose algorithm is id-RSASSA-PSS with the parameters of RSABSSA-SHA384-PSS
 * (SHA-384, MGF1 with SHA-384, salt length 48), so the key itself says which signatures it makes. Node's
 * crypto and WebCrypto work with the plain rsaEncryption form, which holds the same RSAPublicKey; these
 * helpers convert between the two, as Cloudflare's Privacy Pass library does for WebCrypto.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * AlgorithmIdentifier { id-RSASSA-PSS (1.2.840.113549.1.1.10), RSASSA-PSS-params { hashAlgorithm [0]
 * sha384, maskGenAlgorithm [1] mgf1(sha384), saltLength [2] 48 } } in DER, hash parameters absent
 * (RFC 4055 §3.1), byte for byte as in RFC 9578's test vectors.
 */
const RSASSA_PSS_SHA384: Buffer = Buffer.from(
  '303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108' +
    '300b0609608648016503040202a203020130',
  'hex',
);
/** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } (RFC 8017 Appendix C). */
const RSA_ENCRYPTION: Buffer = Buffer.from('300d06092a864886f70d0101010500', 'hex');

export class TokenKeyEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenKeyEncodingError';
  }
}

/** The RFC 9578 (id-RSASSA-PSS) SubjectPublicKeyInfo of an RSA public key given as rsaEncryption SPKI DER. */
export function toRsassaPssSpki(rsaEncryptionSpki: Uint8Array): Buffer {
  const { algorithm, subjectPublicKey } = splitSpki(rsaEncryptionSpki);
  if (!algorithm.equals(RSA_ENCRYPTION)) throw new TokenKeyEncodingError('not an rsaEncryption key');
  return sequence(RSASSA_PSS_SHA384, subjectPublicKey);
}

/**
 * The rsaEncryption SubjectPublicKeyInfo (what Node and WebCrypto import) of a published token key.
 * Accepts the RFC 9578 form only with exactly the RSABSSA-SHA384-PSS parameters; a key already in the
 * rsaEncryption form (published before keys carried their algorithm) is returned as it is.
 */
export function toRsaEncryptionSpki(tokenKeySpki: Uint8Array): Buffer {
  const { algorithm, subjectPublicKey } = splitSpki(tokenKeySpki);
  if (algorithm.equals(RSA_ENCRYPTION)) return Buffer.from(tokenKeySpki);
  if (!algorithm.equals(RSASSA_PSS_SHA384))
    throw new TokenKeyEncodingError(
      'token key is not RSASSA-PSS with SHA-384, MGF1-SHA-384 and a 48-byte salt',
    );
  return sequence(RSA_ENCRYPTION, subjectPublicKey);
}

/** The RSA public key object of a published token key (either form). */
export function tokenPublicKey(tokenKeySpki: Uint8Array): KeyObject {
  return createPublicKey({ key: toRsaEncryptionSpki(tokenKeySpki), format: 'der', type: 'spki' });
}

/** SPKI ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } (RFC 5280 §4.1). */
function splitSpki(der: Uint8Array): { algorithm: Buffer; subjectPublicKey: Buffer } {
  const bytes = Buffer.from(der);
  const outer = readTlv(bytes, 0);
  if (outer.tag !== 0x30 || outer.end !== bytes.length) throw new TokenKeyEncodingError('not an SPKI');
  const algorithm = readTlv(bytes, outer.contentStart);
  const key = readTlv(bytes, algorithm.end);
  if (algorithm.tag !== 0x30 || key.tag !== 0x03 || key.end !== outer.end)
    throw new TokenKeyEncodingError('not an SPKI');
  return {
    algorithm: bytes.subarray(algorithm.start, algorithm.end),
    subjectPublicKey: bytes.subarray(key.start, key.end),
  };
}

function readTlv(
  b: Buffer,
  start: number,
): { tag: number; start: number; contentStart: number; end: number } {
  if (start + 2 > b.length) throw new TokenKeyEncodingError('truncated DER');
  const tag = b[start];
  let length = b[start + 1];
  let contentStart = start + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 3 || contentStart + count > b.length)
      throw new TokenKeyEncodingError('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + b[contentStart + i];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > b.length) throw new TokenKeyEncodingError('truncated DER');
  return { tag, start, contentStart, end };
}

function sequence(...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  const n = content.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([0x30]), length, content]);
}
