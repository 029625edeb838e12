import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * One login from start to result: the OIDC round-trip secrets (state as a hash, nonce, PKCE verifier),
 * the app's redirect URI and PKCE challenge, then the outcome the app fetches with its result code.
 * Holds nothing that identifies the person; deleted once the app got its token signed, or on expiry.
 */
@Entity('identity_login')
export class IdentityLogin {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** SHA-256 hex of the OIDC `state`. */
  @Index('uq_identity_login_state', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'state_hash' })
  stateHash!: string;

  /** OIDC nonce and PKCE verifier; emptied once the identity provider answered. */
  @Column({ type: 'varchar', length: 64 })
  nonce!: string;

  @Column({ type: 'varchar', length: 128, name: 'code_verifier' })
  codeVerifier!: string;

  @Column({ type: 'varchar', length: 512, name: 'app_redirect_uri' })
  appRedirectUri!: string;

  @Column({ type: 'varchar', length: 256, name: 'app_state', nullable: true })
  appState!: string | null;

  /** S256 challenge of the app's own PKCE verifier. */
  @Column({ type: 'varchar', length: 64, name: 'app_code_challenge' })
  appCodeChallenge!: string;

  /** SHA-256 hex of the result code handed to the app. */
  @Index('uq_identity_login_result', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'result_code_hash', nullable: true })
  resultCodeHash!: string | null;

  /** `verified` or a refusal slug (see protocol/identity/refusals.ts). */
  @Column({ type: 'varchar', length: 40, nullable: true })
  outcome!: string | null;

  /** Machine-readable detail of a refusal (e.g. `login-cancelled`). */
  @Column({ type: 'varchar', length: 40, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 10, name: 'sample_date', nullable: true })
  sampleDate!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'token_key_id', nullable: true })
  tokenKeyId!: string | null;

  @Column({ type: 'integer', name: 'retry_after_seconds', nullable: true })
  retryAfterSeconds!: number | null;

  @Index('idx_identity_login_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;
}
