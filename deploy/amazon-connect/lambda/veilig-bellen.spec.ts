import {
  configFromEnv,
  createHandler,
  MAX_ATTEMPTS,
  type ContactFlowEvent,
  type HandlerConfig,
} from './veilig-bellen';

const MUNICIPALITY = '0b4a5a5e-3c6d-4c8e-9a43-1f0d2c3b4a59';
const INSTANCE = 'arn:aws:connect:eu-central-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const CALLER = '+31612345678';
const DTMF = '0123456789';

function flowEvent(parameters: Record<string, string>): ContactFlowEvent {
  return {
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        ContactId: 'c0ffee00-0000-4000-8000-000000000001',
        InstanceARN: INSTANCE,
        Channel: 'VOICE',
        CustomerEndpoint: { Address: CALLER, Type: 'TELEPHONE_NUMBER' },
        Queue: { ARN: `${INSTANCE}/queue/99999999-8888-7777-6666-555555555555`, Name: 'Veilig bellen' },
        Attributes: {},
      },
      Parameters: parameters,
    },
  };
}

function contactEvent(detail: Record<string, unknown>) {
  return { source: 'aws.connect', 'detail-type': 'Amazon Connect Contact Event', detail } as const;
}

function setUp(answers: (Response | Error)[], overrides: Partial<HandlerConfig> = {}) {
  const requests: { url: string; body: Record<string, string>; key: string }[] = [];
  const log: Record<string, string | number>[] = [];
  const secrets = ['old-key-old-key-old-key-old', 'new-key-new-key-new-key-new'];
  let reads = 0;
  const sut = createHandler(
    {
      veiligUrl: 'https://veilig.example/',
      municipalityId: MUNICIPALITY,
      key: { kind: 'secret', secretId: 'veilig-key' },
      instanceArn: INSTANCE,
      keyCacheMs: 60_000,
      timeoutMs: 1000,
      ...overrides,
    },
    {
      fetch: async (url, init) => {
        const headers = init!.headers as Record<string, string>;
        requests.push({
          url: url as string,
          body: JSON.parse(init!.body as string),
          key: headers.Authorization,
        });
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        if (next instanceof Error) throw next;
        return next;
      },
      readSecret: async () => secrets[Math.min(reads++, 1)],
      log: (line) => log.push(line),
      now: () => 0,
    },
  );
  return { sut, requests, log, reads: () => reads };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const problem = (status: number, type: string) =>
  json(status, { type: `https://veilig.example/problems/${type}` });

describe('the Amazon Connect Lambda function', () => {
  it('redeems the code with the contact id and the calling number, answering a flat string map', async () => {
    const { sut, requests, log } = setUp([json(200, { sessionId: 'session-1' })]);
    await expect(sut(flowEvent({ action: 'lookup', dtmf: DTMF, attempt: '' }))).resolves.toEqual({
      result: 'ok',
      sessionId: 'session-1',
      attempt: '1',
    });
    expect(requests).toEqual([
      {
        url: `https://veilig.example/api/veilig-bellen/exchange/v1/${MUNICIPALITY}/lookup`,
        body: { dtmf: DTMF, callRef: 'c0ffee00-0000-4000-8000-000000000001', caller: CALLER },
        key: 'Bearer old-key-old-key-old-key-old',
      },
    ]);
    // The log says what happened, never who called or with which code.
    expect(JSON.stringify(log)).not.toMatch(new RegExp(`${DTMF}|\\${CALLER}|session-1|c0ffee00`));
  });

  it('counts wrong and missing codes per call and gives up after the third', async () => {
    const { sut, requests } = setUp([problem(404, 'unknown-code'), problem(404, 'unknown-code')]);
    await expect(sut(flowEvent({ action: 'lookup', dtmf: DTMF, attempt: '' }))).resolves.toMatchObject({
      result: 'wrong-code',
      attempt: '1',
    });
    // A short or empty input is a try too, without asking Veilig.
    await expect(sut(flowEvent({ action: 'lookup', dtmf: '12', attempt: '1' }))).resolves.toMatchObject({
      result: 'wrong-code',
      attempt: '2',
    });
    await expect(
      sut(flowEvent({ action: 'lookup', dtmf: DTMF, attempt: String(MAX_ATTEMPTS - 1) })),
    ).resolves.toMatchObject({ result: 'give-up' });
    expect(requests).toHaveLength(2);
  });

  it('passes on the rate limit and never throws back to the flow', async () => {
    const limited = setUp([problem(429, 'rate-limited')]);
    await expect(limited.sut(flowEvent({ action: 'lookup', dtmf: DTMF }))).resolves.toEqual({
      result: 'rate-limited',
    });
    const down = setUp([new Error('ECONNREFUSED'), new Error('ECONNREFUSED')]);
    await expect(down.sut(flowEvent({ action: 'lookup', dtmf: DTMF }))).resolves.toEqual({ result: 'error' });
    expect(down.requests).toHaveLength(2); // one retry: Veilig gives the same call its session again
    expect(down.log).toEqual([{ veiligBellen: 'flow', action: 'lookup', result: 'error', error: 'Error' }]);
    await expect(setUp([]).sut(flowEvent({ action: 'transfer' }))).resolves.toEqual({ result: 'error' });
  });

  it('reads the key again when Veilig refuses it, and retries once', async () => {
    const { sut, requests, reads } = setUp([
      problem(401, 'exchange-unauthorized'),
      json(200, { sessionId: 's' }),
    ]);
    await expect(sut(flowEvent({ action: 'lookup', dtmf: DTMF }))).resolves.toMatchObject({ result: 'ok' });
    expect(requests.map((r) => r.key)).toEqual([
      'Bearer old-key-old-key-old-key-old',
      'Bearer new-key-new-key-new-key-new',
    ]);
    expect(reads()).toBe(2);
  });

  it('reports the hold loop, and tells the flow to let the caller go once the call is over', async () => {
    const { sut, requests } = setUp([
      new Response(null, { status: 204 }),
      problem(404, 'call-ended'),
      json(500, {}),
      json(500, {}),
    ]);
    await expect(sut(flowEvent({ action: 'queued' }))).resolves.toEqual({ result: 'waiting' });
    expect(requests[0].body).toEqual({
      event: 'queued',
      callRef: 'c0ffee00-0000-4000-8000-000000000001',
      queueRef: '99999999-8888-7777-6666-555555555555',
    });
    await expect(sut(flowEvent({ action: 'queued' }))).resolves.toEqual({ result: 'ended' });
    // Veilig unreachable: the caller keeps waiting; the next round asks again.
    await expect(sut(flowEvent({ action: 'queued' }))).resolves.toEqual({ result: 'waiting' });
  });

  it('turns contact events into call events, in either spelling of the documented samples', async () => {
    const { sut, requests } = setUp([
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
    ]);
    await sut(contactEvent({ eventType: 'CONNECTED_TO_AGENT', contactId: 'c1', instanceArn: INSTANCE }));
    await sut(contactEvent({ EventType: 'DISCONNECTED', ContactId: 'c2', InstanceArn: INSTANCE }));
    await sut(
      contactEvent({
        eventType: 'CONTACT_DATA_UPDATED',
        contactId: 'c3',
        instanceArn: INSTANCE,
        updatedProperties: ['RoutingCriteria.Step.Status'],
        routingCriteria: { steps: [{ status: 'EXPIRED' }, { status: 'ACTIVE' }], index: 1 },
      }),
    );
    // Not ours to act on: attributes updated, another instance, an event type we do not use.
    await sut(
      contactEvent({
        eventType: 'CONTACT_DATA_UPDATED',
        contactId: 'c4',
        instanceArn: INSTANCE,
        routingCriteria: { steps: [{ status: 'ACTIVE' }] },
      }),
    );
    await sut(
      contactEvent({
        eventType: 'DISCONNECTED',
        contactId: 'c5',
        instanceArn: INSTANCE.replace('1111', '9999'),
      }),
    );
    await sut(contactEvent({ eventType: 'QUEUED', contactId: 'c6', instanceArn: INSTANCE }));
    expect(requests.map((r) => r.body)).toEqual([
      { event: 'connected', callRef: 'c1' },
      { event: 'ended', callRef: 'c2' },
      { event: 'missed', callRef: 'c3' },
    ]);
  });

  it('throws on a contact event Veilig could not take, so Lambda retries it', async () => {
    const { sut } = setUp([json(503, {}), json(503, {}), problem(404, 'call-ended')]);
    await expect(
      sut(contactEvent({ eventType: 'DISCONNECTED', contactId: 'c1', instanceArn: INSTANCE })),
    ).rejects.toThrow(/ended event/);
    // A `missed` for a call that is already over needs nothing more.
    await expect(
      sut(
        contactEvent({
          eventType: 'CONTACT_DATA_UPDATED',
          contactId: 'c1',
          instanceArn: INSTANCE,
          routingCriteria: { steps: [{ status: 'EXPIRED' }] },
        }),
      ),
    ).resolves.toBeUndefined();
  });

  it('reads its configuration from the environment and names what is missing', () => {
    expect(() => configFromEnv({})).toThrow(/VEILIG_URL, VEILIG_MUNICIPALITY_ID, VEILIG_EXCHANGE_KEY_SECRET/);
    expect(
      configFromEnv({
        VEILIG_URL: 'https://v',
        VEILIG_MUNICIPALITY_ID: MUNICIPALITY,
        VEILIG_EXCHANGE_KEY: 'k',
      }),
    ).toMatchObject({
      key: { kind: 'value', value: 'k' },
      instanceArn: null,
      keyCacheMs: 300_000,
      timeoutMs: 3000,
    });
  });
});
