import { DeterministicRandom } from './deterministic-random';

describe('DeterministicRandom', () => {
  const draw = (rng: DeterministicRandom) => [
    rng.int(10),
    rng.bytes(3).toString('hex'),
    rng.int(1_000_000),
    rng.bytes(70_000).length,
    rng.int(7),
  ];

  it('gives the same stream for the same secret and label, another for another label', () => {
    expect(draw(new DeterministicRandom('s', 'batch-1'))).toEqual(
      draw(new DeterministicRandom('s', 'batch-1')),
    );
    expect(draw(new DeterministicRandom('s', 'batch-1'))).not.toEqual(
      draw(new DeterministicRandom('s', 'batch-2')),
    );
  });

  it('draws integers in [0, max) across buffer refills', () => {
    const rng = new DeterministicRandom('s', 'range');
    const seen = new Set<number>();
    for (let i = 0; i < 40_000; i++) {
      const v = rng.int(6);
      expect(v >= 0 && v < 6).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(6);
  });
});
