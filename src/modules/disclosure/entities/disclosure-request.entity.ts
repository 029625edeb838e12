import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** `open`: waiting for a GP; `signed`: approval waiting for the phone; `used`: keys uploaded; `expired`/`cancelled`: closed. */
export const DISCLOSURE_STATUSES = ['open', 'signed', 'used', 'expired', 'cancelled'] as const;
export type DisclosureStatus = (typeof DISCLOSURE_STATUSES)[number];

/**
 * One disclosure request: a phone's upload hash under a 6-digit reference, then the GP's approval.
 * Never holds the 4 secret digits as such (only inside the signed approval, which is dropped once the
 * request is closed), nor anything about the patient. The poll secret is stored as a SHA-256 hash.
 */
@Entity('disclosure_request')
export class DisclosureRequest {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /**
   * The 6-digit reference while the request is open or signed; NULL once closed. The unique index makes
   * a reference unique among open requests (NULLs never collide) and frees it for reuse afterwards.
   */
  @Index('uq_disclosure_request_reference', { unique: true })
  @Column({ type: 'varchar', length: 6, nullable: true })
  reference!: string | null;

  /** SHA-256 of the canonical upload (`veilig.upload.v1`), lower-case hex. */
  @Column({ type: 'varchar', length: 64, name: 'upload_hash' })
  uploadHash!: string;

  @Column({ type: 'varchar', length: 64, name: 'poll_secret_hash' })
  pollSecretHash!: string;

  @Column({ type: 'varchar', length: 12 })
  status!: DisclosureStatus;

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  /** Open: by when a GP must sign. Signed: by when the phone must upload. Closed: when it was closed. */
  @Index('idx_disclosure_request_expires')
  @Column({ type: dbTypes.timestamp, name: 'expires_at' })
  expiresAt!: Date;

  @Column({ type: dbTypes.timestamp, name: 'signed_at', nullable: true })
  signedAt!: Date | null;

  /** DER CMS SignedData of the latest accepted approval; dropped when the request closes. */
  @Column({ type: dbTypes.binary, nullable: true })
  approval!: Buffer | null;

  /** Accepted signatures so far (a GP may correct a mistyped code, up to the configured maximum). */
  @Column({ type: 'integer', name: 'signature_count', default: 0 })
  signatureCount!: number;

  /** The portal account that submitted the latest approval, and its organisation (the practice). */
  @Column({ type: 'varchar', length: 36, name: 'signed_by_user_id', nullable: true })
  signedByUserId!: string | null;

  @Column({ type: 'varchar', length: 36, name: 'organisation_id', nullable: true })
  organisationId!: string | null;

  /** UZI role (`NN.NNN`) of the signer: a fact about the professional, for statistics and audits. */
  @Column({ type: 'varchar', length: 6, name: 'signer_role', nullable: true })
  signerRole!: string | null;
}
