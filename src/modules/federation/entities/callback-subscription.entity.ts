import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * A member's callback registration at the gateway (docs/protocols/efgs.md §A8): `callbackId` is the member's
 * own name for it.
 */
@Entity('efgs_callback_subscription')
@Index('uq_efgs_callback_country_id', ['country', 'callbackId'], { unique: true })
export class CallbackSubscription {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Column({ type: 'varchar', length: 2 })
  country!: string;

  @Column({ type: 'varchar', length: 64, name: 'callback_id' })
  callbackId!: string;

  @Column({ type: 'varchar', length: 1000 })
  url!: string;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
