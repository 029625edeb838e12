/**
 * Runs items in batches with at most `maxInFlight` batches at a time. An item submitted while a slot is
 * free runs at once, alone, so a quiet system adds no wait; under load, items that arrive while every
 * slot is busy wait for the next free slot and go together (up to `maxBatch`). `run` settles each item of
 * a batch on its own: one item's failure is not the others'.
 */
export class Batcher<I, O> {
  private readonly waiting: { item: I; resolve(o: O): void; reject(e: unknown): void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<PromiseSettledResult<O>[]>,
    private readonly limits: { maxInFlight: number; maxBatch: number },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.inFlight < this.limits.maxInFlight) this.next();
    });
  }

  private next(): void {
    const batch = this.waiting.splice(0, this.limits.maxBatch);
    if (batch.length === 0) return;
    this.inFlight++;
    // The next batch starts before this one's items are settled, so waiting items never wait on callers.
    const done = () => {
      this.inFlight--;
      this.next();
    };
    new Promise<PromiseSettledResult<O>[]>((resolve) => resolve(this.run(batch.map((w) => w.item)))).then(
      (results) => {
        done();
        batch.forEach((w, i) => {
          const result = results[i];
          if (result?.status === 'fulfilled') w.resolve(result.value);
          else w.reject(result ? result.reason : new Error('the batch returned no result for this item'));
        });
      },
      (error: unknown) => {
        done();
        batch.forEach((w) => w.reject(error));
      },
    );
  }
}
