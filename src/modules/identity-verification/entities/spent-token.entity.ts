import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** A redeemed blind-signed token (SHA-256 of it), kept until its key expires so it cannot be used twice. */
@Entity('identity_spent_token')
export class SpentToken {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'token_hash' })
  tokenHash!: string;

  @Index('idx_identity_spent_token_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;
}
