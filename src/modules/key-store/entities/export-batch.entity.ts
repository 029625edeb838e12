import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * One aggregation cycle for one region: the keys whose `available_at` is in (windowStart, windowEnd].
 * A region's batches form a chain (each starts where the previous ended); unique per (region, window
 * start) and per (region, window end), so two instances running a cycle create one batch and windows
 * never overlap. `pending` until its files are stored, so a crashed run is finished later.
 */
@Entity('export_batch')
@Index('uq_export_batch_window', ['region', 'windowEnd'], { unique: true })
@Index('uq_export_batch_chain', ['region', 'windowStart'], { unique: true })
export class ExportBatch {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Column({ type: 'varchar', length: 2 })
  region!: string;

  @Column({ type: dbTypes.timestamp, name: 'window_start' })
  windowStart!: Date;

  @Column({ type: dbTypes.timestamp, name: 'window_end' })
  windowEnd!: Date;

  @Column({ type: 'varchar', length: 16 })
  status!: 'pending' | 'complete';

  @Column({ type: 'integer', name: 'key_count', default: 0 })
  keyCount!: number;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'completed_at', nullable: true })
  completedAt!: Date | null;
}
