/**
 * The Lambda function between a municipality's Amazon Connect instance and Veilig bellen. It has two
 * callers (docs/protocols/amazon-connect.md §C1 and §C6):
 *
 * - the contact flows, with the documented `ContactFlowEvent` (`Details.ContactData`,
 *   `Details.Parameters.action`): `lookup` redeems the DTMF code the caller typed, `queued` reports
 *   each round of the hold loop. It answers a flat map of strings, as the flow requires.
 * - an EventBridge rule with the contact events of Veilig contacts: an agent answered
 *   (`CONNECTED_TO_AGENT`), the offer to the chosen agent expired (`CONTACT_DATA_UPDATED`, a routing
 *   step `EXPIRED`), the call ended (`DISCONNECTED`: Veilig deletes the caller's data).
 *
 * Each becomes one request to Veilig's authenticated exchange API with the municipality's exchange
 * key. Nothing of the caller is logged: not the event, the code, the number or the session.
 * No dependencies but the AWS SDK for JavaScript v3 that the Lambda Node.js runtime provides
 * (Secrets Manager, only when the key comes from there).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The documented contact-flow invocation (`Name: ContactFlowEvent`). */
export interface ContactFlowEvent {
  Name: 'ContactFlowEvent';
  Details: {
    ContactData: {
      ContactId: string;
      InstanceARN?: string;
      Channel?: string;
      CustomerEndpoint?: { Address?: string; Type?: string } | null;
      Queue?: { ARN?: string; Name?: string } | null;
      Attributes?: Record<string, string>;
    };
    Parameters?: Record<string, string>;
  };
}

/** An EventBridge event of the `Amazon Connect Contact Event` type (fields as documented, any case). */
export interface ContactEventEnvelope {
  source: 'aws.connect';
  'detail-type': 'Amazon Connect Contact Event';
  detail: Record<string, unknown>;
}

/** The flat string map a contact flow reads as `$.External.<key>`. */
export type FlowAnswer = Record<string, string>;

export interface HandlerConfig {
  /** Veilig's base URL, e.g. `https://veilig.gemeente.nl` (or its internal exchange port). */
  veiligUrl: string;
  municipalityId: string;
  /** The exchange key itself (VEILIG_EXCHANGE_KEY), or where Secrets Manager keeps it. */
  key: { kind: 'value'; value: string } | { kind: 'secret'; secretId: string };
  /** Contact events of other instances are ignored. */
  instanceArn: string | null;
  /** How long a key read from Secrets Manager is reused. */
  keyCacheMs: number;
  /** Per request to Veilig; the flow's Lambda block allows at most 8 s in all. */
  timeoutMs: number;
}

export interface HandlerDeps {
  fetch: typeof fetch;
  /** Reads a secret's `SecretString`. */
  readSecret: (secretId: string) => Promise<string>;
  log: (line: Record<string, string | number>) => void;
  now: () => number;
}

/** Wrong codes a caller may type in one call before the flow gives up (as with Twilio). */
export const MAX_ATTEMPTS = 3;

const CONTACT_EVENT = 'Amazon Connect Contact Event';

class VeiligError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
  ) {
    super(`Veilig answered ${status}`);
  }
}

/** The handler for a configuration; `handler` below is this with the Lambda's environment. */
export function createHandler(
  config: HandlerConfig,
  deps: HandlerDeps,
): (event: ContactFlowEvent | ContactEventEnvelope) => Promise<FlowAnswer | void> {
  let cachedKey: { value: string; at: number } | null = null;

  async function exchangeKey(fresh: boolean): Promise<string> {
    if (config.key.kind === 'value') return config.key.value;
    if (!fresh && cachedKey && deps.now() - cachedKey.at < config.keyCacheMs) return cachedKey.value;
    cachedKey = { value: (await deps.readSecret(config.key.secretId)).trim(), at: deps.now() };
    return cachedKey.value;
  }

  /**
   * POST to the exchange API. A 401 means the key was rotated: read the secret again and retry once,
   * so a new key put into Secrets Manager is used at once and not only when the cache runs out. A
   * network failure or 5xx is retried once too: Veilig answers a call asking again for its own code
   * with the same session, so a lost answer does not cost the caller the code.
   */
  async function post(path: 'lookup' | 'events', body: Record<string, string>): Promise<unknown> {
    let freshKey = false;
    for (let attempt = 0; ; attempt++) {
      const key = await exchangeKey(freshKey);
      let res: Response;
      try {
        res = await deps.fetch(
          `${config.veiligUrl.replace(/\/+$/, '')}/api/veilig-bellen/exchange/v1/${config.municipalityId}/${path}`,
          {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(config.timeoutMs),
          },
        );
      } catch (err) {
        if (attempt === 0) continue;
        throw err;
      }
      if (res.status === 401 && !freshKey && config.key.kind === 'secret') {
        freshKey = true;
        continue;
      }
      if (res.status >= 500 && attempt === 0) continue;
      if (res.status === 204) return null;
      const answer = (await res.json().catch(() => ({}))) as { type?: string };
      if (!res.ok) throw new VeiligError(res.status, (answer.type ?? '').split('/').pop() ?? '');
      return answer;
    }
  }

  /** `lookup`: the code the caller typed → `ok` + session id, `wrong-code`, `give-up`, `rate-limited`, `error`. */
  async function lookup(event: ContactFlowEvent): Promise<FlowAnswer> {
    const { ContactData: contact, Parameters: params = {} } = event.Details;
    const attempt = Math.max(Number.parseInt(params.attempt ?? '0', 10) || 0, 0) + 1;
    const wrong = (): FlowAnswer => ({
      result: attempt >= MAX_ATTEMPTS ? 'give-up' : 'wrong-code',
      attempt: String(attempt),
    });
    const dtmf = params.dtmf ?? '';
    // No or a short input (the caller typed nothing in time) counts as a try, without asking Veilig.
    if (!/^[0-9]{10}$/.test(dtmf)) return wrong();
    try {
      const answer = (await post('lookup', {
        dtmf,
        callRef: contact.ContactId,
        // A withheld number: the contact id, so wrong codes still count for this call.
        caller: callerId(contact.CustomerEndpoint?.Address) ?? contact.ContactId,
      })) as { sessionId: string };
      return { result: 'ok', sessionId: answer.sessionId, attempt: String(attempt) };
    } catch (err) {
      if (err instanceof VeiligError && err.status === 404) return wrong();
      if (err instanceof VeiligError && err.status === 429) return { result: 'rate-limited' };
      throw err;
    }
  }

  /** `queued`: one round of the hold loop → `waiting`, or `ended` when Veilig let the call go. */
  async function queued(event: ContactFlowEvent): Promise<FlowAnswer> {
    const contact = event.Details.ContactData;
    try {
      await post('events', {
        event: 'queued',
        callRef: contact.ContactId,
        queueRef: queueRef(contact.Queue),
      });
      return { result: 'waiting' };
    } catch (err) {
      if (err instanceof VeiligError && err.status === 404) return { result: 'ended' };
      throw err;
    }
  }

  async function flow(event: ContactFlowEvent): Promise<FlowAnswer> {
    const action = event.Details.Parameters?.action ?? '';
    try {
      const answer =
        action === 'lookup' ? await lookup(event) : action === 'queued' ? await queued(event) : null;
      if (!answer) {
        deps.log({ veiligBellen: 'flow', action: 'unknown', result: 'error' });
        return { result: 'error' };
      }
      deps.log({ veiligBellen: 'flow', action, result: answer.result });
      return answer;
    } catch (err) {
      // Never throw back to the flow: Amazon Connect would invoke us again (up to 3 times), and a
      // queued caller keeps waiting on `error` while a code is checked once more on the next try.
      deps.log({ veiligBellen: 'flow', action, result: 'error', ...failure(err) });
      return action === 'queued' ? { result: 'waiting' } : { result: 'error' };
    }
  }

  /** A contact event → connected / missed / ended; other events and other instances are ignored. */
  async function contactEvent(envelope: ContactEventEnvelope): Promise<void> {
    const detail = envelope.detail ?? {};
    const eventType = field(detail, 'eventType');
    const contactId = field(detail, 'contactId');
    const instanceArn = field(detail, 'instanceArn');
    if (typeof contactId !== 'string' || (config.instanceArn && instanceArn !== config.instanceArn)) return;
    let veiligEvent: 'connected' | 'missed' | 'ended' | null = null;
    if (eventType === 'CONNECTED_TO_AGENT') veiligEvent = 'connected';
    else if (eventType === 'DISCONNECTED') veiligEvent = 'ended';
    else if (eventType === 'CONTACT_DATA_UPDATED' && routingStepExpired(detail)) veiligEvent = 'missed';
    if (!veiligEvent) return;
    try {
      await post('events', { event: veiligEvent, callRef: contactId });
      deps.log({ veiligBellen: 'contact-event', event: veiligEvent, result: 'ok' });
    } catch (err) {
      // A `missed` for a call that is over needs nothing more.
      if (err instanceof VeiligError && err.status === 404) return;
      deps.log({ veiligBellen: 'contact-event', event: veiligEvent, result: 'error', ...failure(err) });
      // EventBridge invokes asynchronously: a thrown error makes Lambda try again (twice by default).
      throw new Error(`Veilig did not take the ${veiligEvent} event`);
    }
  }

  return async (event) => {
    if (isContactEvent(event)) return contactEvent(event);
    if (event.Name === 'ContactFlowEvent') return flow(event);
    deps.log({ veiligBellen: 'unknown-event' });
    return { result: 'error' };
  };
}

/** The configuration from the Lambda's environment variables (docs/veilig-bellen.md, "Setting up Amazon Connect"). */
export function configFromEnv(env: Record<string, string | undefined>): HandlerConfig {
  const missing = ['VEILIG_URL', 'VEILIG_MUNICIPALITY_ID'].filter((name) => !env[name]);
  if (!env.VEILIG_EXCHANGE_KEY && !env.VEILIG_EXCHANGE_KEY_SECRET)
    missing.push('VEILIG_EXCHANGE_KEY_SECRET (or VEILIG_EXCHANGE_KEY)');
  if (missing.length) throw new Error(`Missing environment variables: ${missing.join(', ')}`);
  return {
    veiligUrl: env.VEILIG_URL!,
    municipalityId: env.VEILIG_MUNICIPALITY_ID!,
    key: env.VEILIG_EXCHANGE_KEY_SECRET
      ? { kind: 'secret', secretId: env.VEILIG_EXCHANGE_KEY_SECRET }
      : { kind: 'value', value: env.VEILIG_EXCHANGE_KEY! },
    instanceArn: env.VEILIG_CONNECT_INSTANCE_ARN || null,
    keyCacheMs: Number(env.VEILIG_KEY_CACHE_SECONDS ?? 300) * 1000,
    timeoutMs: Number(env.VEILIG_TIMEOUT_MS ?? 3000),
  };
}

/** Reads a secret through the AWS SDK (the function's execution role needs secretsmanager:GetSecretValue). */
export function secretsManagerReader(client: SecretsManagerClient): (secretId: string) => Promise<string> {
  return async (secretId) => {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof res.SecretString !== 'string') throw new Error('the secret has no SecretString');
    return res.SecretString;
  };
}

let configured: ReturnType<typeof createHandler> | null = null;

/** The Lambda entry point (`index.handler` in the bundle). */
export async function handler(event: ContactFlowEvent | ContactEventEnvelope): Promise<FlowAnswer | void> {
  configured ??= createHandler(configFromEnv(process.env), {
    fetch: (url, init) => fetch(url, init),
    readSecret: secretsManagerReader(new SecretsManagerClient({})),
    log: (line) => console.log(JSON.stringify(line)),
    now: () => Date.now(),
  });
  return configured(event);
}

function isContactEvent(event: unknown): event is ContactEventEnvelope {
  const e = event as Partial<ContactEventEnvelope>;
  return e.source === 'aws.connect' && e['detail-type'] === CONTACT_EVENT;
}

/**
 * A field of a contact event's `detail`. The documentation's samples spell the same fields both
 * `contactId` and `ContactId`, so both are read.
 */
function field(detail: Record<string, unknown>, name: string): unknown {
  return detail[name] ?? detail[name[0].toUpperCase() + name.slice(1)];
}

/** Whether a `CONTACT_DATA_UPDATED` says a routing step expired (`routingCriteria.steps[].status`). */
function routingStepExpired(detail: Record<string, unknown>): boolean {
  const criteria = field(detail, 'routingCriteria') as Record<string, unknown> | undefined;
  const steps = criteria && (field(criteria, 'steps') as Record<string, unknown>[] | undefined);
  return Array.isArray(steps) && steps.some((step) => field(step, 'status') === 'EXPIRED');
}

/** The queue's id (the last part of its ARN): short enough for Veilig's `queueRef`. */
function queueRef(queue: { ARN?: string; Name?: string } | null | undefined): string {
  const id = queue?.ARN?.split('/').pop() ?? queue?.Name ?? 'queue';
  return id.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64);
}

function callerId(address: string | undefined): string | null {
  return address && /^[A-Za-z0-9+_.:-]{1,64}$/.test(address) ? address : null;
}

/** What went wrong, without anything of the caller: the HTTP status or the error's name. */
function failure(err: unknown): Record<string, string | number> {
  return err instanceof VeiligError
    ? { status: err.status }
    : { error: err instanceof Error ? err.name : 'error' };
}
