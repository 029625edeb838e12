/**
 * Index over a phone's recorded RPIs for matching. The hot path only needs "could this RPI have been seen?",
 * asked 144 times per diagnosis key, so it is two-level: a bitmap of ≥ 8 bits per RPI (32 KiB for 20,000
 * RPIs, i.e. L1-resident) answers most lookups, and an open-addressing table of the RPIs' first 4 bytes
 * settles the few bitmap hits. RPIs are AES output, hence uniform: the prefix is its own hash. Exact 16-byte
 * matches and scan times are checked afterwards, only for the rare prefix hits (docs/protocols/gaen.md §B4
 * does the same with a 2-byte prefix map). Probing a 256 KiB table directly cost ~1 µs per key in cache
 * misses.
 */
import {
  enIntervalNumberFromMs,
  KEY_LENGTH,
  MATCH_TOLERANCE_INTERVALS,
  TEK_ROLLING_PERIOD,
} from '../../src/protocol/gaen';
import type { Sighting } from '../phone';

/** What a matching kernel needs: the prefix table and the rolling start intervals worth checking. */
export interface PrefixTable {
  /** Open addressing, linear probing, 0 = empty; length is a power of two. */
  table: Uint32Array;
  /** table.length − 1. */
  mask: number;
  /** An RPI starts with four zero bytes (cannot be stored in the table). */
  zeroPrefix: boolean;
  /** Bitmap over the top bits of each prefix: bit (prefix >>> filterShift) is set for every stored prefix. */
  filter: Uint32Array;
  /** 32 − log2(bits in filter). */
  filterShift: number;
  /** Keys with a rolling start interval outside [minRsin, maxRsin] cannot match any sighting. */
  minRsin: number;
  maxRsin: number;
}

/** Little-endian uint32 of the first 4 bytes at `offset`. */
export function prefixOf(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0
  );
}

/** Sightings grouped by RPI plus the prefix table. */
export class SightingIndex {
  private constructor(
    /** Sightings bucketed by their RPI's 4-byte prefix (numbers make cheaper map keys than 16-byte strings). */
    private readonly byPrefix: Map<number, Sighting[]>,
    /** Number of distinct RPIs. */
    readonly size: number,
    readonly prefixes: PrefixTable,
  ) {}

  /** Indexes the given sightings (the caller filters by age). */
  static build(sightings: readonly Sighting[]): SightingIndex {
    const byPrefix = new Map<number, Sighting[]>();
    let distinct = 0;
    let minMs = Infinity;
    let maxMs = -Infinity;
    for (const s of sightings) {
      const p = prefixOf(s.rpi, 0);
      const list = byPrefix.get(p);
      if (!list) {
        byPrefix.set(p, [s]);
        distinct++;
      } else {
        if (!list.some((o) => sameRpi(o.rpi, s.rpi, 0))) distinct++;
        list.push(s);
      }
      if (s.timeMs < minMs) minMs = s.timeMs;
      if (s.timeMs > maxMs) maxMs = s.timeMs;
    }
    let size = 1024;
    while (size < byPrefix.size * 3) size *= 2;
    const table = new Uint32Array(size);
    const mask = size - 1;
    let zeroPrefix = false;
    let filterBits = 1 << 15;
    while (filterBits < byPrefix.size * 8 && filterBits < 1 << 30) filterBits *= 2;
    const filter = new Uint32Array(filterBits / 32);
    const filterShift = 32 - Math.log2(filterBits);
    for (const p of byPrefix.keys()) {
      if (p === 0) {
        zeroPrefix = true;
        continue;
      }
      const bit = p >>> filterShift;
      filter[bit >>> 5] |= 1 << (bit & 31);
      let i = p & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = p;
    }
    const empty = distinct === 0;
    return new SightingIndex(byPrefix, distinct, {
      table,
      mask,
      zeroPrefix,
      filter,
      filterShift,
      // A key covers RPIs rsin..rsin+143, each matching scans within ±12 intervals.
      minRsin: empty
        ? 1
        : enIntervalNumberFromMs(minMs) - MATCH_TOLERANCE_INTERVALS - (TEK_ROLLING_PERIOD - 1),
      maxRsin: empty ? 0 : enIntervalNumberFromMs(maxMs) + MATCH_TOLERANCE_INTERVALS,
    });
  }

  /** Sightings of exactly this RPI (16 bytes at `offset`), if any. */
  lookup(rpi: Uint8Array, offset = 0): readonly Sighting[] | undefined {
    const found = this.byPrefix.get(prefixOf(rpi, offset))?.filter((s) => sameRpi(s.rpi, rpi, offset));
    return found?.length ? found : undefined;
  }
}

function sameRpi(a: Uint8Array, b: Uint8Array, offset: number): boolean {
  for (let i = 0; i < KEY_LENGTH; i++) if (a[i] !== b[offset + i]) return false;
  return true;
}
