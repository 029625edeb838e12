import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { notFound } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DEMO_ATTRIBUTE_VALUES } from '../../protocol/irma/simulator';
import { escapeXml as esc } from '../../protocol/telephony/twiml';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import { MunicipalitySettings } from './entities/municipality-settings.entity';
import { twilioBase, VeiligBellenSimulators } from './veilig-bellen.gateways';

/**
 * The embedded demo's stand-in for the citizen's phone (DEMO_SIMULATORS only; 404 otherwise): a
 * municipality page with the widget, "disclose as the Yivi app" for open IRMA sessions, and a phone
 * that calls the simulated Twilio number and types the code. Plain HTML forms, no script.
 */
@ApiExcludeController()
@Public()
@SkipCsrf()
@Controller('sim/demo')
export class DemoController {
  constructor(
    private readonly sims: VeiligBellenSimulators,
    @InjectRepository(MunicipalitySettings) private readonly settings: Repository<MunicipalitySettings>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async page(): Promise<string> {
    const { irma, twilio } = this.live();
    const lines = await this.settings.find({ relations: { organisation: true } });
    const sites = lines.flatMap((l) =>
      l.purposes.map(
        (p) =>
          `<li><a href="/sim/demo/site?municipality=${esc(l.organisationId)}&amp;purpose=${esc(p.key)}">${esc(l.organisation?.name ?? l.organisationId)} – ${esc(p.label)}</a></li>`,
      ),
    );
    const pending = irma.pending().map(
      (
        token,
      ) => `<li><form method="post" action="/sim/demo/disclose"><input type="hidden" name="clientToken" value="${esc(token)}">
        session ${esc(token.slice(0, 6))}… <button name="proof" value="VALID">Disclose demo data</button> <button name="proof" value="INVALID">Disclose with an invalid proof</button></form></li>`,
    );
    const calls = [...twilio.calls.values()]
      .filter((c) => c.state !== 'ended')
      .map((c) => {
        const actions = [
          ...(c.state === 'dialling'
            ? [
                ['answer', 'Agent answers'],
                ['miss', 'Agent does not answer'],
              ]
            : []),
          ...(c.state === 'bridged' ? [['agent-hangup', 'Agent hangs up']] : []),
          ['hangup', 'Caller hangs up'],
        ]
          .map(
            ([action, label]) =>
              `<form method="post" action="/sim/demo/${action}" style="display:inline"><input type="hidden" name="callSid" value="${esc(c.sid)}"><button>${esc(label)}</button></form>`,
          )
          .join(' ');
        return `<li>${esc(c.from)} – ${esc(c.state)}${c.agent ? ` (${esc(c.agent)})` : ''} ${actions}</li>`;
      });
    const options = lines
      .map(
        (l) =>
          `<option value="${esc(l.organisationId)}">${esc(l.organisation?.name ?? l.organisationId)}</option>`,
      )
      .join('');
    return page(
      'Veilig bellen demo',
      `<p>Simulated Yivi app and phone for the embedded demo. Agents use <a href="/console">/console</a>.</p>
      <h2>1. A municipality page with the button</h2><ul>${sites.join('') || '<li>No municipality has Veilig bellen settings yet (PUT /api/veilig-bellen/municipalities/:id/settings).</li>'}</ul>
      <h2>2. Yivi app: open sessions</h2><ul>${pending.join('') || '<li>None.</li>'}</ul>
      <h2>3. Phone: call the number and type the code</h2>
      <form method="post" action="/sim/demo/call"><select name="municipalityId">${options}</select>
        <input name="from" value="+31612345678" aria-label="Calling number"> <input name="code" placeholder="code (10 digits)" aria-label="Code" pattern="[0-9]{10}" required> <button>Call</button></form>
      <h2>Calls in progress</h2><ul>${calls.join('') || '<li>None.</li>'}</ul>`,
    );
  }

  @Get('site')
  @Header('Content-Type', 'text/html; charset=utf-8')
  site(@Query('municipality') municipality = '', @Query('purpose') purpose = ''): string {
    this.live();
    return page(
      'Gemeente – contact',
      `<p>Bel ons veilig: u deelt eerst uw gegevens met de Yivi-app.</p>
      <button id="veilig-bellen">Veilig bellen</button>
      <script src="/widget/veilig-bellen.js" data-municipality="${esc(municipality)}" data-purpose="${esc(purpose)}" data-button="#veilig-bellen"></script>
      <p><a href="/sim/demo">Back to the demo controls</a> (open it in another tab to play the Yivi app and the phone).</p>`,
    );
  }

  @Post('disclose')
  @HttpCode(303)
  disclose(@Body() body: Record<string, string>, @Res() res: Response): void {
    try {
      this.live().irma.disclose(
        String(body.clientToken ?? ''),
        DEMO_ATTRIBUTE_VALUES,
        body.proof === 'VALID' ? 'VALID' : 'INVALID',
      );
    } catch {
      // An expired session: the page simply no longer lists it.
    }
    res.redirect(303, '/sim/demo');
  }

  @Post('call')
  async call(@Body() body: Record<string, string>, @Res() res: Response): Promise<void> {
    const { twilio } = this.live();
    const municipalityId = String(body.municipalityId ?? '');
    const base = twilioBase(this.config, municipalityId);
    const call = await twilio.placeCall({
      from: String(body.from ?? '+31600000000'),
      to: 'demo',
      voiceUrl: `${base}/voice`,
      statusCallback: `${base}/status`,
    });
    if (call.state === 'gathering') await twilio.press(call.sid, String(body.code ?? ''));
    res.redirect(303, '/sim/demo');
  }

  /** The caller or the agent's VoIP client acts on a simulated call. */
  @Post(':action')
  async act(
    @Param('action') action: string,
    @Body() body: Record<string, string>,
    @Res() res: Response,
  ): Promise<void> {
    const { twilio } = this.live();
    const callSid = String(body.callSid ?? '');
    const acts: Record<string, () => Promise<void>> = {
      hangup: () => twilio.hangup(callSid),
      answer: () => twilio.agentAnswers(callSid),
      miss: () => twilio.agentDoesNotAnswer(callSid),
      'agent-hangup': () => twilio.agentHangup(callSid),
    };
    if (!Object.hasOwn(acts, action)) throw notFound();
    // A call that moved on meanwhile: the page shows its new state.
    await acts[action]().catch(() => undefined);
    res.redirect(303, '/sim/demo');
  }

  private live() {
    const { irma, twilio } = this.sims;
    if (!irma || !twilio) throw notFound();
    return { irma, twilio };
  }
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:50rem;margin:2rem auto"><h1>${esc(title)}</h1>${body}</body></html>`;
}
