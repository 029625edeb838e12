/**
 * Seeded pseudo-random numbers for the encounter simulator (jitter, RSSI noise), so a scenario replays the
 * same way. Never used for keys: TEKs come from the CSPRNG unless a test injects its own source.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Normal with the given mean and standard deviation (Box–Muller). */
  gaussian(mean: number, sd: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Fills a buffer with pseudo-random bytes: a deterministic stand-in for the CSPRNG in tests. */
  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(this.next() * 256);
  }
}
