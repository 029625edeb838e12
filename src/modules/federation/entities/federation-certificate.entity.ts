import { randomUUID } from 'node:crypto';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/** Certificate roles of the gateway's registry (docs/protocols/efgs.md §A6). */
export const CERTIFICATE_TYPES = ['AUTHENTICATION', 'SIGNING', 'CALLBACK'] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

/**
 * One row of the gateway's certificate registry (EFGS `certificate` table, docs/protocols/efgs.md §A6). A row
 * counts only while its PEM parses, its thumbprint matches and `signature` (trust anchor over the PEM text)
 * verifies; rows failing that are ignored, so a row written past the onboarding process grants nothing.
 */
@Entity('federation_certificate')
@Index('uq_federation_certificate_thumbprint_type', ['thumbprint', 'type'], { unique: true })
export class FederationCertificate {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string = randomUUID();

  @Column({ type: dbTypes.timestamp, name: 'created_at' })
  createdAt!: Date;

  /** SHA-256 of the certificate DER, 64 lower-case hex. */
  @Column({ type: 'varchar', length: 64 })
  thumbprint!: string;

  @Column({ type: 'varchar', length: 2 })
  country!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: CertificateType;

  @Column({ type: 'boolean', default: false })
  revoked!: boolean;

  /** CALLBACK certificates: the host name callback URLs of this country must use. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  host!: string | null;

  /** Base64 signature of the trust anchor over `rawData` (`openssl dgst -sha256 -sign`). */
  @Column({ type: 'text' })
  signature!: string;

  /** The certificate as PEM text, exactly as signed. */
  @Column({ type: 'text', name: 'raw_data' })
  rawData!: string;
}
