import { DTMF_LENGTH, isDtmfCode } from './dtmf';
import type { AgentEndpoint, CallDesk, RedeemOutcome } from './exchange-port';
import { promptSettingsProblems, resolvePrompt, type PromptKey, type PromptSettings } from './prompts';
import {
  dialAgent,
  enqueue,
  gatherDtmf,
  hangup,
  leave,
  pause,
  play,
  redirect,
  say,
  twiml,
  type Verb,
} from './twiml';

/**
 * Voices Twilio lists for each language we offer (twilio.com/docs/voice/twiml/say/text-speech, "Dutch
 * (Netherlands)"): Amazon Polly and Google voices. A pair outside this list is refused in settings.
 */
export const TWILIO_VOICES: Record<string, readonly string[]> = {
  'nl-NL': [
    'Polly.Lotte',
    'Polly.Ruben',
    'Polly.Laura-Neural',
    ...['A', 'B', 'C', 'D', 'E'].flatMap((v) => [`Google.nl-NL-Standard-${v}`, `Google.nl-NL-Wavenet-${v}`]),
  ],
};

/** Speech for municipalities that chose none: a Dutch voice Twilio lists for nl-NL. */
export const DEFAULT_SPEECH = { voice: 'Polly.Lotte', language: 'nl-NL' } as const;

/** A municipality's speech: voice and language for `<Say>`, and its prompt texts and recordings. */
export interface TwilioSpeech extends PromptSettings {
  voice: string;
  language: string;
}

/** What is wrong with a municipality's speech settings: a voice Twilio does not list for the language, bad prompts. */
export function twilioSpeechProblems(speech: TwilioSpeech): string[] {
  const problems: string[] = [];
  const voices = TWILIO_VOICES[speech.language];
  if (!voices) problems.push(`language: one of ${Object.keys(TWILIO_VOICES).join(', ')}`);
  else if (!voices.includes(speech.voice))
    problems.push(`voice: a voice Twilio lists for ${speech.language} (${voices.join(', ')})`);
  return [...problems, ...promptSettingsProblems(speech)];
}

/** Absolute URLs of our Twilio webhooks for one municipality (Twilio signs exactly these). */
export interface TwilioWebhookUrls {
  gather(attempt: number): string;
  wait(): string;
  queueResult(): string;
  dialResult(): string;
  agentStatus(callRef: string): string;
}

/** What each webhook of one municipality's call needs besides its parameters. */
export interface TwilioCallContext {
  municipalityId: string;
  urls: TwilioWebhookUrls;
  speech: TwilioSpeech;
}

/** Seconds the agent's phone rings before Twilio gives up (`<Dial timeout>`, Twilio's default is 30). */
export const AGENT_RING_SECONDS = 20;
/** Seconds of silence after the hold message before Twilio requests the waitUrl again. */
const HOLD_PAUSE_SECONDS = 20;

/** Terminal `CallStatus` values of a call (twilio.com/docs/voice/api/call-resource#call-status-values). */
const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

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
  async incoming(ctx: TwilioCallContext): Promise<string> {
    if (!(await this.desk.isOpen(ctx.municipalityId))) return this.goodbye(ctx, 'closed');
    return this.ask(ctx, 1, ['welcome']);
  }

  /** `<Gather>` action: `Digits` checked and redeemed; a wrong code is re-prompted, at most `maxAttempts` tries. */
  async gathered(
    ctx: TwilioCallContext,
    params: Record<string, string>,
    attempt: number,
    callerKey: string,
  ): Promise<string> {
    const digits = params.Digits ?? '';
    const callRef = params.CallSid ?? '';
    let outcome: RedeemOutcome = { ok: false, reason: 'wrong-code' };
    try {
      if (isDtmfCode(digits))
        outcome = await this.desk.redeem(ctx.municipalityId, digits, { callRef, callerKey });
    } catch {
      // Storage or Redis is down: an apology the caller hears, not Twilio's "application error".
      return this.goodbye(ctx, 'failure');
    }
    if (outcome.ok) return this.enqueue(ctx, 'verified');
    if (outcome.reason === 'closed') return this.goodbye(ctx, 'closed');
    if (outcome.reason === 'rate-limited') return this.goodbye(ctx, 'limited');
    if (attempt >= this.opts.maxAttempts) return this.goodbye(ctx, 'giveUp');
    return this.ask(ctx, attempt + 1, digits ? ['retry'] : ['noCode', 'retry']);
  }

  /**
   * `waitUrl`, requested when the caller enters the queue and again each time this TwiML has run out:
   * remember the queue so an agent can pull the call; a call that is no longer ours leaves the queue.
   */
  async waiting(ctx: TwilioCallContext, params: Record<string, string>): Promise<string> {
    const live = await this.desk.callQueued(ctx.municipalityId, {
      callRef: params.CallSid ?? '',
      queueRef: params.QueueSid ?? null,
    });
    if (!live) return twiml(leave());
    return twiml(this.speak(ctx, 'hold'), pause(HOLD_PAUSE_SECONDS));
  }

  /**
   * `<Enqueue action>`: why the caller left the queue (twilio.com/docs/voice/twiml/enqueue, "QueueResult
   * values"). Twilio requests it right away for a REST dequeue or `<Leave>`, and after a
   * `<Dial><Queue>` bridge only when the bridged parties have hung up.
   */
  async queueResult(ctx: TwilioCallContext, params: Record<string, string>): Promise<string> {
    const callRef = params.CallSid ?? '';
    switch (params.QueueResult) {
      // Our agent pull (a Queue Members REST request) or a call update: Twilio goes on with the URL
      // of that request and does not execute this answer. Or dequeued by a `<Dial><Queue>` and still
      // being bridged. Either way the call is not over, so nothing ends here.
      case 'redirected':
      case 'redirected-from-bridged':
      case 'bridging-in-process':
        return twiml();
      // The caller hung up while waiting: the TwiML is not executed, the data goes.
      case 'hangup':
        await this.desk.callEnded(ctx.municipalityId, callRef);
        return twiml();
      // A `<Dial><Queue>` bridge has ended: the conversation is over.
      case 'bridged':
        await this.desk.callEnded(ctx.municipalityId, callRef);
        return twiml(hangup());
      // Our waitUrl sent `<Leave>`: the call is past its maximum age or was closed by an agent.
      case 'leave':
        await this.desk.callEnded(ctx.municipalityId, callRef);
        return this.goodbye(ctx, 'released');
      case 'queue-full':
        await this.desk.callEnded(ctx.municipalityId, callRef);
        return this.goodbye(ctx, 'queueFull');
      // `error`, `system-error` and anything Twilio may add later: apologise, let go, delete.
      default:
        await this.desk.callEnded(ctx.municipalityId, callRef);
        return this.goodbye(ctx, 'failure');
    }
  }

  /** The number's status callback: a finished call ends the session. */
  async status(municipalityId: string, params: Record<string, string>): Promise<void> {
    if (params.CallSid && ENDED.has(params.CallStatus ?? ''))
      await this.desk.callEnded(municipalityId, params.CallSid);
  }

  /**
   * TwiML fetched by Twilio after our Queue Members request: ring the assigned agent's VoIP client.
   * Without an assigned agent (the take was undone, e.g. after a REST timeout that Twilio still
   * carried out), a live call goes back to the queue and a call that is no longer ours is let go.
   */
  async agentDial(
    ctx: TwilioCallContext,
    agent: Extract<AgentEndpoint, { kind: 'client' | 'sip' }> | null,
    callRef: string,
    live: boolean,
  ): Promise<string> {
    if (!agent) {
      if (live && (await this.desk.agentMissed(ctx.municipalityId, callRef)))
        return this.enqueue(ctx, 'hold');
      return this.goodbye(ctx, 'released');
    }
    return twiml(
      this.speak(ctx, 'connecting'),
      dialAgent(agent, {
        action: ctx.urls.dialResult(),
        timeoutSeconds: AGENT_RING_SECONDS,
        statusCallback: ctx.urls.agentStatus(callRef),
      }),
    );
  }

  /**
   * `<Dial action>`, requested when the agent leg ends (`DialCallStatus`, twilio.com/docs/voice/twiml/dial
   * #dialcallstatus-values): after a conversation the call ends; an agent who did not answer, was
   * busy or unreachable sends the caller back to the front of the queue. If the caller has hung up
   * (`CallStatus` terminal), the TwiML is not executed and the data goes.
   */
  async dialResult(ctx: TwilioCallContext, params: Record<string, string>): Promise<string> {
    const callRef = params.CallSid ?? '';
    const dialStatus = params.DialCallStatus ?? '';
    if (ENDED.has(params.CallStatus ?? '') || dialStatus === 'completed' || dialStatus === 'answered') {
      await this.desk.callEnded(ctx.municipalityId, callRef);
      return twiml(hangup());
    }
    // busy, no-answer, failed, canceled
    if (!(await this.desk.agentMissed(ctx.municipalityId, callRef))) return this.goodbye(ctx, 'released');
    return this.enqueue(ctx, 'agentMissed');
  }

  /**
   * Status callbacks of the agent leg (`CallSid` is the agent leg's; `callRef` the caller's): ringing
   * and answered move the call along. Its end is left to the `<Dial action>`, which knows whether
   * the agent answered at all.
   */
  async agentStatus(municipalityId: string, callRef: string, params: Record<string, string>): Promise<void> {
    if (params.CallStatus === 'ringing') await this.desk.agentRinging(municipalityId, callRef);
    else if (params.CallStatus === 'in-progress') await this.desk.callConnected(municipalityId, callRef);
  }

  private enqueue(ctx: TwilioCallContext, prompt: PromptKey): string {
    return twiml(
      this.speak(ctx, prompt),
      enqueue(this.opts.queueName(ctx.municipalityId), {
        action: ctx.urls.queueResult(),
        waitUrl: ctx.urls.wait(),
      }),
    );
  }

  private ask(ctx: TwilioCallContext, attempt: number, prompts: PromptKey[]): string {
    // Without input Twilio continues after <Gather>: the redirect counts that as a failed try.
    return twiml(
      gatherDtmf(
        {
          action: ctx.urls.gather(attempt),
          numDigits: DTMF_LENGTH,
          timeoutSeconds: this.opts.gatherTimeoutSeconds,
        },
        ...prompts.map((p) => this.speak(ctx, p)),
      ),
      redirect(ctx.urls.gather(attempt)),
    );
  }

  private goodbye(ctx: TwilioCallContext, prompt: PromptKey): string {
    return twiml(this.speak(ctx, prompt), hangup());
  }

  private speak(ctx: TwilioCallContext, key: PromptKey): Verb {
    const prompt = resolvePrompt(ctx.speech, key);
    return prompt.kind === 'recording' ? play(prompt.url) : say(prompt.text, ctx.speech);
  }
}
