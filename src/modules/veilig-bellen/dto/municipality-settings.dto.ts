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
