import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { dbTypes } from '../../../database/column-types';

/**
 * A diagnosis key waiting for (or included in) an export. It is exported by the one export batch of its
 * region whose window holds its `availableAt`; keys are never updated after the upload.
 */
@Entity('diagnosis_key')
@Index('idx_diagnosis_key_available', ['region', 'availableAt'])
export class DiagnosisKey {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('uq_diagnosis_key_data', { unique: true })
  @Column({ type: dbTypes.binary, name: 'key_data' })
  keyData!: Buffer;

  @Column({ type: 'integer', name: 'rolling_start_interval_number' })
  rollingStartIntervalNumber!: number;

  @Column({ type: 'integer', name: 'rolling_period' })
  rollingPeriod!: number;

  @Column({ type: 'integer', name: 'transmission_risk_level', nullable: true })
  transmissionRiskLevel!: number | null;

  @Column({ type: 'integer', name: 'report_type' })
  reportType!: number;

  @Column({ type: 'integer', name: 'days_since_onset', nullable: true })
  daysSinceOnsetOfSymptoms!: number | null;

  /** ISO alpha-2 of the backend the key was first uploaded to. */
  @Column({ type: 'varchar', length: 2 })
  origin!: string;

  /** Region of the exports this key goes into. */
  @Column({ type: 'varchar', length: 2 })
  region!: string;

  @Column({ type: 'simple-json', name: 'visited_countries' })
  visitedCountries!: string[];

  @Column({ type: 'boolean', name: 'consent_to_federation' })
  consentToFederation!: boolean;

  /** `app` (uploaded here) or `federation` (downloaded from a gateway). */
  @Column({ type: 'varchar', length: 16 })
  source!: string;

  /** Which verification flow authorised the upload (never who). */
  @Column({ type: 'varchar', length: 32 })
  flow!: string;

  @Column({ type: dbTypes.timestamp, name: 'received_at' })
  receivedAt!: Date;

  /** Not exported before this: the upload's time, or the key's validity end plus the embargo if later. */
  @Column({ type: dbTypes.timestamp, name: 'available_at' })
  availableAt!: Date;
}
