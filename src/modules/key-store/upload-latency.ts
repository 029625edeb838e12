import { randomInt } from 'node:crypto';

/** Weight of a new sample in the running mean and variance (about the last 50 uploads count). */
const ALPHA = 0.02;

/**
 * How long real uploads take, so a decoy can take as long: a running mean and deviation of real
 * upload durations (exponentially weighted), and decoy durations drawn from a normal distribution with
 * them, as the Dutch and German backends delay their fake requests. Until real uploads were seen it
 * assumes `initialMeanMs` ± a third of it.
 */
export class UploadLatency {
  private mean: number;
  private variance: number;

  constructor(
    initialMeanMs = 5,
    private readonly uniform: () => number = () => randomInt(1, 2 ** 32) / 2 ** 32,
  ) {
    this.mean = initialMeanMs;
    this.variance = (initialMeanMs / 3) ** 2;
  }

  get stats(): { meanMs: number; deviationMs: number } {
    return { meanMs: this.mean, deviationMs: Math.sqrt(this.variance) };
  }

  observe(durationMs: number): void {
    const delta = durationMs - this.mean;
    this.mean += ALPHA * delta;
    this.variance = (1 - ALPHA) * (this.variance + ALPHA * delta * delta);
  }

  /** A duration for one decoy: normal(mean, deviation) by Box–Muller, within [0, mean + 3 deviations]. */
  draw(): number {
    const deviation = Math.sqrt(this.variance);
    const normal = Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
    return Math.min(Math.max(0, this.mean + deviation * normal), this.mean + 3 * deviation);
  }
}
