import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * One accepted upload at the gateway (docs/protocols/efgs.md §A5): who sent it, with which certificates and
 * signature, and its keys. The keys are kept as our protobuf encoding of the upload (one row per upload
 * instead of one per key), since the gateway only ever serves whole uploads; per-key uniqueness lives in
 * `efgs_key_hash`. `batchId` is set once, by the batching job.
 */
@Entity('efgs_upload')
export class GatewayUpload {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_efgs_upload_batch_tag', { unique: true })
  @Column({ type: 'varchar', length: 100, name: 'batch_tag' })
  batchTag!: string;

  /** Country of the uploader's AUTHENTICATION certificate. */
  @Column({ type: 'varchar', length: 2 })
  country!: string;

  /** Declared body format and version, e.g. `protobuf-1.0`; a download batch never mixes them. */
  @Column({ type: 'varchar', length: 32 })
  format!: string;

  @Column({ type: 'varchar', length: 64, name: 'client_thumbprint' })
  clientThumbprint!: string;

  @Column({ type: 'varchar', length: 64, name: 'signing_thumbprint' })
  signingThumbprint!: string;

  /** The original base64 CMS, for the audit endpoint. */
  @Column({ type: 'text', name: 'batch_signature' })
  batchSignature!: string;

  @Column({ type: 'integer', name: 'key_count' })
  keyCount!: number;

  /** `DiagnosisKeyBatch` protobuf of the uploaded keys, in upload order. */
  @Column({ type: dbTypes.binary })
  keys!: Buffer;

  @Index('idx_efgs_upload_created')
  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Index('idx_efgs_upload_batch')
  @Column({ type: 'integer', name: 'batch_id', nullable: true })
  batchId!: number | null;
}
