import type { EntityManager } from 'typeorm';
import type { DiagnosisKey } from '../entities/diagnosis-key.entity';
import type { PackedKeys } from '../packed-keys';
import type { SpendStatement } from '../upload-authorization';

export type KeyRow = Omit<DiagnosisKey, 'id'>;

/** One upload on its way to the database: the proof to spend, the keys to store with it. */
export interface PendingUpload {
  spend: SpendStatement;
  rows: KeyRow[];
  /** Other writes that belong with the keys (an audit entry), in the same transaction. */
  alsoInTransaction?: (em: EntityManager) => Promise<void>;
}

/** When the first and the last key of a window became available. */
export interface AvailableRange {
  first: Date;
  last: Date;
}

/**
 * Where diagnosis keys live: the one boundary between the key store's services and the SQL that stores
 * and reads keys. Two implementations keep the same contract (test/key-storage.e2e-spec.ts): the portable
 * one on TypeORM for both databases, the readable reference, and a PostgreSQL one tuned for load
 * (several uploads per statement, a binary COPY for export windows), checked against the reference.
 */
export abstract class KeyStorage {
  /**
   * Spends the upload's proof and stores its keys, all or nothing. Rejects with the spend's refusal when
   * the proof was spent before, or with the unique violation when a key was stored before.
   */
  abstract storeUpload(upload: PendingUpload): Promise<void>;

  /** Which of these keys are stored already (hex of the key bytes). */
  abstract storedKeys(keyData: readonly Buffer[]): Promise<Set<string>>;

  /**
   * Adds keys that come without a proof of their own (federation downloads) inside the caller's
   * transaction, skipping those stored before and repeats; returns how many were added.
   */
  abstract importKeys(em: EntityManager, rows: readonly KeyRow[]): Promise<number>;

  /** The regions that have keys. */
  abstract regions(): Promise<string[]>;

  /** First and last `available_at` in (start, end] of a region; null when the window holds no key. */
  abstract availableRange(region: string, start: Date | null, end: Date): Promise<AvailableRange | null>;

  /** The keys of a region whose `available_at` lies in (start, end], as packed records. */
  abstract readWindow(region: string, start: Date, end: Date): Promise<PackedKeys>;

  /** Deletes keys whose validity ended before rolling interval `oldestInterval`; returns how many. */
  abstract deleteEndedBefore(oldestInterval: number): Promise<number>;
}
