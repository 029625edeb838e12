/**
 * A stand-in for Twilio Programmable Voice in tests and the embedded demo: it places calls by sending
 * signed webhooks (`X-Twilio-Signature`, form-encoded, Twilio's parameter names), executes the TwiML
 * it gets back (Say, Pause, Gather, Redirect, Enqueue, Dial, Hangup), and answers the Queue Members
 * REST call, recording every REST request. Only the first dequeue of a call succeeds, as at Twilio.
 */
import { randomBytes } from 'node:crypto';
import type { FormFetch } from './twilio-rest';
import { twilioSignature } from './twilio-signature';

export type Deliver = (
  url: string,
  form: Record<string, string>,
  headers: Record<string, string>,
) => Promise<{ status: number; body: string }>;

export interface SimCall {
  sid: string;
  from: string;
  to: string;
  state: 'ringing' | 'gathering' | 'queued' | 'bridged' | 'ended';
  /** What the caller heard and what happened, in order (`say:…`, `gather`, `enqueue:…`, `dial:client:…`, `hangup`). */
  log: string[];
  queueName?: string;
  queueSid?: string;
  agent?: string;
  gather?: { action: string; after: XmlNode[] };
  enqueueAction?: string;
  agentStatusCallback?: string;
  statusCallback?: string;
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

export class TwilioSimulator {
  readonly calls = new Map<string, SimCall>();
  readonly restCalls: RecordedRestCall[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    readonly account: { accountSid: string; authToken: string },
    /** How webhooks reach the application (fetch to its URL, or supertest in e2e tests). */
    public deliver: Deliver = defaultDeliver,
  ) {}

  /** A caller dials the municipality's number: Twilio posts the incoming-call webhook. */
  async placeCall(opts: {
    from: string;
    to: string;
    voiceUrl: string;
    statusCallback?: string;
  }): Promise<SimCall> {
    const call: SimCall = {
      sid: `CA${randomBytes(16).toString('hex')}`,
      from: opts.from,
      to: opts.to,
      state: 'ringing',
      log: [],
      statusCallback: opts.statusCallback,
    };
    this.calls.set(call.sid, call);
    await this.request(call, opts.voiceUrl, { CallStatus: 'ringing' });
    return call;
  }

  /** The caller's phone sends DTMF tones while a `<Gather>` listens. */
  async press(callSid: string, digits: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'gathering' || !call.gather)
      throw new Error(`call is not gathering (state ${call.state})`);
    const { action } = call.gather;
    call.gather = undefined;
    await this.request(call, action, { Digits: digits, CallStatus: 'in-progress' });
  }

  /** The `<Gather>` times out without input: Twilio continues with the verbs after it. */
  async silence(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'gathering' || !call.gather) throw new Error('call is not gathering');
    const after = call.gather.after;
    call.gather = undefined;
    await this.execute(call, after);
  }

  /** The caller hangs up. */
  async hangup(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state === 'queued' && call.enqueueAction)
      await this.request(
        call,
        call.enqueueAction,
        { QueueResult: 'hangup', QueueSid: call.queueSid ?? '', CallStatus: 'completed' },
        true,
      );
    if (call.state === 'bridged' && call.agentStatusCallback)
      await this.post(
        call.agentStatusCallback,
        this.params(call, {
          CallStatus: 'completed',
          CallbackSource: 'call-progress-events',
          StatusCallbackEvent: 'completed',
        }),
      );
    await this.end(call);
  }

  /** The agent hangs up the bridged call. */
  async agentHangup(callSid: string): Promise<void> {
    const call = this.mustGet(callSid);
    if (call.state !== 'bridged' || !call.agentStatusCallback) throw new Error('call is not bridged');
    await this.post(
      call.agentStatusCallback,
      this.params(call, {
        CallStatus: 'completed',
        CallbackSource: 'call-progress-events',
        StatusCallbackEvent: 'completed',
      }),
    );
    await this.end(call);
  }

  /** Waits for asynchronous work started by REST calls (dequeue → fetch the dial TwiML). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

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
    const auth = headers.Authorization ?? headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${this.account.accountSid}:${this.account.authToken}`).toString('base64')}`;
    if (auth !== expected)
      return { status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } };
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Queues\/([^/]+)\/Members\/([^/]+)\.json$/.exec(path);
    if (!m || method !== 'POST' || m[1] !== this.account.accountSid)
      return {
        status: 404,
        body: { code: 20404, message: 'The requested resource was not found', status: 404 },
      };
    const [, , queueSid, callSid] = m;
    const call = this.calls.get(callSid);
    if (!call || call.state !== 'queued' || call.queueSid !== queueSid) {
      return {
        status: 404,
        body: { code: 20404, message: `Call ${callSid} is not a member of queue ${queueSid}`, status: 404 },
      };
    }
    if (!form.Url) return { status: 400, body: { code: 21205, message: 'Url is required', status: 400 } };
    // Dequeued now, so a second request for the same call fails like Twilio's does.
    call.state = 'bridged';
    const work = (async () => {
      if (call.enqueueAction)
        await this.request(
          call,
          call.enqueueAction,
          { QueueResult: 'bridged', QueueSid: queueSid, CallStatus: 'in-progress' },
          true,
        );
      await this.request(call, form.Url, { QueueSid: queueSid, CallStatus: 'in-progress' });
    })();
    this.track(work);
    return {
      status: 200,
      body: {
        call_sid: callSid,
        queue_sid: queueSid,
        position: 1,
        wait_time: 1,
        date_enqueued: new Date().toUTCString(),
        uri: path,
      },
    };
  }

  private async request(
    call: SimCall,
    url: string,
    extra: Record<string, string>,
    ignoreTwiml = false,
  ): Promise<void> {
    const res = await this.post(url, this.params(call, extra));
    if (ignoreTwiml || call.state === 'ended') return;
    if (res.status !== 200) {
      // Twilio plays "an application error has occurred" and hangs up.
      call.log.push(`error:${res.status}`);
      await this.end(call);
      return;
    }
    await this.execute(call, parseTwiml(res.body));
  }

  private async execute(call: SimCall, verbs: XmlNode[]): Promise<void> {
    for (let i = 0; i < verbs.length; i++) {
      const verb = verbs[i];
      switch (verb.name) {
        case 'Say':
          call.log.push(`say:${verb.text}`);
          break;
        case 'Pause':
        case 'Play':
          break;
        case 'Gather':
          for (const inner of verb.children) if (inner.name === 'Say') call.log.push(`say:${inner.text}`);
          call.log.push('gather');
          call.state = 'gathering';
          call.gather = { action: verb.attrs.action ?? '', after: verbs.slice(i + 1) };
          return;
        case 'Redirect':
          await this.request(call, verb.text, {});
          return;
        case 'Enqueue': {
          call.state = 'queued';
          call.queueName = verb.text;
          call.queueSid = `QU${Buffer.from(verb.text).toString('hex').padEnd(32, '0').slice(0, 32)}`;
          call.enqueueAction = verb.attrs.action;
          call.log.push(`enqueue:${verb.text}`);
          // The hold TwiML is not executed in a loop here; one request records the queue.
          if (verb.attrs.waitUrl)
            await this.post(
              verb.attrs.waitUrl,
              this.params(call, {
                QueueSid: call.queueSid,
                QueuePosition: '1',
                QueueTime: '0',
                CurrentQueueSize: '1',
              }),
            );
          return;
        }
        case 'Dial': {
          const target = verb.children.find((c) => c.name === 'Client' || c.name === 'Sip');
          if (!target) break;
          call.agent = `${target.name.toLowerCase()}:${target.text}`;
          call.agentStatusCallback = target.attrs.statusCallback;
          call.log.push(`dial:${call.agent}`);
          call.state = 'bridged';
          if (call.agentStatusCallback) {
            await this.post(
              call.agentStatusCallback,
              this.params(call, {
                CallStatus: 'in-progress',
                CallbackSource: 'call-progress-events',
                StatusCallbackEvent: 'answered',
              }),
            );
          }
          // The call stays bridged until someone hangs up.
          return;
        }
        case 'Hangup':
          call.log.push('hangup');
          await this.end(call);
          return;
        default:
          call.log.push(`unsupported:${verb.name}`);
      }
    }
    // Twilio hangs up when the TwiML runs out.
    if (call.state !== 'queued' && call.state !== 'bridged' && call.state !== 'gathering')
      await this.end(call);
  }

  private async end(call: SimCall): Promise<void> {
    if (call.state === 'ended') return;
    call.state = 'ended';
    if (call.statusCallback)
      await this.post(
        call.statusCallback,
        this.params(call, { CallStatus: 'completed', CallDuration: '42' }),
      );
  }

  private params(call: SimCall, extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.account.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: 'in-progress',
      Direction: 'inbound',
      From: call.from,
      To: call.to,
      ...extra,
    };
  }

  private post(url: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
    const signature = twilioSignature(this.account.authToken, url, form);
    return this.deliver(url, form, {
      'X-Twilio-Signature': signature,
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'TwilioProxy/1.1',
    });
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
