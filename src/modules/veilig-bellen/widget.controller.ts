import { Body, Controller, Get, Header, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { clientIp } from '../../common/http/client-ip';
import { forbidden, unauthorized } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { MunicipalityParamDto, StartSessionDto } from './dto/widget.dto';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { VeiligBellenService, type StartedSession, type WidgetState } from './veilig-bellen.service';
import { WidgetScript } from './widget-script';

/**
 * What a municipality's web page talks to: the widget script and the citizen's session. Called
 * cross-origin without cookies (CORS per municipality, see CrossOriginRoutes); the status token is
 * the only credential of a citizen.
 */
@ApiTags('veilig-bellen widget')
@Public()
@SkipCsrf()
@Controller()
export class WidgetController {
  constructor(
    private readonly service: VeiligBellenService,
    private readonly settings: MunicipalitySettingsService,
    private readonly script: WidgetScript,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('widget/veilig-bellen.js')
  @ApiOperation({ summary: 'The embeddable widget (include with a <script> tag on the municipality site)' })
  // Loaded by <script> from other origins: the global same-origin resource policy would block it.
  @Header('Cross-Origin-Resource-Policy', 'cross-origin')
  @Header('Content-Type', 'application/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  async widget(@Res() res: Response): Promise<void> {
    res.send(await this.script.source());
  }

  @Post('api/veilig-bellen/widget/:municipalityId/sessions')
  @ApiOperation({
    summary: 'Start a call session: Yivi session pointer, number to call, DTMF code and status token',
  })
  async start(
    @Param() params: MunicipalityParamDto,
    @Body() body: StartSessionDto,
    @Req() req: Request,
  ): Promise<StartedSession> {
    await this.checkOrigin(req, params.municipalityId, true);
    return this.service.start(params.municipalityId, body.purpose, clientIp(req));
  }

  @Get('api/veilig-bellen/widget/:municipalityId/status')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The citizen's progress (Authorization: Bearer <statusToken>)" })
  @Header('Cache-Control', 'no-store')
  async status(
    @Param() params: MunicipalityParamDto,
    @Req() req: Request,
  ): Promise<{ state: WidgetState; reason?: string }> {
    await this.checkOrigin(req, params.municipalityId, false);
    const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(req.header('authorization') ?? '')?.[1];
    if (!token)
      throw unauthorized(
        'Send the status token as `Authorization: Bearer <token>`.',
        'status-token-required',
      );
    return this.service.status(params.municipalityId, token);
  }

  /** CORS only stops browsers from reading answers; a page on an unlisted origin is refused outright. */
  private async checkOrigin(req: Request, municipalityId: string, required: boolean): Promise<void> {
    const origin = req.header('origin');
    if (!origin && !required) return;
    const own = new URL(this.config.http.publicUrl).origin;
    if (origin === own) return;
    const allowed = await this.settings.allowedOrigins(municipalityId);
    if (!origin || !allowed.includes(origin))
      throw forbidden(
        'This page may not use the Veilig bellen button of this municipality.',
        'origin-not-allowed',
      );
  }
}
