/** Worker thread running a matching kernel over batches of keys (started by MatchWorkerPool). */
import { parentPort, workerData } from 'node:worker_threads';

import { createKernel } from './kernel';
import type { MatchWorkerInit, MatchWorkerJob, MatchWorkerMessage } from './worker-protocol';

const init = workerData as MatchWorkerInit;
const port = parentPort!;
const kernel = createKernel(init.prefixes, init.preference);
let out = new Uint32Array(2048);

port.on('message', (job: MatchWorkerJob) => {
  try {
    const count = job.rsin.length;
    let found = kernel.findCandidates(job.keyData, job.rsin, 0, count, out);
    if (found * 2 > out.length) {
      out = new Uint32Array(found * 2);
      found = kernel.findCandidates(job.keyData, job.rsin, 0, count, out);
    }
    const candidates = out.slice(0, found * 2);
    const reply: MatchWorkerMessage = { type: 'result', id: job.id, candidates };
    port.postMessage(reply, [candidates.buffer]);
  } catch (err) {
    const reply: MatchWorkerMessage = { type: 'error', id: job.id, message: String(err) };
    port.postMessage(reply);
  }
});

const ready: MatchWorkerMessage = { type: 'ready', kernel: kernel.name };
port.postMessage(ready);
