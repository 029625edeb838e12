import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { clientIp } from '../../common/http/client-ip';
import { unauthorized } from '../../common/http/problem';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { DisclosureService } from './disclosure.service';
import {
  DisclosurePollResultDto,
  RegisterDisclosureDto,
  RegisteredDisclosureDto,
  RequestIdParamDto,
} from './dto/disclosure.dto';

/** `randomToken()` output: 32 bytes as base64url. */
const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;

function pollSecret(authorization: string | undefined): string {
  const match = BEARER.exec(authorization ?? '');
  if (!match)
    throw unauthorized(
      'Send the poll secret from the registration as `Authorization: Bearer <secret>`.',
      'poll-secret-required',
    );
  return match[1];
}

/**
 * The phone's side of the professional-signed disclosure: register an upload hash under a 6-digit
 * reference, poll for the GP's approval with the secret from the registration, or withdraw.
 */
@ApiTags('disclosure (phone)')
@Public()
@SkipCsrf()
@Controller('api/v1/disclosure')
export class DisclosureController {
  constructor(private readonly service: DisclosureService) {}

  @Post('requests')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Register the upload hash under the first 6 digits of the code',
    description: 'Refusals: 409 reference-taken (draw a new code), 429 rate-limited, 400 validation.',
  })
  @ApiCreatedResponse({ type: RegisteredDisclosureDto })
  register(@Body() body: RegisterDisclosureDto, @Req() req: Request): Promise<RegisteredDisclosureDto> {
    return this.service.register(body, clientIp(req));
  }

  @Get('requests/:id')
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Status of the request, with the signed approval (base64 CMS) once a GP signed',
    description: '404 for an unknown id or a wrong secret alike.',
  })
  @ApiOkResponse({ type: DisclosurePollResultDto })
  poll(
    @Param() params: RequestIdParamDto,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<DisclosurePollResultDto> {
    return this.service.poll(params.id, pollSecret(authorization));
  }

  @Delete('requests/:id')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Withdraw the request (frees its reference)' })
  @ApiNoContentResponse()
  cancel(
    @Param() params: RequestIdParamDto,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<void> {
    return this.service.cancel(params.id, pollSecret(authorization));
  }
}
