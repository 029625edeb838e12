import { Batcher } from './batching';

describe('Batcher', () => {
  /** A run that records its batches and finishes when told. */
  function recordingRun() {
    const batches: number[][] = [];
    const finish: (() => void)[] = [];
    const run = (items: number[]) => {
      batches.push(items);
      return new Promise<PromiseSettledResult<number>[]>((resolve) =>
        finish.push(() =>
          resolve(
            items.map((n) =>
              n < 0
                ? { status: 'rejected', reason: new Error(`bad ${n}`) }
                : { status: 'fulfilled', value: n * 10 },
            ),
          ),
        ),
      );
    };
    return { batches, finish, run };
  }

  it('runs an item at once while a slot is free, and groups what arrives while all are busy', async () => {
    const r = recordingRun();
    const batcher = new Batcher(r.run, { maxInFlight: 2, maxBatch: 3 });
    const results = [1, 2, 3, 4, 5, 6].map((n) => batcher.submit(n));
    expect(r.batches).toEqual([[1], [2]]);
    r.finish[0]();
    await results[0];
    expect(r.batches).toEqual([[1], [2], [3, 4, 5]]);
    r.finish[1]();
    await results[1];
    expect(r.batches).toEqual([[1], [2], [3, 4, 5], [6]]);
    r.finish[2]();
    r.finish[3]();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('settles each item on its own, and every item of a batch whose run fails', async () => {
    const r = recordingRun();
    const batcher = new Batcher(r.run, { maxInFlight: 1, maxBatch: 10 });
    const first = batcher.submit(1);
    const rest = [2, -3, 4].map((n) => batcher.submit(n));
    r.finish[0]();
    await first;
    r.finish[1]();
    const settled = await Promise.allSettled(rest);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);

    const failing = new Batcher<number, number>(() => Promise.reject(new Error('connection lost')), {
      maxInFlight: 1,
      maxBatch: 10,
    });
    await expect(Promise.allSettled([failing.submit(1), failing.submit(2)])).resolves.toEqual([
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('connection lost') },
    ]);
  });

  it('rejects an item its batch returned no result for, instead of leaving it waiting', async () => {
    const short = new Batcher<number, number>(
      async (items) => items.slice(1).map((n) => ({ status: 'fulfilled', value: n })),
      { maxInFlight: 1, maxBatch: 10 },
    );
    await expect(short.submit(1)).rejects.toThrow('no result');
  });
});
