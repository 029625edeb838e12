/**
 * HKDF-SHA256 for the one shape GAEN uses: IKM = a 16-byte TEK, no salt, a 7-byte info, L = 16.
 *
 * Why not `crypto.hkdfSync`: it costs ~13 µs per call in Node 20 (OpenSSL 3 fetches the KDF each time),
 * which alone caps matching at ~75,000 keys/s. With the salt fixed to 32 zero bytes the HMAC pad states
 * of the extract step are constants, so one derivation is six SHA-256 compressions on 32-bit words and
 * no allocation. `crypto.spec.ts` checks it against `hkdfSync` and the published vectors.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);

/** One SHA-256 compression: `out` = compress(`state`, W[0..15]); `out` may alias `state`. */
function compress(state: Int32Array, out: Int32Array): void {
  const w = W;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15];
    const y = w[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = (state[0] + a) | 0;
  out[1] = (state[1] + b) | 0;
  out[2] = (state[2] + c) | 0;
  out[3] = (state[3] + d) | 0;
  out[4] = (state[4] + e) | 0;
  out[5] = (state[5] + f) | 0;
  out[6] = (state[6] + g) | 0;
  out[7] = (state[7] + h) | 0;
}

function padState(pad: number): Int32Array {
  W.fill(pad, 0, 16);
  const s = new Int32Array(8);
  compress(IV, s);
  return s;
}

// HMAC key = 32 zero bytes (RFC 5869: absent salt), so K ^ ipad / K ^ opad are constant blocks.
const ZERO_KEY_IPAD = padState(0x36363636);
const ZERO_KEY_OPAD = padState(0x5c5c5c5c);

/**
 * Info strings of docs/protocols/gaen.md §B2 followed by the HKDF block counter 0x01, as big-endian words.
 */
export const HKDF_INFO_RPIK: readonly [number, number] = [0x454e2d52, 0x50494b01]; // "EN-RPIK" ‖ 0x01
/** "EN-AEMK" ‖ 0x01; docs/protocols/gaen.md §B2. */
export const HKDF_INFO_AEMK: readonly [number, number] = [0x454e2d41, 0x454d4b01];

const inner = new Int32Array(8);
const prk = new Int32Array(8);
const ki = new Int32Array(8);
const ko = new Int32Array(8);

/**
 * HKDF-SHA256(IKM = 16 bytes at `ikm[ikmOffset]`, salt = none, info, L = 16) into `out[outOffset..+16]`.
 * Allocation-free; `info` is HKDF_INFO_RPIK or HKDF_INFO_AEMK (docs/protocols/gaen.md §B2, RFC 5869
 * §2.2–2.3).
 */
export function hkdfSha256Tek(
  ikm: Uint8Array,
  ikmOffset: number,
  info: readonly [number, number],
  out: Uint8Array,
  outOffset: number,
): void {
  const w = W;
  const o = ikmOffset;
  // Extract: PRK = HMAC(zeros32, TEK). Inner message = TEK (16 bytes) after the 64-byte pad block.
  w[0] = (ikm[o] << 24) | (ikm[o + 1] << 16) | (ikm[o + 2] << 8) | ikm[o + 3];
  w[1] = (ikm[o + 4] << 24) | (ikm[o + 5] << 16) | (ikm[o + 6] << 8) | ikm[o + 7];
  w[2] = (ikm[o + 8] << 24) | (ikm[o + 9] << 16) | (ikm[o + 10] << 8) | ikm[o + 11];
  w[3] = (ikm[o + 12] << 24) | (ikm[o + 13] << 16) | (ikm[o + 14] << 8) | ikm[o + 15];
  w[4] = 0x80000000 | 0;
  w.fill(0, 5, 15);
  w[15] = (64 + 16) * 8;
  compress(ZERO_KEY_IPAD, inner);
  outerDigest(ZERO_KEY_OPAD, inner, prk);

  // Expand: OKM = HMAC(PRK, info ‖ 0x01)[0..16].
  for (let i = 0; i < 8; i++) w[i] = prk[i] ^ 0x36363636;
  w.fill(0x36363636, 8, 16);
  compress(IV, ki);
  for (let i = 0; i < 8; i++) w[i] = prk[i] ^ 0x5c5c5c5c;
  w.fill(0x5c5c5c5c, 8, 16);
  compress(IV, ko);
  w[0] = info[0];
  w[1] = info[1];
  w[2] = 0x80000000 | 0;
  w.fill(0, 3, 15);
  w[15] = (64 + 8) * 8;
  compress(ki, inner);
  outerDigest(ko, inner, prk);

  for (let i = 0; i < 4; i++) {
    const v = prk[i];
    const p = outOffset + i * 4;
    out[p] = v >>> 24;
    out[p + 1] = (v >>> 16) & 0xff;
    out[p + 2] = (v >>> 8) & 0xff;
    out[p + 3] = v & 0xff;
  }
}

/** Outer HMAC hash over a 32-byte inner digest. */
function outerDigest(padState: Int32Array, innerDigest: Int32Array, out: Int32Array): void {
  const w = W;
  for (let i = 0; i < 8; i++) w[i] = innerDigest[i];
  w[8] = 0x80000000 | 0;
  w.fill(0, 9, 15);
  w[15] = (64 + 32) * 8;
  compress(padState, out);
}
