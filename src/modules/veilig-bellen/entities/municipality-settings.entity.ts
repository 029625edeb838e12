import {
  Column,
  Entity,
  JoinColumn,
  OneToOne,
  PrimaryColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { encryptedJson } from '../../../common/crypto/envelope';
import { dbTypes } from '../../../database/column-types';
import type { OpeningHours } from '../../../protocol/telephony/opening-hours';
import type { TwilioSpeech } from '../../../protocol/telephony/twilio-voice';
import { Organisation } from '../../accounts/entities/organisation.entity';

export interface Purpose {
  /** What the widget's `data-purpose` names, e.g. `afval`. */
  key: string;
  label: string;
  /** IRMA attribute ids disclosed for this purpose. */
  attributes: string[];
}

export type AgentDial = { kind: 'client' } | { kind: 'sip'; uriTemplate: string };

/** The phone exchange a municipality's line runs on. */
export type ExchangeProvider = 'twilio' | 'amazon-connect';

/**
 * Where the municipality's Amazon Connect instance is. No credentials: those come from the
 * environment or an IAM role (the AWS SDK's default chain), optionally as a named profile of the
 * operator's AWS config file (e.g. one that assumes a role in the municipality's account).
 */
export interface AmazonConnectSettings {
  /** `arn:aws:connect:<region>:<account>:instance/<instance id>`; the region is taken from it. */
  instanceArn: string;
  awsProfile: string | null;
}

/** One municipality's Veilig bellen line: number, purposes, agent link, hours, widget origins, exchange. */
@Entity('vb_municipality')
export class MunicipalitySettings {
  @PrimaryColumn({ type: 'varchar', length: 36, name: 'organisation_id' })
  organisationId!: string;

  @OneToOne(() => Organisation, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organisation_id' })
  organisation?: Relation<Organisation>;

  /** The service number callers dial (E.164), also the `tel:` return URL. */
  @Column({ type: 'varchar', length: 32, name: 'phone_number' })
  phoneNumber!: string;

  @Column({ type: 'simple-json' })
  purposes!: Purpose[];

  /** e.g. `https://zaak.example.nl/persoon?bsn={bsn}`: placeholders are attribute names (last id part). */
  @Column({ type: 'varchar', length: 1000, name: 'link_template', nullable: true })
  linkTemplate!: string | null;

  @Column({ type: 'simple-json', name: 'opening_hours' })
  openingHours!: OpeningHours;

  /** Origins (scheme://host[:port]) whose pages may embed the widget. */
  @Column({ type: 'simple-json', name: 'allowed_origins' })
  allowedOrigins!: string[];

  @Column({ type: 'varchar', length: 16, name: 'exchange_provider', default: 'twilio' })
  exchangeProvider!: ExchangeProvider;

  /** With `exchangeProvider` `amazon-connect`: the instance; null otherwise. */
  @Column({ type: 'simple-json', name: 'amazon_connect', nullable: true })
  amazonConnect!: AmazonConnectSettings | null;

  /** The municipality's own Twilio account; null: the platform's default account. */
  @Column({ type: 'varchar', length: 64, name: 'twilio_account_sid', nullable: true })
  twilioAccountSid!: string | null;

  @Column({
    type: dbTypes.binary,
    name: 'twilio_auth_token',
    nullable: true,
    transformer: encryptedJson('vb_municipality.twilio_auth_token'),
  })
  twilioAuthToken!: string | null;

  @Column({ type: 'simple-json', name: 'agent_dial' })
  agentDial!: AgentDial;

  /** Voice, language, prompt texts and recordings callers hear; null: Dutch defaults. */
  @Column({ type: 'simple-json', nullable: true })
  speech!: TwilioSpeech | null;

  /** SHA-256 of the key a phone exchange presents on the generic exchange API. */
  @Column({ type: 'varchar', length: 64, name: 'exchange_key_hash', nullable: true })
  exchangeKeyHash!: string | null;

  /** The key before the last rotation: still accepted for a grace period after `exchangeKeyRotatedAt`. */
  @Column({ type: 'varchar', length: 64, name: 'exchange_key_previous_hash', nullable: true })
  exchangeKeyPreviousHash!: string | null;

  @Column({ type: dbTypes.timestamp, name: 'exchange_key_rotated_at', nullable: true })
  exchangeKeyRotatedAt!: Date | null;

  @UpdateDateColumn({ type: dbTypes.timestamp, name: 'updated_at' })
  updatedAt!: Date;
}
