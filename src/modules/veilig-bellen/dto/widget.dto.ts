import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export class MunicipalityParamDto {
  @Matches(/^[0-9a-f-]{36}$/, { message: 'municipalityId: a UUID' })
  municipalityId!: string;
}

/** POST /api/veilig-bellen/widget/:municipalityId/sessions */
export class StartSessionDto {
  @ApiProperty({ example: 'afval', description: 'The button’s purpose (data-purpose).' })
  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'purpose: lower-case letters, digits and dashes' })
  purpose!: string;
}

/**
 * The lookup's fields and their rules, shared by the DTO (public route, OpenAPI) and the internal
 * port's listener, which checks them directly: a caller waits on the line for every lookup.
 */
export const DTMF_LOOKUP_RULES = {
  dtmf: { pattern: /^[0-9]{10}$/, message: 'dtmf: exactly 10 digits' },
  callRef: { pattern: /^[A-Za-z0-9_.:-]{1,64}$/, message: 'callRef: 1-64 letters, digits, _.:-' },
  caller: { pattern: /^[A-Za-z0-9+_.:-]{1,64}$/, message: 'caller: 1-64 characters' },
} as const;

/** POST /api/veilig-bellen/exchange/v1/:municipalityId/lookup (generic exchange API) */
export class DtmfLookupDto {
  @ApiProperty({ example: '0123456789' })
  @Matches(DTMF_LOOKUP_RULES.dtmf.pattern, { message: DTMF_LOOKUP_RULES.dtmf.message })
  dtmf!: string;

  @ApiProperty({ description: 'The exchange’s id of the call (used in later call events).' })
  @Matches(DTMF_LOOKUP_RULES.callRef.pattern, { message: DTMF_LOOKUP_RULES.callRef.message })
  callRef!: string;

  @ApiProperty({
    description: 'The calling number or another stable caller id, for rate limiting (not stored).',
  })
  @Matches(DTMF_LOOKUP_RULES.caller.pattern, { message: DTMF_LOOKUP_RULES.caller.message })
  caller!: string;
}

export const CALL_EVENTS = ['queued', 'ringing', 'connected', 'missed', 'ended'] as const;

/**
 * POST /api/veilig-bellen/exchange/v1/:municipalityId/events: the call's progress at the exchange,
 * provider-neutral (`missed`: the assigned agent did not answer, the caller waits in the queue again).
 */
export class CallEventDto {
  @ApiProperty({ enum: CALL_EVENTS })
  @IsIn(CALL_EVENTS, { message: `event: one of ${CALL_EVENTS.join(', ')}` })
  event!: (typeof CALL_EVENTS)[number];

  @ApiProperty()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'callRef: 1-64 letters, digits, _.:-' })
  callRef!: string;

  @ApiProperty({ required: false, description: 'For `queued`: the exchange’s queue reference.' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'queueRef: 1-64 letters, digits, _.:-' })
  queueRef?: string;
}

export class SessionIdParamDto {
  @Matches(/^[0-9a-f-]{36}$/, { message: 'id: a UUID' })
  id!: string;
}
