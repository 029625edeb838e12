import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { dbTypes } from '../../../database/column-types';
import { User } from './user.entity';

/** A portal session. Only the SHA-256 of the cookie token is stored, so a database leak grants nothing. */
@Entity('user_session')
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 64, name: 'token_hash' })
  tokenHash!: string;

  @Index('idx_user_session_user')
  @Column({ type: 'varchar', length: 36, name: 'user_id' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'last_seen_at' })
  lastSeenAt!: Date;

  @Index('idx_user_session_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;
}
