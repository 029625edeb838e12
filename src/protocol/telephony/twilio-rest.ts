import type { AgentEndpoint, ExchangeCallRef, PhoneExchange, RouteOutcome } from './exchange-port';

export type FormFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

export interface TwilioAccount {
  accountSid: string;
  authToken: string;
}

/**
 * The Twilio Programmable Voice side of `PhoneExchange`: pulls one queued caller to one agent with
 * `POST /2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members/{CallSid}.json` and `Url` pointing at our
 * TwiML that `<Dial>`s the agent (Twilio accepts only the first such request for a call), and hangs calls up
 * with a call update (docs/protocols/twilio.md §T7, §T9, §T10).
 */
export class TwilioExchange implements PhoneExchange {
  readonly provider = 'twilio';

  constructor(
    private readonly apiBase: string,
    private readonly account: (municipalityId: string) => Promise<TwilioAccount>,
    /** Absolute URL of the TwiML that dials the call's assigned agent (signed by Twilio when fetched). */
    private readonly dialUrl: (ctx: { municipalityId: string; sessionId: string }) => string,
    private readonly fetchFn: FormFetch = (url, init) => fetch(url, init),
  ) {}

  /**
   * Dequeues `call` to the agent (Twilio Queue Members REST API); maps Twilio's refusals to outcomes.
   * The dial TwiML reads the assigned agent from the session, so the URL carries no endpoint.
   */
  async routeToAgent(
    call: ExchangeCallRef,
    _agent: AgentEndpoint,
    ctx: { municipalityId: string; sessionId: string },
  ): Promise<RouteOutcome> {
    if (!call.queueRef) return { ok: false, reason: 'not-in-queue' };
    let res: Response;
    try {
      res = await this.post(
        ctx.municipalityId,
        (sid) =>
          `/2010-04-01/Accounts/${sid}/Queues/${encodeURIComponent(call.queueRef!)}/Members/${encodeURIComponent(call.callRef)}.json`,
        { Url: this.dialUrl(ctx), Method: 'POST' },
      );
    } catch (err) {
      return { ok: false, reason: 'exchange-error', detail: (err as Error).message };
    }
    if (res.ok) return { ok: true };
    const body = (await res.json().catch(() => ({}))) as { code?: number; message?: string };
    // 404 / 20404: the call is no longer a member of the queue (someone else got it, or it hung up).
    if (res.status === 404 || body.code === 20404)
      return { ok: false, reason: 'already-taken', detail: body.message };
    return {
      ok: false,
      reason: 'exchange-error',
      detail: `Twilio answered ${res.status}${body.code ? ` (${body.code})` : ''}`,
    };
  }

  /**
   * Ends the call with a call update (`POST /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json`,
   * `Status=completed`). A call that has already ended answers an error, which is fine here.
   */
  async hangUp(call: ExchangeCallRef, ctx: { municipalityId: string }): Promise<void> {
    await this.post(
      ctx.municipalityId,
      (sid) => `/2010-04-01/Accounts/${sid}/Calls/${encodeURIComponent(call.callRef)}.json`,
      { Status: 'completed' },
    ).catch(() => undefined);
  }

  private async post(
    municipalityId: string,
    path: (accountSid: string) => string,
    form: Record<string, string>,
  ): Promise<Response> {
    const { accountSid, authToken } = await this.account(municipalityId);
    return this.fetchFn(`${this.apiBase.replace(/\/+$/, '')}${path(encodeURIComponent(accountSid))}`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(10_000),
    });
  }
}
