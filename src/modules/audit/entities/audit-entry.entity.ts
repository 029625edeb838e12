import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * Who did what to which object, when and from where. Never holds personal data of patients or callers:
 * objects are referred to by id, details are limited to non-personal facts.
 */
@Entity('audit_entry')
@Index('idx_audit_entry_org_at', ['organisationId', 'at'])
export class AuditEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Index('idx_audit_entry_at')
  @Column({ type: dbTypes.timestamp })
  at!: Date;

  /** Null for system jobs, phones and external systems. */
  @Column({ type: 'varchar', length: 36, name: 'actor_user_id', nullable: true })
  actorUserId!: string | null;

  /** `user`, `system`, `app`, `exchange`, `gateway`, … */
  @Column({ type: 'varchar', length: 32, name: 'actor_kind' })
  actorKind!: string;

  @Column({ type: 'varchar', length: 36, name: 'organisation_id', nullable: true })
  organisationId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ type: 'varchar', length: 64, name: 'object_type', nullable: true })
  objectType!: string | null;

  @Column({ type: 'varchar', length: 128, name: 'object_id', nullable: true })
  objectId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: 'success' | 'failure' | 'denied';

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  details!: Record<string, string | number | boolean | null> | null;
}
