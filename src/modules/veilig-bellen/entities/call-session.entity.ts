import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { encryptedJson } from '../../../common/crypto/envelope';
import { dbTypes } from '../../../database/column-types';
import type { CallPhase } from '../../../protocol/telephony/exchange-port';
import { Organisation } from '../../accounts/entities/organisation.entity';

/**
 * `pending` (waiting for the Yivi app) → `disclosed` (may call) → then the call's phase: `waiting` in
 * the queue → `assigned` (one agent took it) → `ringing` (the agent's phone) → `connected`, or back
 * to `waiting` when the agent does not answer; or `failed` (no valid disclosure). A row is deleted
 * when the call ends, and by the purge job at the latest after the configured maximum age.
 */
export type CallState = 'pending' | 'disclosed' | CallPhase | 'failed';

/**
 * One citizen's call, from the button to the end of the call. Three credentials are kept apart: the
 * DTMF code (phone exchange only, stored as a keyed hash), the status token (the citizen's browser,
 * stored as SHA-256) and the agent's session (console). Caller data is encrypted at rest.
 */
@Entity('vb_call_session')
@Index('idx_vb_call_session_org_state', ['organisationId', 'state'])
export class CallSession {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Column({ type: 'varchar', length: 36, name: 'organisation_id' })
  organisationId!: string;

  @ManyToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  @Column({ type: 'varchar', length: 64 })
  purpose!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: CallState;

  /** Why a session failed (`proof-not-valid`, `cancelled`, `timeout`, `irma-unreachable`, …); no personal data. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  failure!: string | null;

  @Index('uq_vb_call_session_status_token', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'status_token_hash' })
  statusTokenHash!: string;

  /** HMAC of the DTMF code; once redeemed it belongs to that call only (`callRef`), so a code works once. */
  @Index('uq_vb_call_session_dtmf', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'dtmf_hmac', nullable: true })
  dtmfHmac!: string | null;

  /** The IRMA server's requestor session token (never sent to the browser). */
  @Column({
    type: dbTypes.binary,
    name: 'irma_session',
    nullable: true,
    transformer: encryptedJson('vb_call_session.irma_session'),
  })
  irmaSession!: string | null;

  /** Disclosed attribute id → value; only after DONE + VALID. */
  @Column({ type: dbTypes.binary, nullable: true, transformer: encryptedJson('vb_call_session.attributes') })
  attributes!: Record<string, string> | null;

  /** The exchange's id of the call (Twilio CallSid). */
  @Index('idx_vb_call_session_call_ref')
  @Column({ type: 'varchar', length: 64, name: 'call_ref', nullable: true })
  callRef!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'queue_ref', nullable: true })
  queueRef!: string | null;

  @Column({ type: 'varchar', length: 36, name: 'agent_user_id', nullable: true })
  agentUserId!: string | null;

  /** When the caller first entered the queue: the console's order, kept when a call comes back to it. */
  @Column({ type: dbTypes.timestamp, name: 'queued_at', nullable: true })
  queuedAt!: Date | null;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'updated_at' })
  updatedAt!: Date;

  /** When this row goes, whatever its state (the purge job's index). */
  @Index('idx_vb_call_session_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;
}
