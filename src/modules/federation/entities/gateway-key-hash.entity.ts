import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * `payloadHash` of every key the gateway holds (docs/protocols/efgs.md §A3): its primary key makes duplicates
 * fail.
 */
@Entity('efgs_key_hash')
export class GatewayKeyHash {
  /** SHA-256 of the key's signing record, 32 raw bytes (half the index pages of hex). */
  @PrimaryColumn({ type: dbTypes.binary, name: 'payload_hash' })
  payloadHash!: Buffer;

  @Column({ type: 'integer', name: 'upload_id' })
  uploadId!: number;

  @Index('idx_efgs_key_hash_created')
  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
