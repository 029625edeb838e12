import { Column, Entity, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** Rows that `/health/ready` writes and deletes in one transaction, to learn whether the database takes writes. */
@Entity('write_probe')
export class WriteProbe {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: dbTypes.binary })
  payload!: Buffer;
}
