import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Which upload batch carries one of our keys, and at which position. The primary key on the key id is
 * what makes "claimed for federation" happen once; a key is released (row deleted) only when the gateway
 * said it kept nothing of it, so it goes out again in a later batch.
 */
@Entity('federation_outbound_key')
export class OutboundKey {
  @PrimaryColumn({ type: 'integer', name: 'diagnosis_key_id' })
  diagnosisKeyId!: number;

  @Index('idx_federation_outbound_key_batch')
  @Column({ type: 'varchar', length: 36, name: 'batch_id' })
  batchId!: string;

  /** Index of the key in the batch body: how the gateway's 207 answer names it. */
  @Column({ type: 'integer' })
  position!: number;
}
