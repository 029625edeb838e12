/**
 * Index over a phone's recorded RPIs for matching. The hot path only needs "could this RPI have been
 * seen?", asked 144 times per diagnosis key, so it is two-level: a bitmap of ≥ 8 bits per RPI (32 KiB for
 * 20,000 RPIs, i.e. L1-resident) answers most lookups, and an open-addressing table of the RPIs' first 4 bytes
 * settles the few bitmap hits. RPIs are AES output, hence uniform: the prefix is its own hash. Exact 16-byte
 * matches and scan times are checked afterwards, only for the rare prefix hits (gaen.md §B4 does the same
 * with a 2-byte prefix map). Probing a 256 KiB table directly cost ~1 µs per key in cache misses.
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
    private readonly byRpi: Map<string, Sighting[]>,
    readonly prefixes: PrefixTable,
  ) {}

  /** Number of distinct RPIs. */
  get size(): number {
    return this.byRpi.size;
  }

  /** Indexes the given sightings (the caller filters by age). */
  static build(sightings: readonly Sighting[]): SightingIndex {
    const byRpi = new Map<string, Sighting[]>();
    let minInterval = Infinity;
    let maxInterval = -Infinity;
    for (const s of sightings) {
      const k = rpiKey(s.rpi, 0);
      const list = byRpi.get(k);
      if (list) list.push(s);
      else byRpi.set(k, [s]);
      const interval = enIntervalNumberFromMs(s.timeMs);
      minInterval = Math.min(minInterval, interval);
      maxInterval = Math.max(maxInterval, interval);
    }
    let size = 1024;
    while (size < byRpi.size * 3) size *= 2;
    const table = new Uint32Array(size);
    const mask = size - 1;
    let zeroPrefix = false;
    let filterBits = 1 << 15;
    while (filterBits < byRpi.size * 8 && filterBits < 1 << 30) filterBits *= 2;
    const filter = new Uint32Array(filterBits / 32);
    const filterShift = 32 - Math.log2(filterBits);
    for (const list of byRpi.values()) {
      const p = prefixOf(list[0].rpi, 0);
      if (p === 0) {
        zeroPrefix = true;
        continue;
      }
      const bit = p >>> filterShift;
      filter[bit >>> 5] |= 1 << (bit & 31);
      let i = p & mask;
      while (table[i] !== 0 && table[i] !== p) i = (i + 1) & mask;
      table[i] = p;
    }
    const empty = byRpi.size === 0;
    return new SightingIndex(byRpi, {
      table,
      mask,
      zeroPrefix,
      filter,
      filterShift,
      // A key covers RPIs rsin..rsin+143, each matching scans within ±12 intervals.
      minRsin: empty ? 1 : minInterval - MATCH_TOLERANCE_INTERVALS - (TEK_ROLLING_PERIOD - 1),
      maxRsin: empty ? 0 : maxInterval + MATCH_TOLERANCE_INTERVALS,
    });
  }

  /** Sightings of exactly this RPI (16 bytes at `offset`), if any. */
  lookup(rpi: Uint8Array, offset = 0): readonly Sighting[] | undefined {
    return this.byRpi.get(rpiKey(rpi, offset));
  }
}

function rpiKey(rpi: Uint8Array, offset: number): string {
  return Buffer.from(rpi.buffer, rpi.byteOffset + offset, KEY_LENGTH).toString('latin1');
}
