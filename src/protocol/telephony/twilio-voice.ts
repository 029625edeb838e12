import { DTMF_LENGTH, isDtmfCode } from './dtmf';
import type { AgentEndpoint, CallDesk } from './exchange-port';
import { dialAgent, enqueue, gatherDtmf, hangup, pause, redirect, say, twiml } from './twiml';

/** Absolute URLs of our Twilio webhooks for one municipality (Twilio signs exactly these). */
export interface TwilioWebhookUrls {
  gather(attempt: number): string;
  wait(): string;
  queueResult(): string;
  agentStatus(callRef: string): string;
}

export const PROMPTS = {
  welcome: 'Welkom bij Veilig bellen. Een ogenblik, uw code wordt gecontroleerd.',
  retry: 'Deze code is niet geldig. Toets de code van tien cijfers opnieuw in.',
  noCode: 'Er is geen code ontvangen.',
  giveUp: 'De code is niet herkend. Bel opnieuw vanuit de Yivi-app. Tot ziens.',
  limited: 'U heeft te vaak een onjuiste code gebruikt. Probeer het later opnieuw. Tot ziens.',
  closed: 'Wij zijn op dit moment gesloten. Belt u ons alstublieft tijdens de openingstijden. Tot ziens.',
  verified: 'Dank u, uw gegevens zijn ontvangen. U wordt zo snel mogelijk doorverbonden met een medewerker.',
  hold: 'Een ogenblik geduld alstublieft. U bent in de wacht.',
} as const;

const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
const LEFT_QUEUE = new Set([
  'hangup',
  'leave',
  'queue-full',
  'error',
  'system-error',
  'redirected',
  'redirected-from-bridged',
]);

/**
 * The Twilio call flow, independent of HTTP: each method takes a (signature-checked) webhook's form
 * parameters and returns the TwiML to answer. Up to `maxAttempts` tries for the code, then hang up.
 */
export class TwilioVoiceFlow {
  constructor(
    private readonly desk: CallDesk,
    private readonly opts: {
      maxAttempts: number;
      gatherTimeoutSeconds: number;
      queueName: (municipalityId: string) => string;
    },
  ) {}

  /** Incoming-call webhook: closed message outside opening hours, else ask for the DTMF code. */
  async incoming(municipalityId: string, urls: TwilioWebhookUrls): Promise<string> {
    if (!(await this.desk.isOpen(municipalityId))) return twiml(say(PROMPTS.closed), hangup());
    return this.ask(urls, 1, PROMPTS.welcome);
  }

  /** `<Gather>` action: `Digits` checked and redeemed; a wrong code is re-prompted, at most `maxAttempts` tries. */
  async gathered(
    municipalityId: string,
    params: Record<string, string>,
    attempt: number,
    urls: TwilioWebhookUrls,
    callerKey: string,
  ): Promise<string> {
    const digits = params.Digits ?? '';
    const callRef = params.CallSid ?? '';
    const outcome = isDtmfCode(digits)
      ? await this.desk.redeem(municipalityId, digits, { callRef, callerKey })
      : ({ ok: false, reason: 'wrong-code' } as const);
    if (outcome.ok) {
      return twiml(
        say(PROMPTS.verified),
        enqueue(this.opts.queueName(municipalityId), { action: urls.queueResult(), waitUrl: urls.wait() }),
      );
    }
    if (outcome.reason === 'closed') return twiml(say(PROMPTS.closed), hangup());
    if (outcome.reason === 'rate-limited') return twiml(say(PROMPTS.limited), hangup());
    if (attempt >= this.opts.maxAttempts) return twiml(say(PROMPTS.giveUp), hangup());
    return this.ask(urls, attempt + 1, digits ? PROMPTS.retry : `${PROMPTS.noCode} ${PROMPTS.retry}`);
  }

  /** `waitUrl`: the caller is in the queue; remember its queue so an agent can pull it. */
  async waiting(municipalityId: string, params: Record<string, string>): Promise<string> {
    if (params.CallSid && params.QueueSid)
      await this.desk.callQueued(municipalityId, { callRef: params.CallSid, queueRef: params.QueueSid });
    return twiml(say(PROMPTS.hold), pause(20));
  }

  /** `<Enqueue action>`: `bridged` means an agent has it; any other result means the caller left. */
  async queueResult(municipalityId: string, params: Record<string, string>): Promise<string> {
    const callRef = params.CallSid ?? '';
    if (params.QueueResult === 'bridged') await this.desk.callConnected(municipalityId, callRef);
    else if (LEFT_QUEUE.has(params.QueueResult ?? '')) await this.desk.callEnded(municipalityId, callRef);
    return twiml(hangup());
  }

  /** The number's status callback: a finished call ends the session. */
  async status(municipalityId: string, params: Record<string, string>): Promise<void> {
    if (params.CallSid && ENDED.has(params.CallStatus ?? ''))
      await this.desk.callEnded(municipalityId, params.CallSid);
  }

  /** TwiML fetched by Twilio when a caller is pulled to an agent: dial that agent's VoIP client. */
  agentDial(agent: AgentEndpoint, urls: TwilioWebhookUrls, callRef: string): string {
    return twiml(dialAgent(agent, urls.agentStatus(callRef)), hangup());
  }

  /** Status callbacks of the agent leg: answered → connected; ended → the call is over (agent hang-up). */
  async agentStatus(municipalityId: string, callRef: string, params: Record<string, string>): Promise<void> {
    const status = params.CallStatus ?? '';
    if (
      status === 'in-progress' ||
      (params.CallbackSource === 'call-progress-events' && params.StatusCallbackEvent === 'answered')
    ) {
      await this.desk.callConnected(municipalityId, callRef);
    } else if (ENDED.has(status)) {
      await this.desk.callEnded(municipalityId, callRef);
    }
  }

  private ask(urls: TwilioWebhookUrls, attempt: number, prompt: string): string {
    // Without input Twilio continues after <Gather>: the redirect counts that as a failed try.
    return twiml(
      gatherDtmf(
        {
          action: urls.gather(attempt),
          numDigits: DTMF_LENGTH,
          timeoutSeconds: this.opts.gatherTimeoutSeconds,
        },
        say(prompt),
      ),
      redirect(urls.gather(attempt)),
    );
  }
}
