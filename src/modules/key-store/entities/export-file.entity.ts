import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** A signed export.zip as listed in the region's index. The bytes live in the file store. */
@Entity('export_file')
@Index('idx_export_file_region_created', ['region', 'createdAt'])
export class ExportFile {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Index('idx_export_file_batch')
  @Column({ type: 'varchar', length: 36, name: 'batch_id' })
  batchId!: string;

  @Column({ type: 'varchar', length: 2 })
  region!: string;

  /** `<region>-<start>-<end>-<n>.zip`; unique, immutable, cacheable forever. */
  @Column({ type: 'varchar', length: 100, unique: true })
  name!: string;

  @Column({ type: 'integer', name: 'batch_num' })
  batchNum!: number;

  @Column({ type: 'integer', name: 'real_keys' })
  realKeys!: number;

  @Column({ type: 'integer', name: 'total_keys' })
  totalKeys!: number;

  @Column({ type: 'integer' })
  bytes!: number;

  /** Hex SHA-256 of the zip; the HTTP ETag. */
  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'bigint', name: 'start_timestamp' })
  startTimestamp!: string;

  @Column({ type: 'bigint', name: 'end_timestamp' })
  endTimestamp!: string;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
