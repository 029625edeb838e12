import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { clientIp } from '../../common/http/client-ip';
import { Roles, type AuthenticatedRequest } from '../accounts/auth/auth.decorators';
import { MunicipalitySettingsDto, OrganisationParamDto } from './dto/municipality-settings.dto';
import { MunicipalitySettingsService, type MunicipalitySettingsView } from './municipality-settings.service';

/** Veilig bellen settings of a municipality: its own admins, or a platform admin. */
@ApiTags('veilig-bellen admin')
@Roles('admin', 'platform-admin')
@Controller('api/veilig-bellen/municipalities/:organisationId')
export class SettingsController {
  constructor(private readonly settings: MunicipalitySettingsService) {}

  @Get('settings')
  get(@Req() req: AuthenticatedRequest, @Param() p: OrganisationParamDto): Promise<MunicipalitySettingsView> {
    return this.settings.view(req.auth!.user, p.organisationId);
  }

  @Put('settings')
  @ApiOperation({
    summary: 'Create or replace the line settings (number, purposes, link, hours, widget origins, exchange)',
  })
  put(
    @Req() req: AuthenticatedRequest,
    @Param() p: OrganisationParamDto,
    @Body() body: MunicipalitySettingsDto,
  ): Promise<MunicipalitySettingsView> {
    return this.settings.save(req.auth!.user, p.organisationId, body, clientIp(req));
  }

  @Post('exchange-key')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Issue a new key for the generic exchange API (shown once); the previous key keeps working for the grace period',
  })
  exchangeKey(
    @Req() req: AuthenticatedRequest,
    @Param() p: OrganisationParamDto,
  ): Promise<{ exchangeKey: string; previousKeyValidUntil: string | null }> {
    return this.settings.rotateExchangeKey(req.auth!.user, p.organisationId, clientIp(req));
  }

  @Delete('exchange-key/previous')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop accepting the previous exchange key now (before its grace period ends)' })
  revokePreviousKey(@Req() req: AuthenticatedRequest, @Param() p: OrganisationParamDto): Promise<void> {
    return this.settings.revokePreviousExchangeKey(req.auth!.user, p.organisationId, clientIp(req));
  }
}
