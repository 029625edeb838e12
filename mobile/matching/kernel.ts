/**
 * The hot loop of matching: for each diagnosis key derive RPIK, encrypt its 144 padded intervals and probe
 * the prefix table (docs/protocols/gaen.md §B4). Two implementations with one contract:
 *  - `native`: the N-API addon in mobile/native (OpenSSL's SHA-256 and AES via Node's own libcrypto, no
 *    per-call JS overhead), used when it was built (`npx tsx mobile/native/build.ts`);
 *  - `ts`: the same algorithm in TypeScript + one `createCipheriv` per key; always available.
 */
import { createCipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// Narrow imports: worker threads load this module, and the barrel would pull in protobufjs.
import { KEY_LENGTH, TEK_ROLLING_PERIOD } from '../../src/protocol/gaen/constants';
import { writePaddedData } from '../../src/protocol/gaen/crypto';
import { HKDF_INFO_RPIK, hkdfSha256Tek } from '../../src/protocol/gaen/hkdf';
import type { PrefixTable } from './sighting-index';

/** Which implementation to use; `auto` prefers native and falls back to ts. */
export type KernelPreference = 'auto' | 'native' | 'ts';

/** Finds keys that may have produced a recorded RPI. */
export interface MatchKernel {
  readonly name: 'native' | 'ts';
  /**
   * Checks keys [start, end) of `keyData` (16 bytes each) with rolling start intervals `rsin`. Writes pairs
   * (key index, interval offset 0..143) of prefix hits to `out` while they fit and returns how many there are;
   * if that exceeds out.length / 2, call again with a larger buffer.
   */
  findCandidates(keyData: Uint8Array, rsin: Int32Array, start: number, end: number, out: Uint32Array): number;
}

/** Functions exported by the addon (mobile/native/gaen_match.cc). */
export interface NativeAddon {
  findCandidates(
    keyData: Uint8Array,
    rsin: Int32Array,
    start: number,
    end: number,
    table: Uint32Array,
    zeroPrefix: boolean,
    filter: Uint32Array,
    filterShift: number,
    minRsin: number,
    maxRsin: number,
    out: Uint32Array,
  ): number;
  /** RPIs of 144 intervals from rsin[i] for keys [0, count), into out (count × 2304 bytes); for tests. */
  deriveRpis(keyData: Uint8Array, rsin: Int32Array, count: number, out: Uint8Array): void;
}

const BLOCKS = TEK_ROLLING_PERIOD;
// Module-local: under tsx/jest imported bindings are getters, too slow for the per-key loop.
const KEY_BYTES = KEY_LENGTH;

/** TypeScript kernel: fixed-case HKDF in JS, one AES-128-ECB call per key for all 144 blocks. */
export class TsKernel implements MatchKernel {
  readonly name = 'ts';
  private readonly padded = new Uint8Array(BLOCKS * 16);
  private readonly paddedView = new DataView(this.padded.buffer);
  private readonly rpik = new Uint8Array(KEY_BYTES);
  private paddedRsin = -1;

  constructor(private readonly prefixes: PrefixTable) {
    for (let j = 0; j < BLOCKS; j++) writePaddedData(0, this.padded, j * 16);
  }

  findCandidates(
    keyData: Uint8Array,
    rsin: Int32Array,
    start: number,
    end: number,
    out: Uint32Array,
  ): number {
    const { table, mask, zeroPrefix, filter, filterShift, minRsin, maxRsin } = this.prefixes;
    let found = 0;
    for (let i = start; i < end; i++) {
      const r = rsin[i];
      if (r < minRsin || r > maxRsin) continue;
      if (r !== this.paddedRsin) {
        // Keys of one export mostly share a few rolling start intervals: rewrite the 144 counters only on change.
        for (let j = 0; j < BLOCKS; j++) this.paddedView.setUint32(j * 16 + 12, r + j, true);
        this.paddedRsin = r;
      }
      hkdfSha256Tek(keyData, i * KEY_BYTES, HKDF_INFO_RPIK, this.rpik, 0);
      const cipher = createCipheriv('aes-128-ecb', this.rpik, null);
      cipher.setAutoPadding(false);
      const rpis = cipher.update(this.padded);
      for (let j = 0; j < BLOCKS; j++) {
        const p = rpis.readUInt32LE(j * 16);
        let hit = false;
        if (p === 0) hit = zeroPrefix;
        else if ((filter[p >>> (filterShift + 5)] >>> ((p >>> filterShift) & 31)) & 1) {
          let slot = p & mask;
          for (let v = table[slot]; v !== 0; v = table[slot]) {
            if (v === p) {
              hit = true;
              break;
            }
            slot = (slot + 1) & mask;
          }
        }
        if (hit) {
          if (2 * found + 1 < out.length) {
            out[2 * found] = i;
            out[2 * found + 1] = j;
          }
          found++;
        }
      }
    }
    return found;
  }
}

/** Native kernel: a thin wrapper passing the prefix table to the addon. */
export class NativeKernel implements MatchKernel {
  readonly name = 'native';

  constructor(
    private readonly addon: NativeAddon,
    private readonly prefixes: PrefixTable,
  ) {}

  findCandidates(
    keyData: Uint8Array,
    rsin: Int32Array,
    start: number,
    end: number,
    out: Uint32Array,
  ): number {
    const p = this.prefixes;
    return this.addon.findCandidates(
      keyData,
      rsin,
      start,
      end,
      p.table,
      p.zeroPrefix,
      p.filter,
      p.filterShift,
      p.minRsin,
      p.maxRsin,
      out,
    );
  }
}

let cachedAddon: NativeAddon | null | undefined;

/** Absolute path of the built addon, whether we run from sources (tsx, jest) or from `dist/`. */
export function nativeAddonPath(): string | null {
  const candidates = [
    join(__dirname, '../native/build/Release/gaen_match.node'),
    join(process.cwd(), 'mobile/native/build/Release/gaen_match.node'),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/**
 * Loads the addon once; null when not built, disabled with VEILIG_NATIVE=0, or unloadable (e.g. built for
 * another Node ABI). Failing silently is intended: the TS kernel gives the same results, slower.
 */
export function loadNativeAddon(env: NodeJS.ProcessEnv = process.env): NativeAddon | null {
  if (env.VEILIG_NATIVE === '0') return null;
  if (cachedAddon !== undefined) return cachedAddon;
  const path = nativeAddonPath();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cachedAddon = path ? (require(path) as NativeAddon) : null;
  } catch {
    cachedAddon = null;
  }
  return cachedAddon;
}

/** Picks a kernel; `native` throws when the addon is unavailable, `auto` falls back to ts. */
export function createKernel(prefixes: PrefixTable, preference: KernelPreference = 'auto'): MatchKernel {
  if (preference !== 'ts') {
    const addon = loadNativeAddon();
    if (addon) return new NativeKernel(addon, prefixes);
    if (preference === 'native') {
      throw new Error('native matching kernel not built: run `npx tsx mobile/native/build.ts`');
    }
  }
  return new TsKernel(prefixes);
}
