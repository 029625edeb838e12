import { randomUUID } from 'node:crypto';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { dbTypes } from '../../../database/column-types';
import type { Role } from '../../../shared/api-contract';
import { Organisation } from './organisation.entity';

@Entity('user_account')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Index('idx_user_account_organisation')
  @Column({ type: 'varchar', length: 36, name: 'organisation_id' })
  organisationId!: string;

  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  /** Lower-cased; unique across the platform. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 200, name: 'display_name' })
  displayName!: string;

  /** argon2id PHC string. */
  @Column({ type: 'varchar', length: 255, name: 'password_hash' })
  passwordHash!: string;

  @Column({ type: 'simple-json' })
  roles!: Role[];

  @Column({ type: 'boolean', name: 'must_change_password', default: true })
  mustChangePassword!: boolean;

  @Column({ type: 'integer', name: 'failed_logins', default: 0 })
  failedLogins!: number;

  @Column({ type: dbTypes.timestamp, name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;

  @Column({ type: dbTypes.timestamp, name: 'last_login_at', nullable: true })
  lastLoginAt!: Date | null;

  @CreateDateColumn({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;
}
