import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * One successful verification, for the "at most N per window" rule: only an HMAC of the identity
 * provider's pseudonym and the time. Rows older than the window are deleted.
 */
@Entity('identity_verification')
@Index('idx_identity_verification_subject', ['subjectHash', 'verifiedAt'])
export class VerificationRecord {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  /** HMAC-SHA256 hex of the pseudonym (`sub`) under IDENTITY_SUBJECT_HMAC_KEY. */
  @Column({ type: 'varchar', length: 64, name: 'subject_hash' })
  subjectHash!: string;

  @Index('idx_identity_verification_at')
  @Column({ type: dbTypes.timestamp, name: 'verified_at' })
  verifiedAt!: Date;
}
