/**
 * A stand-in for Twilio Programmable Voice in tests and the embedded demo, written from Twilio's
 * documentation: it places calls by sending signed webhooks with Twilio's parameters in Twilio's order,
 * executes the TwiML it gets back (Say, Play, Pause, Gather, Redirect, Enqueue with its wait loop, Leave,
 * Dial to a Client or SIP endpoint, Hangup), and answers the Queue Members and Call REST requests. Each
 * behaviour names the documented rule it follows ("docs: …" = twilio.com/docs/…); the rules our flow relies
 * on are summarised in docs/protocols/twilio.md. What the caller and the agent do (press keys, stay silent,
 * hang up, answer, let it ring) is driven by the test or the demo page.
 */
import { randomBytes } from 'node:crypto';
import type { FormFetch } from './twilio-rest';
import { twilioSignature } from './twilio-signature';

export type Deliver = (
  url: string,
  form: Record<string, string>,
  headers: Record<string, string>,
) => Promise<{ status: number; body: string }>;

/** Computes `X-Twilio-Signature`; tests hand in the `twilio` library's `getExpectedTwilioSignature`. */
export type Signer = (authToken: string, url: string, params: Record<string, string>) => string;

export type SimCallState =
  'ringing' | 'in-progress' | 'gathering' | 'queued' | 'dialling' | 'bridged' | 'ended';

export interface SimCall {
  sid: string;
  from: string;
  to: string;
  state: SimCallState;
  /** What the caller heard and what happened, in order (`say:…`, `play:…`, `gather`, `enqueue:…`, `leave`, `dial:client:…`, `hangup`). */
  log: string[];
  /** Every `<Say>` with the voice and language it was spoken in (undefined: the account default). */
  speech: { text: string; voice?: string; language?: string }[];
  queueName?: string;
  queueSid?: string;
  /** The last endpoint dialled, e.g. `client:agent_…`. */
  agent?: string;
  statusCallback?: string;
  gather?: { action: string; numDigits: number; actionOnEmptyResult: boolean; after: XmlNode[] };
  enqueue?: { action?: string; waitUrl?: string; enqueuedAt: number; after: XmlNode[] };
  dial?: {
    action?: string;
    timeoutSeconds: number;
    legSid: string;
    statusCallback?: string;
    events: Set<string>;
    sequence: number;
    answeredAt?: number;
    after: XmlNode[];
  };
  startedAt: number;
}

/** One request Twilio made to the application, in order. */
export interface SimWebhook {
  path: string;
  params: Record<string, string>;
  status: number;
}

export interface RecordedRestCall {
  method: string;
  path: string;
  form: Record<string, string>;
  status: number;
}

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** docs: voice/twiml/enqueue — "The default maximum length of the queue is 1000". */
const DEFAULT_MAX_QUEUE_SIZE = 1000;
/** docs: voice/twiml/dial#timeout — the default ring time. */
const DEFAULT_DIAL_TIMEOUT = 30;
/** docs: voice/twiml/enqueue#waiturl — the only verbs a waitUrl document may use. */
const WAIT_VERBS = new Set(['Play', 'Say', 'Pause', 'Hangup', 'Redirect', 'Leave', 'Gather']);
/** docs: voice/twiml/client — "Mobile SDKs … must only use alphanumeric characters and underscore". */
const SDK_IDENTITY = /^[A-Za-z0-9_]{1,256}$/;

export class TwilioSimulator {
  readonly calls = new Map<string, SimCall>();
  readonly webhooks: SimWebhook[] = [];
  readonly restCalls: RecordedRestCall[] = [];
  private readonly queues = new Map<string, { sid: string; members: string[] }>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly account: { accountSid: string; authToken: string },
    /** How webhooks reach the application (fetch to its URL, or supertest in e2e tests). */
    public deliver: Deliver = defaultDeliver,
    public sign: Signer = twilioSignature,
    private readonly opts: { maxQueueSize?: number; now?: () => number } = {},
  ) {}

  // ---- What the caller does ----

  /**
   * A caller dials the number. docs: usage/webhooks/voice-webhooks — Twilio requests the number's
   * voice URL with the standard parameters and `CallStatus=ringing`, then executes the TwiML.
   */
  async placeCall(opts: {
    from: string;
    to: string;
    voiceUrl: string;
    statusCallback?: string;
  }): Promise<SimCall> {
    const call: SimCall = {
      sid: sid('CA'),
      from: opts.from,
      to: opts.to,
      state: 'ringing',
      log: [],
      speech: [],
      statusCallback: opts.statusCallback,
      startedAt: this.now(),
    };
    this.calls.set(call.sid, call);
    await this.fetchTwiml(call, opts.voiceUrl, { CallStatus: 'ringing' });
    return call;
  }

  /**
   * The caller's phone sends DTMF tones while a `<Gather>` listens. docs: voice/twiml/gather — Twilio
   * stops at `numDigits` and posts what it collected as `Digits` to `action` (fewer digits are
   * posted once the caller pauses for `timeout` seconds).
   */
  async press(callSid: string, digits: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'gathering' || !call.gather)
      throw new Error(`call is not gathering (state ${call.state})`);
    const { action, numDigits } = call.gather;
    call.gather = undefined;
    call.state = 'in-progress';
    await this.fetchTwiml(call, action, { Digits: digits.slice(0, numDigits) });
  }

  /**
   * The `<Gather>` times out without input. docs: voice/twiml/gather#actiononemptyresult — without
   * `actionOnEmptyResult` Twilio goes on with the verb after `<Gather>`; with it, it posts empty `Digits`.
   */
  async silence(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'gathering' || !call.gather) throw new Error('call is not gathering');
    const { action, actionOnEmptyResult, after } = call.gather;
    call.gather = undefined;
    call.state = 'in-progress';
    if (actionOnEmptyResult) await this.fetchTwiml(call, action, { Digits: '' });
    else await this.execute(call, after);
  }

  /**
   * The waitUrl document has run out while the caller is still queued. docs: voice/twiml/enqueue
   * #waiturl — Twilio requests the waitUrl again and plays the new document (the hold loop).
   */
  async holdMusicEnds(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'queued' || !call.enqueue) throw new Error('call is not queued');
    await this.requestWaitUrl(call);
  }

  /** The caller hangs up, wherever the call is. */
  async hangup(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state === 'ended') return;
    if (call.state === 'queued') await this.leaveQueue(call, 'hangup');
    if (call.state === 'dialling' || call.state === 'bridged')
      await this.endAgentLeg(call, call.state === 'bridged' ? 'completed' : 'canceled', true);
    await this.end(call);
  }

  // ---- What the agent's VoIP client does ----

  /**
   * The agent picks up. docs: voice/twiml/client#statuscallbackevent — the leg goes to `answered`
   * (`CallStatus=in-progress`) and the two parties are connected.
   */
  async agentAnswers(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'dialling' || !call.dial)
      throw new Error(`call is not ringing an agent (${call.state})`);
    call.state = 'bridged';
    call.dial.answeredAt = this.now();
    await this.legEvent(call, 'answered', 'in-progress');
  }

  /**
   * Nobody picks up within `<Dial timeout>` (`no-answer`), or the agent declines (`busy`). docs:
   * voice/twiml/dial#dialcallstatus-values.
   */
  async agentDoesNotAnswer(callSid: string, outcome: 'no-answer' | 'busy' = 'no-answer'): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'dialling') throw new Error(`call is not ringing an agent (${call.state})`);
    await this.endAgentLeg(call, outcome);
  }

  /** The agent hangs up a connected call: Twilio continues the caller's call with the `<Dial action>`. */
  async agentHangup(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'bridged') throw new Error(`call is not bridged (${call.state})`);
    await this.endAgentLeg(call, 'completed');
  }

  /** Waits for asynchronous work started by REST requests (dequeue → action → dial TwiML). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  // ---- REST API (api.twilio.com) ----

  /** `fetch` for our Twilio REST client, answering under `apiBase` as api.twilio.com would. */
  fetchFor(apiBase: string): FormFetch {
    const base = apiBase.replace(/\/+$/, '');
    return async (url, init) => {
      if (!url.startsWith(base)) throw new TypeError(`simulator does not serve ${url}`);
      const path = url.slice(base.length);
      const form = Object.fromEntries(new URLSearchParams(init.body ?? ''));
      const answer = this.rest(init.method, path, init.headers, form);
      this.restCalls.push({ method: init.method, path, form, status: answer.status });
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'Content-Type': 'application/json' },
      });
    };
  }

  private rest(
    method: string,
    path: string,
    headers: Record<string, string>,
    form: Record<string, string>,
  ): { status: number; body: unknown } {
    // docs: usage/requests-to-twilio — HTTP basic auth with the Account SID and auth token.
    const auth = headers.Authorization ?? headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${this.account.accountSid}:${this.account.authToken}`).toString('base64')}`;
    if (auth !== expected) return restError(401, 20003, 'Authenticate');
    const account = `/2010-04-01/Accounts/${this.account.accountSid}`;
    const member = /^\/Queues\/([^/]+)\/Members\/([^/]+)\.json$/.exec(path.slice(account.length));
    const update = /^\/Calls\/([^/]+)\.json$/.exec(path.slice(account.length));
    if (method !== 'POST' || !path.startsWith(account) || (!member && !update))
      return restError(404, 20404, 'The requested resource was not found');
    return member ? this.dequeue(path, member[1], member[2], form) : this.updateCall(update![1], form);
  }

  /**
   * docs: voice/api/queue-member-resource — "Update a Member": dequeues the member (the `CallSid`, or
   * `Front` for the first in line) and has its call execute the TwiML at `Url` (`Method`, default
   * POST). docs: voice/twiml/enqueue#action — for a REST dequeue the Enqueue `action` is requested
   * right away with `QueueResult=redirected`; its answer is not executed.
   */
  private dequeue(
    path: string,
    queueSid: string,
    memberSid: string,
    form: Record<string, string>,
  ): { status: number; body: unknown } {
    const queue = [...this.queues.values()].find((q) => q.sid === queueSid);
    const callSid = memberSid === 'Front' ? queue?.members[0] : memberSid;
    const call = callSid ? this.calls.get(callSid) : undefined;
    if (!queue || !call || !queue.members.includes(call.sid))
      return restError(404, 20404, `Call ${memberSid} is not a member of queue ${queueSid}`);
    if (!form.Url) return restError(400, 21205, 'Url is required');
    const position = queue.members.indexOf(call.sid) + 1;
    const waited = this.queueTime(call);
    // Out of the queue now: a second request for the same call fails, as at Twilio.
    queue.members.splice(position - 1, 1);
    const enqueue = call.enqueue!;
    call.enqueue = undefined;
    call.state = 'in-progress';
    this.track(
      (async () => {
        if (enqueue.action)
          await this.post(
            enqueue.action,
            this.params(call, { QueueResult: 'redirected', QueueSid: queueSid, QueueTime: waited }),
          );
        await this.fetchTwiml(call, form.Url, {});
      })(),
    );
    return {
      status: 200,
      body: {
        call_sid: call.sid,
        queue_sid: queueSid,
        position,
        wait_time: Number(waited),
        date_enqueued: new Date(enqueue.enqueuedAt).toUTCString(),
        uri: path,
      },
    };
  }

  /**
   * docs: voice/api/call-resource#update-a-call-resource — `Status=completed` ends an in-progress
   * call; `Url` redirects it (a queued call leaves its queue, `QueueResult=redirected`). An ended call
   * cannot be updated (error 21220).
   */
  private updateCall(callSid: string, form: Record<string, string>): { status: number; body: unknown } {
    const call = this.calls.get(callSid);
    if (!call) return restError(404, 20404, `The requested resource Calls/${callSid} was not found`);
    if (call.state === 'ended') return restError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (form.Status === 'completed') this.track(this.hangup(call.sid));
    else if (form.Url)
      this.track(
        (async () => {
          if (call.state === 'queued') await this.leaveQueue(call, 'redirected');
          await this.fetchTwiml(call, form.Url, {});
        })(),
      );
    else return restError(400, 21218, 'Invalid call update: give Url, Twiml or Status');
    return { status: 200, body: { sid: call.sid, status: form.Status ?? call.state } };
  }

  // ---- TwiML execution ----

  /**
   * Requests a TwiML document and executes it. docs: usage/troubleshooting/debugging-event-webhooks
   * (errors 11200/12100) — an error answer or a document that is not TwiML ends the call with "an
   * application error has occurred".
   */
  private async fetchTwiml(call: SimCall, url: string, extra: Record<string, string>): Promise<void> {
    const res = await this.post(url, this.params(call, extra));
    if (call.state === 'ended') return;
    let verbs: XmlNode[];
    try {
      if (res.status !== 200) throw new Error(String(res.status));
      verbs = parseTwiml(res.body);
    } catch (err) {
      call.log.push(`error:${(err as Error).message}`);
      await this.end(call);
      return;
    }
    if (call.state === 'ringing') call.state = 'in-progress';
    await this.execute(call, verbs);
  }

  private async execute(call: SimCall, verbs: XmlNode[]): Promise<void> {
    for (let i = 0; i < verbs.length && call.state !== 'ended'; i++) {
      const verb = verbs[i];
      const after = verbs.slice(i + 1);
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.hear(call, verb);
          break;
        case 'Gather':
          // docs: voice/twiml/gather — nested Say/Play/Pause play while Twilio listens for digits.
          for (const inner of verb.children) this.hear(call, inner);
          call.log.push('gather');
          call.state = 'gathering';
          call.gather = {
            action: verb.attrs.action ?? '',
            numDigits: Number(verb.attrs.numDigits ?? 128),
            actionOnEmptyResult: verb.attrs.actionOnEmptyResult === 'true',
            after,
          };
          return;
        case 'Redirect':
          await this.fetchTwiml(call, verb.text, {});
          return;
        case 'Enqueue':
          await this.enqueue(call, verb, after);
          return;
        case 'Dial':
          await this.dial(call, verb, after);
          return;
        case 'Hangup':
          call.log.push('hangup');
          await this.end(call);
          return;
        default:
          call.log.push(`error:unsupported ${verb.name}`);
          await this.end(call);
          return;
      }
    }
    // docs: voice/twiml#twilio-executes-twiml — when the document runs out, Twilio ends the call.
    if (call.state === 'in-progress') await this.end(call);
  }

  private hear(call: SimCall, verb: XmlNode): void {
    if (verb.name === 'Say') {
      call.log.push(`say:${verb.text}`);
      call.speech.push({ text: verb.text, voice: verb.attrs.voice, language: verb.attrs.language });
    } else if (verb.name === 'Play') {
      call.log.push(`play:${verb.text}`);
    }
  }

  /**
   * docs: voice/twiml/enqueue — the queue is created on demand; a full queue rejects the caller
   * (`QueueResult=queue-full`, no `QueueSid`); otherwise the caller waits while Twilio requests the
   * waitUrl with the queue parameters. Without `action` Twilio continues after `<Enqueue>` once the
   * caller leaves the queue.
   */
  private async enqueue(call: SimCall, verb: XmlNode, after: XmlNode[]): Promise<void> {
    const name = verb.text.trim();
    let queue = this.queues.get(name);
    if (!queue) {
      queue = { sid: sid('QU'), members: [] };
      this.queues.set(name, queue);
    }
    call.log.push(`enqueue:${name}`);
    call.queueName = name;
    call.queueSid = queue.sid;
    const action = verb.attrs.action;
    if (queue.members.length >= (this.opts.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE)) {
      if (action) await this.fetchTwiml(call, action, { QueueResult: 'queue-full' });
      else await this.execute(call, after);
      return;
    }
    queue.members.push(call.sid);
    call.state = 'queued';
    call.enqueue = { action, waitUrl: verb.attrs.waitUrl, enqueuedAt: this.now(), after };
    await this.requestWaitUrl(call);
  }

  /** docs: voice/twiml/enqueue#waiturl — parameters of the waitUrl request and the verbs it may use. */
  private async requestWaitUrl(call: SimCall, url = call.enqueue?.waitUrl): Promise<void> {
    if (!url || call.state !== 'queued') return;
    const queue = this.queues.get(call.queueName!)!;
    const res = await this.post(
      url,
      this.params(call, {
        QueueSid: queue.sid,
        QueuePosition: String(queue.members.indexOf(call.sid) + 1),
        QueueTime: this.queueTime(call),
        AvgQueueTime: this.queueTime(call),
        CurrentQueueSize: String(queue.members.length),
        MaxQueueSize: String(this.opts.maxQueueSize ?? DEFAULT_MAX_QUEUE_SIZE),
      }),
    );
    // Dequeued (or gone) while we waited for the answer: the hold document no longer applies.
    if (call.state !== 'queued') return;
    let verbs: XmlNode[];
    try {
      if (res.status !== 200) throw new Error(String(res.status));
      verbs = parseTwiml(res.body);
    } catch {
      await this.leaveQueue(call, 'error', true);
      return;
    }
    for (const verb of verbs) {
      if (call.state !== 'queued') return;
      if (!WAIT_VERBS.has(verb.name)) {
        await this.leaveQueue(call, 'error', true);
        return;
      }
      if (verb.name === 'Leave') {
        call.log.push('leave');
        await this.leaveQueue(call, 'leave', true);
        return;
      }
      if (verb.name === 'Hangup') {
        call.log.push('hangup');
        await this.hangup(call.sid);
        return;
      }
      if (verb.name === 'Redirect') {
        await this.requestWaitUrl(call, verb.text);
        return;
      }
      // Gather in a hold document: its prompts play; digits are not modelled.
      for (const heard of verb.name === 'Gather' ? verb.children : [verb]) this.hear(call, heard);
    }
    // The document ran out: Twilio requests the waitUrl again (holdMusicEnds drives that).
  }

  /**
   * The caller leaves the queue: docs: voice/twiml/enqueue#action — the `action` gets `QueueResult`,
   * `QueueSid` and `QueueTime`; after `leave` and `error` the call goes on with its answer (or the
   * verbs after `<Enqueue>`); after `hangup` the call is gone and nothing is executed.
   */
  private async leaveQueue(call: SimCall, result: string, continueCall = false): Promise<void> {
    const queue = this.queues.get(call.queueName!)!;
    const waited = this.queueTime(call);
    queue.members = queue.members.filter((m) => m !== call.sid);
    const enqueue = call.enqueue!;
    call.enqueue = undefined;
    call.state = 'in-progress';
    const params = { QueueResult: result, QueueSid: queue.sid, QueueTime: waited };
    if (!continueCall) {
      if (enqueue.action) await this.post(enqueue.action, this.params(call, params));
    } else if (enqueue.action) {
      await this.fetchTwiml(call, enqueue.action, params);
    } else {
      await this.execute(call, enqueue.after);
    }
  }

  /**
   * docs: voice/twiml/dial, voice/twiml/client, voice/twiml/sip — Twilio places a new call leg to the
   * endpoint (its own `CallSid`, `ParentCallSid` = the caller's) and reports the subscribed progress
   * events to the noun's `statusCallback` with `CallbackSource=call-progress-events` and a
   * `SequenceNumber`; the caller hears ringing until the agent answers or `timeout` passes.
   */
  private async dial(call: SimCall, verb: XmlNode, after: XmlNode[]): Promise<void> {
    const target = verb.children.find((c) => c.name === 'Client' || c.name === 'Sip');
    if (!target) {
      call.log.push('error:unsupported Dial');
      await this.end(call);
      return;
    }
    const endpoint = target.text.trim();
    call.agent = `${target.name.toLowerCase()}:${endpoint}`;
    call.log.push(`dial:${call.agent}`);
    call.state = 'dialling';
    call.dial = {
      action: verb.attrs.action,
      timeoutSeconds: Number(verb.attrs.timeout ?? DEFAULT_DIAL_TIMEOUT),
      legSid: sid('CA'),
      statusCallback: target.attrs.statusCallback,
      // docs: voice/twiml/client#statuscallbackevent — without events, only `completed` is sent.
      events: new Set((target.attrs.statusCallbackEvent ?? 'completed').split(/[\s,]+/)),
      sequence: 0,
      after,
    };
    await this.legEvent(call, 'initiated', 'initiated');
    // No Voice SDK can register an identity with other characters, so nothing can ring there.
    if (target.name === 'Client' && !SDK_IDENTITY.test(endpoint)) {
      await this.endAgentLeg(call, 'failed');
      return;
    }
    await this.legEvent(call, 'ringing', 'ringing');
  }

  /**
   * The agent leg ends: docs: voice/twiml/dial#action — its `completed` event, then the `<Dial action>`
   * with `DialCallStatus`, `DialCallSid` and `DialCallDuration`, whose answer the caller's call
   * executes (without `action`: the verbs after `<Dial>`). When the caller has hung up, the action is
   * still requested but nothing is executed.
   */
  private async endAgentLeg(call: SimCall, status: string, callerGone = false): Promise<void> {
    const dial = call.dial!;
    const duration = dial.answeredAt ? String(Math.round((this.now() - dial.answeredAt) / 1000)) : '0';
    await this.legEvent(call, 'completed', status, { CallDuration: duration });
    call.dial = undefined;
    call.state = 'in-progress';
    const params = { DialCallStatus: status, DialCallSid: dial.legSid, DialCallDuration: duration };
    if (callerGone) {
      if (dial.action)
        await this.post(dial.action, this.params(call, { ...params, CallStatus: 'completed' }));
    } else if (dial.action) {
      await this.fetchTwiml(call, dial.action, params);
    } else {
      await this.execute(call, dial.after);
    }
  }

  private async legEvent(
    call: SimCall,
    event: string,
    status: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    const dial = call.dial!;
    if (!dial.statusCallback || !dial.events.has(event)) return;
    await this.post(dial.statusCallback, {
      ...this.params(call, extra),
      CallSid: dial.legSid,
      ParentCallSid: call.sid,
      Direction: 'outbound-dial',
      To: call.agent!.replace(/^sip:/, ''),
      Called: call.agent!.replace(/^sip:/, ''),
      CallStatus: status,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(dial.sequence++),
      Timestamp: new Date(this.now()).toUTCString(),
    });
  }

  /**
   * The call is over. docs: voice/api/call-resource#statuscallback — the number's status callback
   * gets `CallStatus=completed` and `CallDuration`.
   */
  private async end(call: SimCall): Promise<void> {
    if (call.state === 'ended') return;
    call.state = 'ended';
    call.gather = undefined;
    if (call.statusCallback)
      await this.post(
        call.statusCallback,
        this.params(call, {
          CallStatus: 'completed',
          CallDuration: String(Math.round((this.now() - call.startedAt) / 1000)),
        }),
      );
  }

  /** docs: usage/webhooks/voice-webhooks#request-parameters — what every request carries. */
  private params(call: SimCall, extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.account.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.state === 'ended' ? 'completed' : 'in-progress',
      Direction: 'inbound',
      From: call.from,
      Caller: call.from,
      To: call.to,
      Called: call.to,
      ...extra,
    };
  }

  /**
   * docs: usage/webhooks/webhooks-security — every request is a form POST signed with
   * `X-Twilio-Signature` over the exact URL and the sorted parameters.
   */
  private async post(url: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
    const res = await this.deliver(url, form, {
      'X-Twilio-Signature': this.sign(this.account.authToken, url, form),
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'TwilioProxy/1.1',
    });
    this.webhooks.push({ path: new URL(url).pathname.split('/').pop()!, params: form, status: res.status });
    return res;
  }

  private queueTime(call: SimCall): string {
    return String(Math.round((this.now() - (call.enqueue?.enqueuedAt ?? this.now())) / 1000));
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private mustGet(callSid: string): SimCall {
    const call = this.calls.get(callSid);
    if (!call) throw new Error('unknown call');
    return call;
  }
}

function sid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

function restError(status: number, code: number, message: string) {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

async function defaultDeliver(url: string, form: Record<string, string>, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: await res.text() };
}

/** Parses the subset of XML that TwiML uses (elements, attributes, text, entities). */
export function parseTwiml(xml: string): XmlNode[] {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const re = /<\?[^>]*\?>|<(\/?)([A-Za-z]+)((?:\s+[A-Za-z:]+="[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const [, closing, name, attrText, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (text !== undefined) {
      top.text += decode(text);
    } else if (name && closing) {
      stack.pop();
    } else if (name) {
      const attrs: Record<string, string> = {};
      for (const a of (attrText ?? '').matchAll(/([A-Za-z:]+)="([^"]*)"/g)) attrs[a[1]] = decode(a[2]);
      const node: XmlNode = { name, attrs, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  const response = root.children.find((c) => c.name === 'Response');
  if (!response) throw new Error('not TwiML: no <Response>');
  return response.children;
}

function decode(s: string): string {
  return s.replace(
    /&(lt|gt|amp|apos|quot);/g,
    (_, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e]!,
  );
}
