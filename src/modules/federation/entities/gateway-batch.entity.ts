import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * A download batch (docs/protocols/efgs.md §A7): tag `yyyyMMdd-N`, and `link` = the next batch's tag, so all
 * batches form one list across days. Both unique: two batching runs racing cannot fork the list.
 */
@Entity('efgs_batch')
export class GatewayBatch {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_efgs_batch_tag', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  tag!: string;

  @Index('uq_efgs_batch_link', { unique: true })
  @Column({ type: 'varchar', length: 32, nullable: true })
  link!: string | null;

  @Index('idx_efgs_batch_created')
  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'integer', name: 'key_count' })
  keyCount!: number;

  @Column({ type: 'varchar', length: 32 })
  format!: string;
}
