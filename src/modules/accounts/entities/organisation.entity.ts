import { randomUUID } from 'node:crypto';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';
import type { OrganisationKind } from '../../../shared/api-contract';

/** A tenant: the platform operator, a health authority, a GP practice or a municipality. */
@Entity('organisation')
export class Organisation {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: OrganisationKind;

  @CreateDateColumn({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
