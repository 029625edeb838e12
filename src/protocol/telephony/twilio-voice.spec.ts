import type { CallDesk, RedeemOutcome } from './exchange-port';
import { parseTwiml } from './twilio-simulator';
import { PROMPTS, TwilioVoiceFlow, type TwilioWebhookUrls } from './twilio-voice';

const urls: TwilioWebhookUrls = {
  gather: (n) => `https://x/gather?attempt=${n}`,
  wait: () => 'https://x/wait',
  queueResult: () => 'https://x/queue-result',
  agentStatus: (c) => `https://x/agent-status?call=${c}`,
};

function desk(overrides: Partial<CallDesk> = {}): jest.Mocked<CallDesk> {
  return {
    isOpen: jest.fn().mockResolvedValue(true),
    redeem: jest.fn().mockResolvedValue({ ok: false, reason: 'wrong-code' } satisfies RedeemOutcome),
    callQueued: jest.fn().mockResolvedValue(undefined),
    callConnected: jest.fn().mockResolvedValue(undefined),
    callEnded: jest.fn().mockResolvedValue(undefined),
    ...overrides,
  } as jest.Mocked<CallDesk>;
}

const verbs = (xml: string) => parseTwiml(xml).map((v) => v.name);

describe('TwilioVoiceFlow', () => {
  it('asks for 10 digits with a 15 s timeout, and says "closed" outside opening hours', async () => {
    const sut = new TwilioVoiceFlow(desk(), {
      maxAttempts: 3,
      gatherTimeoutSeconds: 15,
      queueName: (m) => `q-${m}`,
    });
    const xml = await sut.incoming('m1', urls);
    const [gather, redirect] = parseTwiml(xml);
    expect(gather).toMatchObject({
      name: 'Gather',
      attrs: { input: 'dtmf', numDigits: '10', timeout: '15', action: 'https://x/gather?attempt=1' },
    });
    expect(redirect).toMatchObject({ name: 'Redirect', text: 'https://x/gather?attempt=1' });
    const closed = new TwilioVoiceFlow(desk({ isOpen: jest.fn().mockResolvedValue(false) }), {
      maxAttempts: 3,
      gatherTimeoutSeconds: 15,
      queueName: () => 'q',
    });
    expect(await closed.incoming('m1', urls)).toContain(PROMPTS.closed);
  });

  it('enqueues a redeemed code, re-prompts a wrong one and hangs up after the last try', async () => {
    const d = desk();
    d.redeem.mockResolvedValueOnce({ ok: true, sessionId: 's1' });
    const sut = new TwilioVoiceFlow(d, {
      maxAttempts: 3,
      gatherTimeoutSeconds: 15,
      queueName: (m) => `q-${m}`,
    });
    const ok = await sut.gathered('m1', { Digits: '0123456789', CallSid: 'CA1' }, 1, urls, 'caller');
    expect(verbs(ok)).toEqual(['Say', 'Enqueue']);
    expect(d.redeem).toHaveBeenCalledWith('m1', '0123456789', { callRef: 'CA1', callerKey: 'caller' });
    const retry = await sut.gathered('m1', { Digits: '0000000000', CallSid: 'CA2' }, 2, urls, 'caller');
    expect(parseTwiml(retry)[0].attrs.action).toBe('https://x/gather?attempt=3');
    expect(await sut.gathered('m1', { Digits: '0000000000', CallSid: 'CA2' }, 3, urls, 'caller')).toContain(
      PROMPTS.giveUp,
    );
    // Malformed digits never reach the desk.
    d.redeem.mockClear();
    await sut.gathered('m1', { Digits: '12#', CallSid: 'CA3' }, 1, urls, 'caller');
    expect(d.redeem).not.toHaveBeenCalled();
  });

  it('hangs up on a rate-limited caller', async () => {
    const sut = new TwilioVoiceFlow(
      desk({ redeem: jest.fn().mockResolvedValue({ ok: false, reason: 'rate-limited' }) }),
      { maxAttempts: 3, gatherTimeoutSeconds: 15, queueName: () => 'q' },
    );
    const xml = await sut.gathered('m1', { Digits: '0123456789', CallSid: 'CA1' }, 1, urls, 'caller');
    expect(xml).toContain(PROMPTS.limited);
    expect(verbs(xml)).toEqual(['Say', 'Hangup']);
  });

  it('maps queue results, status callbacks and agent-leg events to the desk', async () => {
    const d = desk();
    const sut = new TwilioVoiceFlow(d, { maxAttempts: 3, gatherTimeoutSeconds: 15, queueName: () => 'q' });
    await sut.waiting('m1', { CallSid: 'CA1', QueueSid: 'QU1' });
    expect(d.callQueued).toHaveBeenCalledWith('m1', { callRef: 'CA1', queueRef: 'QU1' });
    await sut.queueResult('m1', { CallSid: 'CA1', QueueResult: 'bridged' });
    expect(d.callConnected).toHaveBeenCalledWith('m1', 'CA1');
    await sut.queueResult('m1', { CallSid: 'CA1', QueueResult: 'hangup' });
    await sut.status('m1', { CallSid: 'CA1', CallStatus: 'in-progress' });
    expect(d.callEnded).toHaveBeenCalledTimes(1);
    await sut.status('m1', { CallSid: 'CA1', CallStatus: 'completed' });
    await sut.agentStatus('m1', 'CA1', { CallStatus: 'completed' });
    expect(d.callEnded).toHaveBeenCalledTimes(3);
    expect(sut.agentDial({ kind: 'sip', uri: 'sip:agent-1@pbx' }, urls, 'CA1')).toContain(
      '<Sip statusCallbackEvent="initiated ringing answered completed" statusCallback="https://x/agent-status?call=CA1"',
    );
  });
});
