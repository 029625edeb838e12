import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** `payloadHash` of every key the gateway holds (efgs.md §A3): its primary key makes duplicates fail. */
@Entity('efgs_key_hash')
export class GatewayKeyHash {
  /** SHA-256 hex of the key's signing record. */
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'payload_hash' })
  payloadHash!: string;

  @Column({ type: 'integer', name: 'upload_id' })
  uploadId!: number;

  @Index('idx_efgs_key_hash_created')
  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
