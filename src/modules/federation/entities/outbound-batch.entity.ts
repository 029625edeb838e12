import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * Where an upload batch of ours stands (see `MemberUploadService`): `pending` (to send or retry), `sent`
 * (201, or 409 for our content-derived tag), `partial` (207: the gateway had some keys; the others were
 * released for a later batch), `rejected` (a 4xx that resending cannot fix), `failed` (retries used up).
 */
export type OutboundStatus = 'pending' | 'sent' | 'partial' | 'rejected' | 'failed';

/**
 * An upload batch of our keys to the gateway, stored with its exact body and signature before the first try,
 * so every retry sends the same bytes under the same content-derived tag (docs/protocols/efgs.md §A10): a
 * lost answer followed by a retry is caught by the gateway's 409, never stored twice.
 */
@Entity('federation_outbound_batch')
@Index('idx_federation_outbound_due', ['status', 'nextAttemptAt'])
export class OutboundBatch {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  /** Lower-case hex SHA-256 of `body`. */
  @Index('uq_federation_outbound_tag', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'batch_tag' })
  batchTag!: string;

  /** The request body as sent (protobuf or JSON, see `format`). */
  @Column({ type: dbTypes.binary })
  body!: Buffer;

  @Column({ type: 'varchar', length: 16 })
  format!: 'protobuf' | 'json';

  /** Base64 detached CMS over the batch signing bytes. */
  @Column({ type: 'text' })
  signature!: string;

  @Column({ type: 'integer', name: 'key_count' })
  keyCount!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: OutboundStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ type: 'integer', name: 'last_status', nullable: true })
  lastStatus!: number | null;

  @Column({ type: 'varchar', length: 200, name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}
