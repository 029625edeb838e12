import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { notFound } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { CallEventDto, DtmfLookupDto, MunicipalityParamDto } from './dto/widget.dto';
import { ExchangeApi } from './exchange-api';

/**
 * The generic exchange API on the public listener, for exchanges that call us from a contact flow
 * (e.g. an Amazon Connect Lambda). With VEILIG_BELLEN_EXCHANGE_PORT set it is served only by the lean
 * internal listener (`ExchangeApi.listener`) and this route answers 404.
 */
@ApiTags('veilig-bellen exchange')
@ApiBearerAuth()
@Public()
@SkipCsrf()
@Controller('api/veilig-bellen/exchange/v1/:municipalityId')
export class ExchangeApiController {
  constructor(
    private readonly api: ExchangeApi,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('lookup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a DTMF code: the session id, once; wrong codes count against the caller' })
  async lookup(
    @Param() p: MunicipalityParamDto,
    @Body() body: DtmfLookupDto,
    @Req() req: Request,
  ): Promise<{ sessionId: string }> {
    await this.authenticate(p.municipalityId, req);
    return this.api.lookup(p.municipalityId, body);
  }

  @Post('events')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Call events: queued (with queueRef), connected, ended (deletes the caller data)',
  })
  async event(
    @Param() p: MunicipalityParamDto,
    @Body() body: CallEventDto,
    @Req() req: Request,
  ): Promise<void> {
    await this.authenticate(p.municipalityId, req);
    await this.api.event(p.municipalityId, body);
  }

  private async authenticate(municipalityId: string, req: Request): Promise<void> {
    // Not even the existence of the route is revealed on the public listener.
    if (this.config.veiligBellen.exchangePort !== null) throw notFound();
    await this.api.authenticate(municipalityId, req.header('authorization'));
  }
}
