import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * One announcement of a batch to one subscription (docs/protocols/efgs.md §A8). Tasks of a subscription are
 * delivered in id order; a failing one holds back the later ones until it succeeds or the subscription is
 * dropped.
 */
@Entity('efgs_callback_task')
@Index('idx_efgs_callback_task_due', ['subscriptionId', 'id'])
export class CallbackTask {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 36, name: 'subscription_id' })
  subscriptionId!: string;

  @Column({ type: 'varchar', length: 32, name: 'batch_tag' })
  batchTag!: string;

  /** UTC creation day of the batch, `yyyy-MM-dd`: the `date` parameter of the call. */
  @Column({ type: 'varchar', length: 10, name: 'batch_day' })
  batchDay!: string;

  @Column({ type: 'integer', default: 0 })
  retries!: number;

  @Column({ type: dbTypes.timestamp, name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column({ type: 'varchar', length: 200, name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
