import { Controller, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { verifyTwilioSignature } from '../../protocol/telephony/twilio-signature';
import {
  DEFAULT_SPEECH,
  TwilioVoiceFlow,
  type TwilioCallContext,
  type TwilioWebhookUrls,
} from '../../protocol/telephony/twilio-voice';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { MunicipalityParamDto } from './dto/widget.dto';
import type { MunicipalitySettings } from './entities/municipality-settings.entity';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { twilioBase } from './veilig-bellen.gateways';
import { agentEndpoint, VeiligBellenService } from './veilig-bellen.service';

const MAX_ATTEMPTS = 3;

/**
 * Twilio Programmable Voice webhooks for one municipality's number. Each request must carry a valid
 * `X-Twilio-Signature` for the exact public URL and form parameters; anything else is refused before
 * it reaches the call flow.
 */
@ApiExcludeController()
@Public()
@SkipCsrf()
@Controller('api/veilig-bellen/exchange/twilio/:municipalityId')
export class TwilioController {
  private readonly flow: TwilioVoiceFlow;

  constructor(
    private readonly service: VeiligBellenService,
    private readonly settings: MunicipalitySettingsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.flow = new TwilioVoiceFlow(service, {
      maxAttempts: MAX_ATTEMPTS,
      gatherTimeoutSeconds: 15,
      queueName: (m) => `veilig-bellen-${m}`,
    });
  }

  @Post('voice')
  @HttpCode(200)
  async voice(@Param() p: MunicipalityParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx } = await this.verify(p.municipalityId, req);
    this.twiml(res, await this.flow.incoming(ctx));
  }

  @Post('gather')
  @HttpCode(200)
  async gather(
    @Param() p: MunicipalityParamDto,
    @Query('attempt') attempt: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { ctx, params } = await this.verify(p.municipalityId, req);
    const n = Math.min(Math.max(Number.parseInt(attempt, 10) || 1, 1), MAX_ATTEMPTS);
    const callerKey = this.service.callerKey(params.From ?? params.CallSid ?? '');
    this.twiml(res, await this.flow.gathered(ctx, params, n, callerKey));
  }

  @Post('wait')
  @HttpCode(200)
  async wait(@Param() p: MunicipalityParamDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { ctx, params } = await this.verify(p.municipalityId, req);
    this.twiml(res, await this.flow.waiting(ctx, params));
  }

  @Post('queue-result')
  @HttpCode(200)
  async queueResult(
    @Param() p: MunicipalityParamDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { ctx, params } = await this.verify(p.municipalityId, req);
    this.twiml(res, await this.flow.queueResult(ctx, params));
  }

  @Post('status')
  @HttpCode(204)
  async status(@Param() p: MunicipalityParamDto, @Req() req: Request): Promise<void> {
    const { params } = await this.verify(p.municipalityId, req);
    await this.flow.status(p.municipalityId, params);
  }

  /** Fetched by Twilio after our Queue Members request: dial the agent the call is assigned to. */
  @Post('agent-dial')
  @HttpCode(200)
  async agentDial(
    @Param() p: MunicipalityParamDto,
    @Query('session') sessionId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { ctx, params, settings } = await this.verify(p.municipalityId, req);
    const assignment = /^[0-9a-f-]{36}$/.test(sessionId ?? '')
      ? await this.service.assignment(p.municipalityId, sessionId)
      : null;
    const agent = assignment?.agentUserId ? agentEndpoint(settings, assignment.agentUserId) : null;
    // An answer for every case: an error status would make Twilio drop the caller.
    this.twiml(res, await this.flow.agentDial(ctx, agent, params.CallSid ?? '', assignment !== null));
  }

  /** `<Dial action>`: the agent leg has ended (answered and hung up, or not answered at all). */
  @Post('dial-result')
  @HttpCode(200)
  async dialResult(
    @Param() p: MunicipalityParamDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { ctx, params } = await this.verify(p.municipalityId, req);
    this.twiml(res, await this.flow.dialResult(ctx, params));
  }

  @Post('agent-status')
  @HttpCode(204)
  async agentStatus(
    @Param() p: MunicipalityParamDto,
    @Query('call') callRef: string,
    @Req() req: Request,
  ): Promise<void> {
    const { params } = await this.verify(p.municipalityId, req);
    if (callRef) await this.flow.agentStatus(p.municipalityId, callRef, params);
  }

  private urls(municipalityId: string): TwilioWebhookUrls {
    const base = twilioBase(this.config, municipalityId);
    return {
      gather: (attempt) => `${base}/gather?attempt=${attempt}`,
      wait: () => `${base}/wait`,
      queueResult: () => `${base}/queue-result`,
      dialResult: () => `${base}/dial-result`,
      agentStatus: (callRef) => `${base}/agent-status?call=${encodeURIComponent(callRef)}`,
    };
  }

  /**
   * Checks `X-Twilio-Signature` over PUBLIC_URL + the requested path and query, with the
   * municipality's auth token; returns the form parameters and the call's context.
   */
  private async verify(
    municipalityId: string,
    req: Request,
  ): Promise<{ params: Record<string, string>; ctx: TwilioCallContext; settings: MunicipalitySettings }> {
    const params = (
      req.is('application/x-www-form-urlencoded') && req.body && typeof req.body === 'object' ? req.body : {}
    ) as Record<string, string>;
    const settings = await this.settings.find(municipalityId);
    const account = settings ? await this.settings.twilioAccount(municipalityId).catch(() => null) : null;
    const url = `${this.config.http.publicUrl}${req.originalUrl}`;
    if (
      !settings ||
      !account ||
      params.AccountSid !== account.accountSid ||
      !verifyTwilioSignature(account.authToken, req.header('x-twilio-signature'), url, params)
    ) {
      await this.audit.record(
        { kind: 'exchange' },
        {
          action: 'vb.exchange.refused',
          outcome: 'denied',
          organisationId: settings ? municipalityId : null,
          details: { reason: 'bad-signature' },
        },
      );
      throw new ProblemException(403, 'bad-signature', 'Forbidden', 'Missing or invalid X-Twilio-Signature.');
    }
    const ctx = {
      municipalityId,
      urls: this.urls(municipalityId),
      speech: { ...DEFAULT_SPEECH, ...settings.speech },
    };
    return { params, ctx, settings };
  }

  private twiml(res: Response, xml: string): void {
    res.status(200).type('text/xml').send(xml);
  }
}
