/**
 * RSA blind signatures, RSABSSA-SHA384-PSS-Randomized (RFC 9474). The phone prepares and blinds a
 * message, the verification service signs the blinded value without seeing the message, the phone
 * unblinds and obtains an ordinary RSASSA-PSS signature (SHA-384, MGF1-SHA-384, 48-byte salt) that
 * anyone can verify with the public key, but that the signer cannot link to the signing request.
 *
 * Big-number arithmetic on the phone side uses BigInt; the signer's private operation and all
 * signature verification use Node's crypto (OpenSSL), so the PSS encoding here is checked against an
 * independent implementation on every verification.
 */
import {
  constants,
  createHash,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify,
  type KeyObject,
} from 'node:crypto';

const HASH = 'sha384';
const H_LEN = 48;
/** RFC 9474 §5: the RSABSSA-SHA384-PSS-* variants use a salt as long as the hash. */
export const SALT_LENGTH = 48;
/** RFC 9474 §4.1: the randomized preparation prepends 32 random bytes. */
export const MSG_PREFIX_LENGTH = 32;

export class BlindRsaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlindRsaError';
  }
}

/** The public key parts the blinding needs. */
export interface RsaPublicNumbers {
  n: bigint;
  e: bigint;
  /** Modulus length in bytes (`k` in RFC 8017). */
  modulusLength: number;
}

/** Modulus and exponent of an RSA public key (KeyObject, SPKI DER or PEM). */
export function publicNumbers(key: KeyObject | Uint8Array | string): RsaPublicNumbers {
  const keyObject =
    typeof key === 'string'
      ? createPublicKey(key)
      : key instanceof Uint8Array
        ? createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' })
        : key.type === 'private'
          ? createPublicKey(key)
          : key;
  if (keyObject.asymmetricKeyType !== 'rsa') throw new BlindRsaError('not an RSA key');
  const jwk = keyObject.export({ format: 'jwk' });
  const n = os2ip(Buffer.from(jwk.n!, 'base64url'));
  return { n, e: os2ip(Buffer.from(jwk.e!, 'base64url')), modulusLength: Math.ceil(bitLength(n) / 8) };
}

/** RFC 9474 §4.1 PrepareRandomize: 32 fresh random bytes, then the message. */
export function prepareRandomized(
  msg: Uint8Array,
  prefix: Uint8Array = randomBytes(MSG_PREFIX_LENGTH),
): Uint8Array {
  if (prefix.length !== MSG_PREFIX_LENGTH) throw new BlindRsaError('message prefix must be 32 bytes');
  return Buffer.concat([prefix, msg]);
}

/**
 * EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-384 and MGF1-SHA-384; `emBits` = modulus bits − 1.
 * `salt` is injectable only for test vectors.
 */
export function emsaPssEncode(
  msg: Uint8Array,
  emBits: number,
  salt: Uint8Array = randomBytes(SALT_LENGTH),
): Uint8Array {
  const emLen = Math.ceil(emBits / 8);
  if (emLen < H_LEN + salt.length + 2) throw new BlindRsaError('encoding error: modulus too short');
  const mHash = createHash(HASH).update(msg).digest();
  const h = createHash(HASH).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - H_LEN - 1);
  db[db.length - salt.length - 1] = 0x01;
  Buffer.from(salt).copy(db, db.length - salt.length);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** What the phone keeps between blinding and finalising; `inv` must stay secret and be used once. */
export interface BlindingResult {
  blindedMsg: Uint8Array;
  inv: bigint;
}

/**
 * RFC 9474 §4.2 Blind: encodes the (prepared) message, multiplies it by r^e for a uniformly random r,
 * and returns the blinded message and r⁻¹. `options` inject the salt and r⁻¹ for test vectors only.
 */
export function blind(
  pk: RsaPublicNumbers,
  msg: Uint8Array,
  options: { salt?: Uint8Array; inv?: bigint } = {},
): BlindingResult {
  const { n, e, modulusLength } = pk;
  const encoded = emsaPssEncode(msg, bitLength(n) - 1, options.salt);
  const m = os2ip(encoded);
  if (gcd(m, n) !== 1n) throw new BlindRsaError('invalid input: message not co-prime with n');
  let r: bigint;
  let inv: bigint;
  if (options.inv !== undefined) {
    inv = options.inv;
    r = modInverse(inv, n);
  } else {
    r = randomBelow(n);
    inv = modInverse(r, n);
  }
  const x = modPow(r, e, n);
  return { blindedMsg: i2osp((m * x) % n, modulusLength), inv };
}

/**
 * RFC 9474 §4.3 BlindSign: the raw RSA private operation on the blinded message, followed by the
 * check that the result verifies (a fault during signing must not leak the key).
 */
export function blindSign(privateKey: KeyObject, blindedMsg: Uint8Array): Uint8Array {
  const pk = publicNumbers(privateKey);
  if (blindedMsg.length !== pk.modulusLength) throw new BlindRsaError('blinded message has the wrong length');
  if (os2ip(blindedMsg) >= pk.n) throw new BlindRsaError('blinded message out of range');
  const s = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, blindedMsg);
  const check = publicEncrypt({ key: createPublicKey(privateKey), padding: constants.RSA_NO_PADDING }, s);
  if (!check.equals(Buffer.from(blindedMsg))) throw new BlindRsaError('signing failure');
  return s;
}

/**
 * RFC 9474 §4.4 Finalize: unblinds the server's answer with r⁻¹ and verifies the result as an
 * RSASSA-PSS signature over the prepared message; throws if the server did not sign properly.
 */
export function finalize(
  publicKey: KeyObject,
  pk: RsaPublicNumbers,
  msg: Uint8Array,
  blindSig: Uint8Array,
  inv: bigint,
): Uint8Array {
  if (blindSig.length !== pk.modulusLength) throw new BlindRsaError('unexpected input size');
  const z = os2ip(blindSig);
  const sig = i2osp((z * inv) % pk.n, pk.modulusLength);
  if (!verifySignature(publicKey, msg, sig)) throw new BlindRsaError('invalid signature');
  return sig;
}

/** RSASSA-PSS-VERIFY with the RFC 9474 parameters (SHA-384, MGF1-SHA-384, 48-byte salt). */
export function verifySignature(publicKey: KeyObject, msg: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify(
      HASH,
      msg,
      { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: SALT_LENGTH },
      sig,
    );
  } catch {
    return false;
  }
}

function mgf1(seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, have = 0; have < length; i++, have += H_LEN) {
    counter.writeUInt32BE(i);
    out.push(createHash(HASH).update(seed).update(counter).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** Big-endian bytes → integer (RFC 8017 OS2IP). */
export function os2ip(bytes: Uint8Array): bigint {
  return bytes.length ? BigInt(`0x${Buffer.from(bytes).toString('hex')}`) : 0n;
}

/** Integer → big-endian bytes of exactly `length` (RFC 8017 I2OSP). */
export function i2osp(x: bigint, length: number): Uint8Array {
  const hex = x.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new BlindRsaError('integer too large');
  return Buffer.from(hex, 'hex');
}

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** a⁻¹ mod m by the extended Euclidean algorithm. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new BlindRsaError('not invertible');
  return ((oldS % m) + m) % m;
}

/** base^exp mod m, square-and-multiply. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Uniform integer in [1, n) by rejection sampling (RFC 9474 random_integer_uniform). */
function randomBelow(n: bigint): bigint {
  const bits = bitLength(n);
  const bytes = Math.ceil(bits / 8);
  const topMask = 0xff >> (bytes * 8 - bits);
  for (;;) {
    const buf = randomBytes(bytes);
    buf[0] &= topMask;
    const x = os2ip(buf);
    if (x > 0n && x < n) return x;
  }
}
