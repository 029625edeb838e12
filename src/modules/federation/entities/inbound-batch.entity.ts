import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** Per-batch download status, as CWA records it (docs/protocols/efgs.md §A10). */
export type InboundStatus = 'PROCESSED' | 'PROCESSED_WITH_ERROR' | 'ERROR' | 'ERROR_WONT_RETRY';

/** One gateway batch as this member saw it: counts only, never the keys themselves. */
@Entity('federation_inbound_batch')
export class InboundBatch {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Index('uq_federation_inbound_tag', { unique: true })
  @Column({ type: 'varchar', length: 100, name: 'batch_tag' })
  batchTag!: string;

  /** The `date` the batch was fetched under, `yyyy-MM-dd`. */
  @Column({ type: 'varchar', length: 10, name: 'requested_date' })
  requestedDate!: string;

  /** The `nextBatchTag` the gateway answered with; null for "null". */
  @Column({ type: 'varchar', length: 100, name: 'next_batch_tag', nullable: true })
  nextBatchTag!: string | null;

  @Column({ type: 'varchar', length: 24 })
  status!: InboundStatus;

  @Column({ type: 'integer', name: 'keys_received', default: 0 })
  keysReceived!: number;

  /** Valid keys that concern us, new to our store. */
  @Column({ type: 'integer', name: 'keys_stored', default: 0 })
  keysStored!: number;

  /** Failed member-side validation (report type, ranges, DSOS bands …). */
  @Column({ type: 'integer', name: 'keys_invalid', default: 0 })
  keysInvalid!: number;

  /** Valid but not for us (visited countries), or already in our store. */
  @Column({ type: 'integer', name: 'keys_skipped', default: 0 })
  keysSkipped!: number;

  @Column({ type: 'varchar', length: 200, name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'processed_at' })
  processedAt!: Date;
}
