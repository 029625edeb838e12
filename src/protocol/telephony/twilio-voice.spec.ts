import { twiml as twilioTwiml } from 'twilio';
import type { CallDesk, RedeemOutcome } from './exchange-port';
import { DUTCH_PROMPTS } from './prompts';
import { parseTwiml } from './twilio-simulator';
import {
  DEFAULT_SPEECH,
  TwilioVoiceFlow,
  twilioSpeechProblems,
  type TwilioCallContext,
  type TwilioWebhookUrls,
} from './twilio-voice';

const { VoiceResponse } = twilioTwiml;

const urls: TwilioWebhookUrls = {
  gather: (n) => `https://x/gather?attempt=${n}`,
  wait: () => 'https://x/wait',
  queueResult: () => 'https://x/queue-result',
  dialResult: () => 'https://x/dial-result',
  agentStatus: (c) => `https://x/agent-status?call=${c}`,
};
const ctx: TwilioCallContext = { municipalityId: 'm1', urls, speech: { ...DEFAULT_SPEECH } };
const voice = { voice: DEFAULT_SPEECH.voice, language: DEFAULT_SPEECH.language } as const;

function desk(overrides: Partial<CallDesk> = {}): jest.Mocked<CallDesk> {
  return {
    isOpen: jest.fn().mockResolvedValue(true),
    redeem: jest.fn().mockResolvedValue({ ok: false, reason: 'wrong-code' } satisfies RedeemOutcome),
    callQueued: jest.fn().mockResolvedValue(true),
    agentRinging: jest.fn().mockResolvedValue(undefined),
    callConnected: jest.fn().mockResolvedValue(undefined),
    agentMissed: jest.fn().mockResolvedValue(true),
    callEnded: jest.fn().mockResolvedValue(undefined),
    ...overrides,
  } as jest.Mocked<CallDesk>;
}

function flow(d: CallDesk = desk()) {
  return new TwilioVoiceFlow(d, { maxAttempts: 3, gatherTimeoutSeconds: 15, queueName: (m) => `q-${m}` });
}

type Node = ReturnType<typeof parseTwiml>[number];
/** Structure of a TwiML document (names, attributes, text), independent of escaping and attribute order. */
function shape(xml: string) {
  const canon = (n: Node): unknown => ({
    name: n.name,
    attrs: Object.fromEntries(Object.entries(n.attrs).sort()),
    text: n.text,
    children: n.children.map(canon),
  });
  return parseTwiml(xml).map(canon);
}
const verbs = (xml: string) => parseTwiml(xml).map((v) => v.name);

/** What the official library renders for "enqueue after <prompt>". */
function libraryEnqueue(prompt: string): string {
  const r = new VoiceResponse();
  r.say(voice, prompt);
  r.enqueue(
    { action: urls.queueResult(), method: 'POST', waitUrl: urls.wait(), waitUrlMethod: 'POST' },
    'q-m1',
  );
  return r.toString();
}

describe('TwilioVoiceFlow', () => {
  it('asks for 10 digits with a 15 s timeout, as the twilio library renders it', async () => {
    const xml = await flow().incoming(ctx);
    const r = new VoiceResponse();
    r.gather({
      input: ['dtmf'],
      numDigits: 10,
      timeout: 15,
      action: urls.gather(1),
      method: 'POST',
      actionOnEmptyResult: false,
    }).say(voice, DUTCH_PROMPTS.welcome);
    r.redirect({ method: 'POST' }, urls.gather(1));
    expect(shape(xml)).toEqual(shape(r.toString()));
  });

  it('says "closed" outside opening hours and hangs up', async () => {
    const xml = await flow(desk({ isOpen: jest.fn().mockResolvedValue(false) })).incoming(ctx);
    const r = new VoiceResponse();
    r.say(voice, DUTCH_PROMPTS.closed);
    r.hangup();
    expect(shape(xml)).toEqual(shape(r.toString()));
  });

  it('enqueues a redeemed code, re-prompts a wrong one and hangs up after the last try', async () => {
    const d = desk();
    d.redeem.mockResolvedValueOnce({ ok: true, sessionId: 's1' });
    const sut = flow(d);
    const ok = await sut.gathered(ctx, { Digits: '0123456789', CallSid: 'CA1' }, 1, 'caller');
    expect(shape(ok)).toEqual(shape(libraryEnqueue(DUTCH_PROMPTS.verified)));
    expect(d.redeem).toHaveBeenCalledWith('m1', '0123456789', { callRef: 'CA1', callerKey: 'caller' });
    const retry = await sut.gathered(ctx, { Digits: '0000000000', CallSid: 'CA2' }, 2, 'caller');
    expect(parseTwiml(retry)[0].attrs.action).toBe('https://x/gather?attempt=3');
    expect(parseTwiml(retry)[0].children.map((c) => c.text)).toEqual([DUTCH_PROMPTS.retry]);
    const silent = await sut.gathered(ctx, { CallSid: 'CA2' }, 1, 'caller');
    expect(parseTwiml(silent)[0].children.map((c) => c.text)).toEqual([
      DUTCH_PROMPTS.noCode,
      DUTCH_PROMPTS.retry,
    ]);
    expect(await sut.gathered(ctx, { Digits: '0000000000', CallSid: 'CA2' }, 3, 'caller')).toContain(
      DUTCH_PROMPTS.giveUp,
    );
    // Malformed digits never reach the desk.
    d.redeem.mockClear();
    await sut.gathered(ctx, { Digits: '12#', CallSid: 'CA3' }, 1, 'caller');
    expect(d.redeem).not.toHaveBeenCalled();
  });

  it('apologises and hangs up when the code cannot be checked (database or Redis down)', async () => {
    const sut = flow(desk({ redeem: jest.fn().mockRejectedValue(new Error('Redis unreachable')) }));
    const xml = await sut.gathered(ctx, { Digits: '1234567890', CallSid: 'CA1' }, 1, 'caller');
    expect(xml).toContain(DUTCH_PROMPTS.failure);
    expect(xml).toContain('<Hangup/>');
  });

  it('hangs up on a rate-limited caller', async () => {
    const sut = flow(desk({ redeem: jest.fn().mockResolvedValue({ ok: false, reason: 'rate-limited' }) }));
    const xml = await sut.gathered(ctx, { Digits: '0123456789', CallSid: 'CA1' }, 1, 'caller');
    expect(xml).toContain(DUTCH_PROMPTS.limited);
    expect(verbs(xml)).toEqual(['Say', 'Hangup']);
  });

  it('holds a live caller and lets a call that is no longer ours leave the queue', async () => {
    const d = desk();
    const hold = await flow(d).waiting(ctx, { CallSid: 'CA1', QueueSid: 'QU1' });
    expect(d.callQueued).toHaveBeenCalledWith('m1', { callRef: 'CA1', queueRef: 'QU1' });
    const r = new VoiceResponse();
    r.say(voice, DUTCH_PROMPTS.hold);
    r.pause({ length: 20 });
    expect(shape(hold)).toEqual(shape(r.toString()));
    d.callQueued.mockResolvedValueOnce(false);
    const gone = await flow(d).waiting(ctx, { CallSid: 'CA1', QueueSid: 'QU1' });
    const leave = new VoiceResponse();
    leave.leave();
    expect(shape(gone)).toEqual(shape(leave.toString()));
  });

  // Every value of twilio.com/docs/voice/twiml/enqueue "QueueResult values", as Twilio means it.
  it.each([
    ['redirected', false, []],
    ['redirected-from-bridged', false, []],
    ['bridging-in-process', false, []],
    ['hangup', true, []],
    ['bridged', true, ['Hangup']],
    ['leave', true, ['Say', 'Hangup']],
    ['queue-full', true, ['Say', 'Hangup']],
    ['error', true, ['Say', 'Hangup']],
    ['system-error', true, ['Say', 'Hangup']],
  ] as const)('QueueResult=%s: ends the call: %s, answers %j', async (result, ends, answer) => {
    const d = desk();
    const xml = await flow(d).queueResult(ctx, { CallSid: 'CA1', QueueResult: result, QueueSid: 'QU1' });
    expect(d.callEnded).toHaveBeenCalledTimes(ends ? 1 : 0);
    expect(verbs(xml)).toEqual(answer);
  });

  it('rings the assigned agent for 20 s with progress callbacks, as the twilio library renders it', async () => {
    for (const agent of [
      { kind: 'client', identity: 'agent_0123abcd' },
      { kind: 'sip', uri: 'sip:agent_0123abcd@pbx.gemeente.nl' },
    ] as const) {
      const xml = await flow().agentDial(ctx, agent, 'CA1', true);
      const r = new VoiceResponse();
      r.say(voice, DUTCH_PROMPTS.connecting);
      const dial = r.dial({ action: urls.dialResult(), method: 'POST', timeout: 20 });
      const events = {
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] as (
          'initiated' | 'ringing' | 'answered' | 'completed'
        )[],
        statusCallback: urls.agentStatus('CA1'),
        statusCallbackMethod: 'POST' as const,
      };
      if (agent.kind === 'client') dial.client(events, agent.identity);
      else dial.sip(events, agent.uri);
      expect(shape(xml)).toEqual(shape(r.toString()));
    }
  });

  it('puts a live call without an assigned agent back in the queue, and lets a gone one go', async () => {
    const d = desk();
    const requeued = await flow(d).agentDial(ctx, null, 'CA1', true);
    expect(d.agentMissed).toHaveBeenCalledWith('m1', 'CA1');
    expect(shape(requeued)).toEqual(shape(libraryEnqueue(DUTCH_PROMPTS.hold)));
    const gone = await flow(d).agentDial(ctx, null, 'CA1', false);
    expect(gone).toContain(DUTCH_PROMPTS.released);
    expect(verbs(gone)).toEqual(['Say', 'Hangup']);
  });

  it('moves the call along on the agent leg and ends it only on the Dial action', async () => {
    const d = desk();
    const sut = flow(d);
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'initiated' });
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'ringing' });
    expect(d.agentRinging).toHaveBeenCalledWith('m1', 'CA1');
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'in-progress' });
    expect(d.callConnected).toHaveBeenCalledWith('m1', 'CA1');
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'no-answer' });
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'completed' });
    expect(d.callEnded).not.toHaveBeenCalled();
    const talked = await sut.dialResult(ctx, { CallSid: 'CA1', DialCallStatus: 'completed' });
    expect(verbs(talked)).toEqual(['Hangup']);
    expect(d.callEnded).toHaveBeenCalledTimes(1);
  });

  it.each(['no-answer', 'busy', 'failed', 'canceled'])(
    'DialCallStatus=%s: the caller goes back to the queue',
    async (status) => {
      const d = desk();
      const xml = await flow(d).dialResult(ctx, {
        CallSid: 'CA1',
        CallStatus: 'in-progress',
        DialCallStatus: status,
      });
      expect(d.agentMissed).toHaveBeenCalledWith('m1', 'CA1');
      expect(d.callEnded).not.toHaveBeenCalled();
      expect(shape(xml)).toEqual(shape(libraryEnqueue(DUTCH_PROMPTS.agentMissed)));
    },
  );

  it('lets the caller go when the call is no longer ours, and ends it when the caller hung up', async () => {
    const d = desk({ agentMissed: jest.fn().mockResolvedValue(false) });
    const gone = await flow(d).dialResult(ctx, { CallSid: 'CA1', DialCallStatus: 'no-answer' });
    expect(gone).toContain(DUTCH_PROMPTS.released);
    expect(verbs(gone)).toEqual(['Say', 'Hangup']);
    const d2 = desk();
    await flow(d2).dialResult(ctx, { CallSid: 'CA1', CallStatus: 'completed', DialCallStatus: 'canceled' });
    expect(d2.agentMissed).not.toHaveBeenCalled();
    expect(d2.callEnded).toHaveBeenCalledWith('m1', 'CA1');
  });

  it('ends the call on the number status callback only when the call is over', async () => {
    const d = desk();
    await flow(d).status('m1', { CallSid: 'CA1', CallStatus: 'in-progress' });
    expect(d.callEnded).not.toHaveBeenCalled();
    await flow(d).status('m1', { CallSid: 'CA1', CallStatus: 'completed' });
    expect(d.callEnded).toHaveBeenCalledWith('m1', 'CA1');
  });

  it("speaks the municipality's voice and texts, and plays its recordings", async () => {
    const own: TwilioCallContext = {
      ...ctx,
      speech: {
        voice: 'Google.nl-NL-Wavenet-B',
        language: 'nl-NL',
        texts: { welcome: 'Welkom bij de gemeente Nijmegen.' },
        recordings: { hold: 'https://gemeente.example/wacht.mp3' },
      },
    };
    const [gather] = parseTwiml(await flow().incoming(own));
    expect(gather.children[0]).toMatchObject({
      name: 'Say',
      text: 'Welkom bij de gemeente Nijmegen.',
      attrs: { voice: 'Google.nl-NL-Wavenet-B', language: 'nl-NL' },
    });
    const hold = await flow().waiting(own, { CallSid: 'CA1', QueueSid: 'QU1' });
    const r = new VoiceResponse();
    r.play('https://gemeente.example/wacht.mp3');
    r.pause({ length: 20 });
    expect(shape(hold)).toEqual(shape(r.toString()));
  });

  it('refuses voices Twilio does not list for the language, unknown prompts and non-https recordings', () => {
    expect(twilioSpeechProblems({ ...DEFAULT_SPEECH })).toEqual([]);
    expect(twilioSpeechProblems({ voice: 'Polly.Joanna', language: 'nl-NL' })).toEqual([
      expect.stringMatching(/^voice: a voice Twilio lists for nl-NL/),
    ]);
    expect(twilioSpeechProblems({ voice: 'Polly.Lotte', language: 'xx-XX' })).toHaveLength(1);
    expect(
      twilioSpeechProblems({
        ...DEFAULT_SPEECH,
        texts: { welcome: '', bogus: 'x' } as never,
        recordings: { hold: 'http://insecure.example/a.mp3' },
      }),
    ).toEqual([
      expect.stringMatching(/^texts\.welcome:/),
      expect.stringMatching(/^texts\.bogus: unknown prompt/),
      expect.stringMatching(/^recordings\.hold: an https/),
    ]);
  });
});
