import { UploadLatency } from './upload-latency';

/** A seeded uniform source in (0, 1), so the statistics below are the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return (s + 1) / (2 ** 31 + 1);
  };
}

const meanAndDeviation = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, deviation: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) };
};

describe(UploadLatency.name, () => {
  it('draws decoy durations with the mean and deviation of real uploads', () => {
    const sut = new UploadLatency(30, seeded(7));
    const real = seeded(11);
    // Real uploads around 3 ms ± 1 ms (sums of uniforms, roughly normal).
    for (let i = 0; i < 2000; i++) sut.observe(3 + (real() + real() + real() - 1.5) * 2);
    const decoys = meanAndDeviation(Array.from({ length: 5000 }, () => sut.draw()));
    expect(decoys.mean).toBeGreaterThan(2.8);
    expect(decoys.mean).toBeLessThan(3.2);
    expect(decoys.deviation).toBeGreaterThan(0.8);
    expect(decoys.deviation).toBeLessThan(1.2);
  });

  it('follows a change of load', () => {
    const sut = new UploadLatency(5, seeded(3));
    for (let i = 0; i < 500; i++) sut.observe(40);
    expect(sut.stats.meanMs).toBeCloseTo(40, 0);
  });

  it('never draws a negative or extreme duration', () => {
    const sut = new UploadLatency(1, seeded(5));
    const draws = Array.from({ length: 10_000 }, () => sut.draw());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(2);
  });
});
