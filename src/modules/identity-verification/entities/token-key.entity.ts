import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * An RSA key that blind-signs upload tokens: one per issuing day and sample date, so a token carries
 * exactly those facts and nothing per person. The private key is envelope-encrypted.
 */
@Entity('identity_token_key')
@Index('uq_identity_token_key_day_sample', ['issuedOn', 'sampleDate'], { unique: true })
export class TokenKey {
  /** base64url SHA-256 of the SPKI DER. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 10, name: 'issued_on' })
  issuedOn!: string;

  @Column({ type: 'varchar', length: 10, name: 'sample_date' })
  sampleDate!: string;

  @Column({ type: 'integer', name: 'max_keys' })
  maxKeys!: number;

  /** SPKI DER, base64. */
  @Column({ type: 'text', name: 'public_key' })
  publicKey!: string;

  /** PKCS#8 DER, envelope-encrypted. */
  @Column({ type: dbTypes.binary, name: 'private_key' })
  privateKey!: Buffer;

  @Index('idx_identity_token_key_not_after')
  @Column({ type: dbTypes.timestamp, name: 'not_after' })
  notAfter!: Date;
}
