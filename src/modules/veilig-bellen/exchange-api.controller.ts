import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { createHmac } from 'node:crypto';
import { safeEqual, sha256Hex } from '../../common/crypto/tokens';
import { notFound, ProblemException, unauthorized } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { CallEventDto, DtmfLookupDto, MunicipalityParamDto } from './dto/widget.dto';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { VeiligBellenService } from './veilig-bellen.service';

/**
 * The provider-neutral exchange interface ("DTMF code in, session out") for exchanges that call us
 * from a contact flow (e.g. an Amazon Connect Lambda). Authenticated with the municipality's exchange
 * key; with VEILIG_BELLEN_EXCHANGE_PORT set it answers only on that internal port.
 */
@ApiTags('veilig-bellen exchange')
@ApiBearerAuth()
@Public()
@SkipCsrf()
@Controller('api/veilig-bellen/exchange/v1/:municipalityId')
export class ExchangeApiController {
  constructor(
    private readonly service: VeiligBellenService,
    private readonly settings: MunicipalitySettingsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('lookup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeem a DTMF code: the session id, once; wrong codes count against the caller' })
  async lookup(@Param() p: MunicipalityParamDto, @Body() body: DtmfLookupDto, @Req() req: Request): Promise<{ sessionId: string }> {
    await this.authenticate(p.municipalityId, req);
    const callerKey = createHmac('sha256', this.config.veiligBellen.dtmfPepper).update(`caller:${body.caller}`).digest('hex').slice(0, 32);
    const outcome = await this.service.redeem(p.municipalityId, body.dtmf, { callRef: body.callRef, callerKey });
    if (outcome.ok) return { sessionId: outcome.sessionId };
    if (outcome.reason === 'rate-limited') throw new ProblemException(429, 'rate-limited', 'Too many requests', 'Too many wrong codes from this caller.');
    throw new ProblemException(404, 'unknown-code', 'Not found', 'Unknown, used or expired code.');
  }

  @Post('events')
  @HttpCode(204)
  @ApiOperation({ summary: 'Call events: queued (with queueRef), connected, ended (deletes the caller data)' })
  async event(@Param() p: MunicipalityParamDto, @Body() body: CallEventDto, @Req() req: Request): Promise<void> {
    await this.authenticate(p.municipalityId, req);
    if (body.event === 'queued') await this.service.callQueued(p.municipalityId, { callRef: body.callRef, queueRef: body.queueRef ?? null });
    else if (body.event === 'connected') await this.service.callConnected(p.municipalityId, body.callRef);
    else await this.service.callEnded(p.municipalityId, body.callRef);
  }

  private async authenticate(municipalityId: string, req: Request): Promise<void> {
    const port = this.config.veiligBellen.exchangePort;
    // Not even the existence of the route is revealed on the public listener.
    if (port !== null && req.socket.localPort !== port) throw notFound();
    const key = /^Bearer (\S{20,200})$/.exec(req.header('authorization') ?? '')?.[1];
    const expected = await this.settings.exchangeKeyHash(municipalityId);
    if (!key || !expected || !safeEqual(sha256Hex(key), expected)) {
      await this.audit.record({ kind: 'exchange' }, { action: 'vb.exchange.refused', outcome: 'denied', organisationId: expected ? municipalityId : null, details: { reason: 'bad-key' } });
      throw unauthorized('A valid exchange key is required.', 'exchange-unauthorized');
    }
  }
}
