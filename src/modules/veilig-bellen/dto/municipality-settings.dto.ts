import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { ATTRIBUTE_ID } from '../../../protocol/irma/disclosure';
import { CONNECT_INSTANCE_ARN } from '../../../protocol/telephony/amazon-connect';
import type { OpeningHours } from '../../../protocol/telephony/opening-hours';

export class PurposeDto {
  @ApiProperty({ example: 'afval', description: 'What the widget names in `data-purpose`.' })
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'key: lower-case letters, digits and dashes' })
  key!: string;

  @ApiProperty({ example: 'Afval en grofvuil' })
  @IsString()
  @Length(1, 100)
  label!: string;

  @ApiProperty({
    example: [
      'pbdf.gemeente.personalData.bsn',
      'pbdf.gemeente.personalData.firstnames',
      'pbdf.gemeente.personalData.surname',
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Matches(ATTRIBUTE_ID, {
    each: true,
    message: 'attributes: IRMA attribute ids like pbdf.gemeente.personalData.bsn',
  })
  attributes!: string[];
}

export class SpeechDto {
  @ApiProperty({ example: 'nl-NL', description: 'Language of `<Say>`.' })
  @IsString()
  language!: string;

  @ApiProperty({
    example: 'Polly.Lotte',
    description: 'A voice Twilio lists for the language (e.g. Polly.Lotte, Google.nl-NL-Wavenet-B).',
  })
  @IsString()
  voice!: string;

  @ApiPropertyOptional({
    example: { welcome: 'Welkom bij de gemeente. Een ogenblik, uw code wordt gecontroleerd.' },
    description: 'Replacement texts by prompt key; the rest keep their Dutch defaults.',
  })
  @IsOptional()
  @IsObject()
  texts?: Record<string, string>;

  @ApiPropertyOptional({
    example: { hold: 'https://www.gemeente.nl/audio/wachtmuziek.mp3' },
    description: 'https URLs of recordings (MP3/WAV) played instead of speaking a prompt.',
  })
  @IsOptional()
  @IsObject()
  recordings?: Record<string, string>;
}

export class AgentDialDto {
  @ApiProperty({
    enum: ['client', 'sip'],
    description:
      '`client`: Twilio Client identity `agent_<user id without dashes>`; `sip`: the template with {agent} (the same identity).',
  })
  @IsIn(['client', 'sip'])
  kind!: 'client' | 'sip';

  @ApiPropertyOptional({ example: 'sip:{agent}@pbx.gemeente.nl' })
  @IsOptional()
  @Matches(/^sips?:[^\s]*\{agent\}[^\s]*$/, { message: 'uriTemplate: a sip: URI containing {agent}' })
  uriTemplate?: string;
}

export const EXCHANGE_PROVIDERS = ['twilio', 'amazon-connect'] as const;

export class AmazonConnectDto {
  @ApiProperty({
    example: 'arn:aws:connect:eu-central-1:123456789012:instance/0b4a5a5e-3c6d-4c8e-9a43-1f0d2c3b4a59',
    description: 'The instance ARN (Amazon Connect console, instance overview); its region is used.',
  })
  @Matches(CONNECT_INSTANCE_ARN, {
    message: 'instanceArn: arn:aws:connect:<region>:<account>:instance/<instance id>',
  })
  instanceArn!: string;

  @ApiPropertyOptional({
    example: 'gemeente-nijmegen',
    description:
      "A profile in the server's AWS config file (e.g. one assuming a role in the municipality's account); omit for the default credentials of the environment or IAM role.",
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'awsProfile: 1-64 letters, digits, _.-' })
  awsProfile?: string | null;
}

/** PUT /api/veilig-bellen/municipalities/:organisationId/settings */
export class MunicipalitySettingsDto {
  @ApiProperty({ example: '+31243299999', description: 'E.164 service number.' })
  @Matches(/^\+[1-9][0-9]{6,14}$/, { message: 'phoneNumber: E.164, e.g. +31243299999' })
  phoneNumber!: string;

  @ApiProperty({ type: [PurposeDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PurposeDto)
  purposes!: PurposeDto[];

  @ApiPropertyOptional({
    example: 'https://zaak.example.nl/persoon?bsn={bsn}',
    description: 'Agent link; {name} = the attribute id’s last part.',
  })
  @IsOptional()
  @Matches(/^https:\/\/[^\s]+$/, { message: 'linkTemplate: an https:// URL' })
  @Length(1, 1000)
  linkTemplate?: string | null;

  @ApiProperty({ example: { timeZone: 'Europe/Amsterdam', days: { mon: ['08:30-17:00'] } } })
  @IsObject()
  openingHours!: OpeningHours;

  @ApiProperty({ example: ['https://www.nijmegen.nl'] })
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, {
    each: true,
    message: 'allowedOrigins: scheme://host[:port], no path',
  })
  allowedOrigins!: string[];

  @ApiProperty({ type: AgentDialDto })
  @ValidateNested()
  @Type(() => AgentDialDto)
  agentDial!: AgentDialDto;

  @ApiPropertyOptional({
    type: SpeechDto,
    description: 'Voice, language, prompt texts and recordings; omit for the Dutch defaults.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SpeechDto)
  speech?: SpeechDto | null;

  @ApiPropertyOptional({
    enum: EXCHANGE_PROVIDERS,
    default: 'twilio',
    description:
      'The phone exchange of this line: Twilio, or Amazon Connect (then `amazonConnect` is required).',
  })
  @IsOptional()
  @IsIn(EXCHANGE_PROVIDERS, { message: `exchangeProvider: one of ${EXCHANGE_PROVIDERS.join(', ')}` })
  exchangeProvider?: (typeof EXCHANGE_PROVIDERS)[number];

  @ApiPropertyOptional({ type: AmazonConnectDto, description: 'With `exchangeProvider` amazon-connect.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => AmazonConnectDto)
  amazonConnect?: AmazonConnectDto | null;

  @ApiPropertyOptional({
    description: "The municipality's own Twilio account; omit for the platform default.",
  })
  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/, { message: 'twilioAccountSid: AC followed by 32 hex digits' })
  twilioAccountSid?: string | null;

  @ApiPropertyOptional({ description: 'Auth token of that account (write-only; stored encrypted).' })
  @IsOptional()
  @IsString()
  @Length(16, 128)
  twilioAuthToken?: string;
}

export class OrganisationParamDto {
  @Matches(/^[0-9a-f-]{36}$/, { message: 'organisationId: a UUID' })
  organisationId!: string;
}
