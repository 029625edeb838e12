/**
 * A small pool of worker threads running the matching kernel, so matching can use every core. Keys are
 * sent in batches (copied and transferred); only prefix hits come back.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

import type { KernelPreference } from './kernel';
import type { PrefixTable } from './sighting-index';
import type { MatchWorkerInit, MatchWorkerJob, MatchWorkerMessage } from './worker-protocol';

interface Pending {
  resolve: (candidates: Uint32Array) => void;
  reject: (err: Error) => void;
}

/** Worker threads with a kernel each. */
export class MatchWorkerPool {
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    /** Kernel the workers run. */
    readonly kernel: 'native' | 'ts',
  ) {
    this.load = workers.map(() => 0);
    workers.forEach((w, index) => {
      w.on('message', (m: MatchWorkerMessage) => this.onMessage(index, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`match worker exited with code ${code}`));
      });
    });
  }

  /** Jobs sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** Starts `count` workers and waits until each has loaded its kernel. */
  static async start(
    count: number,
    prefixes: PrefixTable,
    preference: KernelPreference,
  ): Promise<MatchWorkerPool> {
    const ext = extname(__filename);
    const file = join(__dirname, `match-worker${ext}`);
    // From sources (tsx, jest) the worker is TypeScript: give it tsx's require hook.
    const execArgv = ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
    const init: MatchWorkerInit = { prefixes, preference };
    const workers = Array.from({ length: count }, () => new Worker(file, { workerData: init, execArgv }));
    try {
      const kernels = await Promise.all(workers.map((w) => ready(w)));
      return new MatchWorkerPool(workers, kernels[0]);
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  /** Checks one batch on the least busy worker; resolves to (index within batch, interval offset) pairs. */
  submit(keyData: Uint8Array, rsin: Int32Array): Promise<Uint32Array> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    let index = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i] < this.load[index]) index = i;
    const job: MatchWorkerJob = { id, keyData: keyData.slice(), rsin: rsin.slice() };
    this.load[index]++;
    return new Promise<Uint32Array>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (c) => {
          this.load[index]--;
          resolve(c);
        },
        reject,
      });
      this.workers[index].postMessage(job, [
        job.keyData.buffer as ArrayBuffer,
        job.rsin.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Stops all workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onMessage(_worker: number, m: MatchWorkerMessage): void {
    if (m.type === 'ready') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.candidates);
    else p.reject(new Error(`match worker failed: ${m.message}`));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

function ready(worker: Worker): Promise<'native' | 'ts'> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: MatchWorkerMessage): void => {
      if (m.type !== 'ready') return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(m.kernel);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}
