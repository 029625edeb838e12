import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** Single use of upload tokens: a `jti` is kept until the token would have expired anyway. */
@Entity('used_upload_token')
export class UsedUploadToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  jti!: string;

  @Index('idx_used_upload_token_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'used_at' })
  usedAt!: Date;
}
