import type { KernelPreference } from './kernel';
import type { PrefixTable } from './sighting-index';

/** workerData of a match worker. */
export interface MatchWorkerInit {
  prefixes: PrefixTable;
  preference: KernelPreference;
}

/** A batch of keys to check. */
export interface MatchWorkerJob {
  id: number;
  keyData: Uint8Array;
  rsin: Int32Array;
}

/** Messages from a match worker. */
export type MatchWorkerMessage =
  | { type: 'ready'; kernel: 'native' | 'ts' }
  | { type: 'result'; id: number; candidates: Uint32Array }
  | { type: 'error'; id: number; message: string };
