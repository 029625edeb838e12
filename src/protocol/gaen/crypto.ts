import { createCipheriv, randomFillSync } from 'node:crypto';

import { KEY_LENGTH, METADATA_LENGTH, TEK_ROLLING_PERIOD } from './constants';
import { HKDF_INFO_AEMK, HKDF_INFO_RPIK, hkdfSha256Tek } from './hkdf';

/** Fills a buffer with cryptographically secure random bytes; injectable so tests can be deterministic. */
export type RandomSource = (out: Uint8Array) => void;

/** Node's CSPRNG (OpenSSL RAND_bytes). */
export const secureRandom: RandomSource = (out) => {
  randomFillSync(out);
};

/**
 * Generates a 16-byte Temporary Exposure Key from a CSPRNG (docs/protocols/gaen.md §B2, EN Cryptography v1.2
 * "TEK").
 */
export function generateTek(random: RandomSource = secureRandom): Uint8Array {
  const tek = new Uint8Array(KEY_LENGTH);
  random(tek);
  return tek;
}

/** RPIK = HKDF-SHA256(TEK, no salt, "EN-RPIK", 16) (docs/protocols/gaen.md §B2). */
export function deriveRpik(tek: Uint8Array): Uint8Array {
  assertKey(tek, 'TEK');
  const out = new Uint8Array(KEY_LENGTH);
  hkdfSha256Tek(tek, 0, HKDF_INFO_RPIK, out, 0);
  return out;
}

/** AEMK = HKDF-SHA256(TEK, no salt, "EN-AEMK", 16) (docs/protocols/gaen.md §B2). */
export function deriveAemk(tek: Uint8Array): Uint8Array {
  assertKey(tek, 'TEK');
  const out = new Uint8Array(KEY_LENGTH);
  hkdfSha256Tek(tek, 0, HKDF_INFO_AEMK, out, 0);
  return out;
}

/**
 * Writes PaddedData_j = "EN-RPI" ‖ 0x00×6 ‖ uint32 little-endian j into `out` at `offset`
 * (docs/protocols/gaen.md §B2; the little-endian interval is a classic interop trap).
 */
export function writePaddedData(intervalNumber: number, out: Uint8Array, offset = 0): void {
  out[offset] = 0x45; // E
  out[offset + 1] = 0x4e; // N
  out[offset + 2] = 0x2d; // -
  out[offset + 3] = 0x52; // R
  out[offset + 4] = 0x50; // P
  out[offset + 5] = 0x49; // I
  out.fill(0, offset + 6, offset + 12);
  out[offset + 12] = intervalNumber & 0xff;
  out[offset + 13] = (intervalNumber >>> 8) & 0xff;
  out[offset + 14] = (intervalNumber >>> 16) & 0xff;
  out[offset + 15] = (intervalNumber >>> 24) & 0xff;
}

/** PaddedData for one interval as a new 16-byte array (docs/protocols/gaen.md §B2). */
export function paddedData(intervalNumber: number): Uint8Array {
  const out = new Uint8Array(16);
  writePaddedData(intervalNumber, out);
  return out;
}

/** RPI_j = AES-128-ECB(RPIK, PaddedData_j), one block (docs/protocols/gaen.md §B2). */
export function deriveRpi(rpik: Uint8Array, intervalNumber: number): Uint8Array {
  return deriveRpis(rpik, intervalNumber, 1);
}

/**
 * RPIs of `count` consecutive intervals from `firstInterval`, concatenated (count × 16 bytes), in one AES-ECB
 * call; matching always derives 144 per key, whatever its rolling period (docs/protocols/gaen.md §B2, §B4).
 */
export function deriveRpis(
  rpik: Uint8Array,
  firstInterval: number,
  count: number = TEK_ROLLING_PERIOD,
): Uint8Array {
  assertKey(rpik, 'RPIK');
  const padded = new Uint8Array(count * 16);
  for (let i = 0; i < count; i++) writePaddedData(firstInterval + i, padded, i * 16);
  const cipher = createCipheriv('aes-128-ecb', rpik, null);
  cipher.setAutoPadding(false);
  const out = cipher.update(padded);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * AEM = AES-128-CTR(AEMK, IV = RPI, metadata); the same call decrypts, since CTR is its own inverse
 * (docs/protocols/gaen.md §B2). The AEM is not authenticated: validate what comes out with `decodeMetadata`.
 */
export function cryptAem(aemk: Uint8Array, rpi: Uint8Array, data: Uint8Array): Uint8Array {
  assertKey(aemk, 'AEMK');
  assertKey(rpi, 'RPI');
  if (data.length !== METADATA_LENGTH) throw new RangeError(`metadata must be ${METADATA_LENGTH} bytes`);
  const cipher = createCipheriv('aes-128-ctr', aemk, rpi);
  const out = cipher.update(data);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Bluetooth metadata carried (encrypted) next to each RPI (docs/protocols/gaen.md §B2). */
export interface BluetoothMetadata {
  /** Major protocol version, bits 7:6 of byte 0; 1 for all published versions. */
  versionMajor: number;
  /** Minor version, bits 5:4 (0 = v1.0, 1 = v1.1+). */
  versionMinor: number;
  /**
   * Calibration confidence (bits 3:2, v1.1+): 0 lowest … 3 high (docs/protocols/gaen.md §B7
   * CalibrationConfidence).
   */
  calibrationConfidence: number;
  /** Transmit power in dBm, signed; attenuation = txPower − RSSI. */
  txPowerDbm: number;
}

/**
 * Encodes the 4-byte metadata: version byte, signed TX power, two reserved zero bytes
 * (docs/protocols/gaen.md §B2).
 */
export function encodeMetadata(meta: BluetoothMetadata): Uint8Array {
  if (meta.txPowerDbm < -128 || meta.txPowerDbm > 127)
    throw new RangeError('TX power must fit a signed byte');
  const out = new Uint8Array(METADATA_LENGTH);
  out[0] =
    ((meta.versionMajor & 3) << 6) | ((meta.versionMinor & 3) << 4) | ((meta.calibrationConfidence & 3) << 2);
  out[1] = meta.txPowerDbm & 0xff;
  return out;
}

/**
 * Decodes decrypted metadata, or returns null when it cannot be genuine (major version ≠ 1 or reserved bytes
 * set) — what a wrong key or a forged AEM yields, since AEM is unauthenticated (docs/protocols/gaen.md §B2).
 */
export function decodeMetadata(data: Uint8Array): BluetoothMetadata | null {
  if (data.length !== METADATA_LENGTH) return null;
  const versionMajor = data[0] >>> 6;
  if (versionMajor !== 1 || (data[0] & 3) !== 0 || data[2] !== 0 || data[3] !== 0) return null;
  const versionMinor = (data[0] >>> 4) & 3;
  return {
    versionMajor,
    versionMinor,
    calibrationConfidence: versionMinor >= 1 ? (data[0] >>> 2) & 3 : 0,
    txPowerDbm: (data[1] << 24) >> 24,
  };
}

function assertKey(key: Uint8Array, name: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_LENGTH)
    throw new RangeError(`${name} must be 16 bytes`);
}
