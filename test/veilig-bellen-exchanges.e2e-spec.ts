/**
 * Veilig bellen end to end on both phone exchanges, with the same scenarios: widget → IRMA simulator →
 * the call with the DTMF code (Twilio's webhooks, or Amazon Connect's contact flow invoking the Lambda
 * function) → console → an agent takes the call and it reaches their phone → the call ends → nothing
 * of the caller is left; wrong and reused codes; the maximum age; an exchange key rotated while calls
 * wait. Then what only Amazon Connect has: signed SDK requests, the EventBridge rule, the Lambda's logs.
 */
import { ConnectClient, StopContactCommand } from '@aws-sdk/client-connect';
import { DataSource } from 'typeorm';
import { CallSession } from '../src/modules/veilig-bellen/entities/call-session.entity';
import { VeiligBellenSimulators } from '../src/modules/veilig-bellen/veilig-bellen.gateways';
import { VeiligBellenService } from '../src/modules/veilig-bellen/veilig-bellen.service';
import { AGENT_OFFER_SECONDS, HOLD_ATTRIBUTE } from '../src/protocol/telephony/amazon-connect';
import { DUTCH_PROMPTS } from '../src/protocol/telephony/prompts';
import { createUser, startApp, type TestApp } from './support/app';
import {
  connectEnv,
  connectLine,
  startConnectSimulator,
  twilioLine,
  type ConnectLine,
  type PhoneLine,
} from './support/phone-lines';
import { freshEnv, testName } from './support/profile';
import {
  ATTRS,
  clientTokenOf,
  consoleCalls,
  dumpDatabase,
  GEMEENTE_ORIGIN,
  signIn,
  startWidgetSession,
  takeCall,
} from './support/veilig-bellen';

const CITIZEN = {
  [ATTRS.bsn]: '123456782',
  [ATTRS.firstnames]: 'Mirjam Elisabeth',
  [ATTRS.surname]: 'Zonneveld-Brinkhorst',
};

let t: TestApp;
let connect: Awaited<ReturnType<typeof startConnectSimulator>>;
const lines: Record<'twilio' | 'amazon-connect', PhoneLine> = {} as never;

beforeAll(async () => {
  // setUpMunicipality names agents agent<n>@<slug>.test: they are the instance's users by username.
  connect = await startConnectSimulator(['agent1@gemeente-aan-zee.test', 'agent2@gemeente-aan-zee.test']);
  t = await startApp({ env: await freshEnv(testName(), connectEnv(connect.sim)), listen: true });
  lines.twilio = await twilioLine(t, 'Gemeente Twilio');
  lines['amazon-connect'] = await connectLine(t, 'Gemeente aan Zee', connect);
});
afterAll(async () => {
  await t?.close();
  await connect?.sim.close();
});

describe.each(['twilio', 'amazon-connect'] as const)('Veilig bellen on %s', (provider) => {
  const line = () => lines[provider];
  const m = () => line().municipality;

  function widgetStatus(token: string) {
    return t
      .http()
      .get(`/api/veilig-bellen/widget/${m().id}/status`)
      .set('Origin', GEMEENTE_ORIGIN)
      .set('Authorization', `Bearer ${token}`);
  }

  async function disclosedSession() {
    const res = await startWidgetSession(t, m().id).expect(201);
    t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(res.body.sessionPtr), CITIZEN);
    expect((await widgetStatus(res.body.statusToken).expect(200)).body).toEqual({ state: 'disclosed' });
    return res.body as { dtmf: string; statusToken: string };
  }

  async function waitingCall(from: string) {
    const s = await disclosedSession();
    const call = await line().callIn(s.dtmf, from);
    expect(line().state(call)).toBe('queued');
    return { s, call };
  }

  it('runs the whole call and leaves no trace of the caller', async () => {
    const from = '+31612340001';
    const { s, call } = await waitingCall(from);
    expect(line().heard(call).slice(0, 3)).toEqual([
      DUTCH_PROMPTS.welcome,
      DUTCH_PROMPTS.verified,
      DUTCH_PROMPTS.hold,
    ]);
    expect((await widgetStatus(s.statusToken).expect(200)).body).toEqual({ state: 'called' });

    const a1 = await signIn(t, m().agents[0]);
    const a2 = await signIn(t, m().agents[1]);
    const [entry] = await consoleCalls(a1);
    expect(entry).toMatchObject({ state: 'waiting', takenByMe: false });
    expect(Object.fromEntries(entry.attributes.map((a) => [a.id, a.value]))).toEqual(CITIZEN);

    // Two agents click at once: exactly one gets the call, and it rings at that agent's phone only.
    const [r1, r2] = await Promise.all([takeCall(a1, entry.id), takeCall(a2, entry.id)]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const [winner, loser, winnerId] =
      r1.status === 200 ? [a1, a2, m().agents[0].id] : [a2, a1, m().agents[1].id];
    await line().settled();
    expect(line().state(call)).toBe('ringing');
    expect(line().agentOf(call)).toBe(winnerId);
    expect((await consoleCalls(winner))[0]).toMatchObject({ takenByMe: true });
    expect(['taken', 'ringing']).toContain((await consoleCalls(winner))[0].state);
    expect((await consoleCalls(loser))[0]).toMatchObject({ takenByMe: false, attributes: [] });

    await line().agentAnswers(call);
    expect((await consoleCalls(winner))[0]).toMatchObject({ state: 'connected', takenByMe: true });
    expect((await consoleCalls(loser))[0]).toMatchObject({ state: 'connected', takenByMe: false });
    expect((await widgetStatus(s.statusToken).expect(200)).body).toEqual({ state: 'connected' });

    await line().callerHangsUp(call);
    expect(line().state(call)).toBe('ended');
    expect(await consoleCalls(winner)).toEqual([]);
    expect((await widgetStatus(s.statusToken)).status).toBe(404);
    expect(await t.app.get(DataSource).getRepository(CallSession).countBy({ organisationId: m().id })).toBe(
      0,
    );
    const everything = await dumpDatabase(t);
    for (const trace of [...Object.values(CITIZEN), s.dtmf, from, call.ref, s.statusToken, 'Zonneveld'])
      expect(everything).not.toContain(trace);
  });

  it('puts a call the agent does not answer back in front of every agent', async () => {
    const { call } = await waitingCall('+31612340002');
    const a1 = await signIn(t, m().agents[0]);
    const a2 = await signIn(t, m().agents[1]);
    const [entry] = await consoleCalls(a1);
    await takeCall(a1, entry.id).expect(200);
    await line().settled();
    expect(line().agentOf(call)).toBe(m().agents[0].id);

    await line().agentDoesNotAnswer(call);
    expect(line().state(call)).toBe('queued');
    const again = await consoleCalls(a2);
    expect(again[0]).toMatchObject({ id: entry.id, state: 'waiting', takenByMe: false });
    expect(again[0].attributes).toHaveLength(3);

    await takeCall(a2, entry.id).expect(200);
    await line().settled();
    expect(line().state(call)).toBe('ringing');
    expect(line().agentOf(call)).toBe(m().agents[1].id);
    await line().agentAnswers(call);
    expect((await consoleCalls(a2))[0]).toMatchObject({ id: entry.id, state: 'connected', takenByMe: true });
    await line().agentHangsUp(call);
    expect(line().state(call)).toBe('ended');
    expect(await consoleCalls(a2)).toEqual([]);
  });

  it('hangs the caller up when the agent closes the call in the console', async () => {
    const { call } = await waitingCall('+31612340003');
    const a1 = await signIn(t, m().agents[0]);
    const [entry] = await consoleCalls(a1);
    await a1.agent
      .post(`/api/veilig-bellen/console/calls/${entry.id}/end`)
      .set('X-XSRF-TOKEN', a1.csrf)
      .expect(204);
    await line().settled();
    expect(line().state(call)).toBe('ended');
    expect(await consoleCalls(a1)).toEqual([]);
  });

  it('refuses a reused code and gives up after three wrong codes', async () => {
    const { s, call: first } = await waitingCall('+31612340004');
    const replay = await line().callIn(s.dtmf, '+31612340005');
    expect(line().state(replay)).toBe('gathering');
    expect(line().heard(replay).at(-1)).toBe(DUTCH_PROMPTS.retry);
    await line().press(replay, '1234567890');
    await line().silence(replay);
    expect(line().state(replay)).toBe('ended');
    expect(line().heard(replay).at(-1)).toBe(DUTCH_PROMPTS.giveUp);
    // The code still belongs to the first call only.
    expect(line().state(first)).toBe('queued');
    await line().callerHangsUp(first);
  });

  it('lets a waiting caller go once the maximum age has deleted the call', async () => {
    const { call } = await waitingCall('+31612340006');
    await t.app
      .get(DataSource)
      .getRepository(CallSession)
      .createQueryBuilder()
      .update()
      .set({ createdAt: new Date(Date.now() - t.config.veiligBellen.maxAgeMs - 1000) })
      .where('organisation_id = :id', { id: m().id })
      .execute();
    expect(await t.app.get(VeiligBellenService).purge()).toBeGreaterThan(0);
    await line().holdLoop(call);
    expect(line().heard(call).at(-1)).toBe(DUTCH_PROMPTS.released);
    expect(line().state(call)).toBe('ended');
  });

  it('keeps waiting calls going while the exchange key is rotated', async () => {
    const { call } = await waitingCall('+31612340007');
    const admin = m().adminSession;
    const rotated = await admin.agent
      .post(`/api/veilig-bellen/municipalities/${m().id}/exchange-key`)
      .set('X-XSRF-TOKEN', admin.csrf)
      .expect(200);
    expect(Date.parse(rotated.body.previousKeyValidUntil)).toBeGreaterThan(Date.now());
    // The exchange still holds the old key: its events are accepted during the grace period.
    await line().holdLoop(call);
    expect(line().state(call)).toBe('queued');
    // The new key is rolled out, the old one revoked: the exchange moves to the new key by itself.
    line().keyIssued(rotated.body.exchangeKey);
    await admin.agent
      .delete(`/api/veilig-bellen/municipalities/${m().id}/exchange-key/previous`)
      .set('X-XSRF-TOKEN', admin.csrf)
      .expect(204);
    const keyReads = () =>
      provider === 'amazon-connect'
        ? (line() as ConnectLine).sim.apiCalls.filter((c) => c.operation === 'GetSecretValue').length
        : 0;
    const readsBefore = keyReads();
    await line().holdLoop(call);
    expect(line().state(call)).toBe('queued');
    // On Amazon Connect the Lambda's cached key was refused (401): it read the new one and went on.
    if (provider === 'amazon-connect') expect(keyReads()).toBe(readsBefore + 1);
    const a1 = await signIn(t, m().agents[0]);
    const [entry] = await consoleCalls(a1);
    await takeCall(a1, entry.id).expect(200);
    await line().settled();
    await line().agentAnswers(call);
    expect((await consoleCalls(a1))[0]).toMatchObject({ state: 'connected' });
    await line().callerHangsUp(call);
    expect(await consoleCalls(a1)).toEqual([]);
  });
});

describe('Veilig bellen on Amazon Connect only', () => {
  const line = () => lines['amazon-connect'] as ConnectLine;

  it('runs the flow without flow logs, in a Dutch voice, and the caller never reaches the Lambda logs', async () => {
    const start = await startWidgetSession(t, line().municipality.id).expect(201);
    t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
    const from = '+31612340010';
    const call = await line().callIn(start.body.dtmf, from);
    const contact = line().contact(call);
    expect(contact).toMatchObject({ flowLogging: false, voice: 'Lotte', tags: { VeiligBellen: 'ja' } });
    expect(contact.attributes.veiligSessie).toMatch(/^[0-9a-f-]{36}$/);
    // Waiting: routed to nobody until an agent takes it.
    expect(contact.routing?.steps[0].Expression).toEqual({
      AttributeCondition: {
        Name: HOLD_ATTRIBUTE.name,
        Value: HOLD_ATTRIBUTE.value,
        ProficiencyLevel: HOLD_ATTRIBUTE.proficiencyLevel,
        ComparisonOperator: 'NumberGreaterOrEqualTo',
      },
    });
    await line().callerHangsUp(call);
    const logged = JSON.stringify(line().lambdaLog);
    for (const trace of [
      start.body.dtmf,
      from,
      contact.id,
      contact.attributes.veiligSessie,
      ...Object.values(CITIZEN),
    ])
      expect(logged).not.toContain(trace);
    expect(line().lambdaLog).toEqual(
      expect.arrayContaining([
        { veiligBellen: 'flow', action: 'lookup', result: 'ok' },
        { veiligBellen: 'contact-event', event: 'ended', result: 'ok' },
      ]),
    );
  });

  it('routes a taken call to that agent for a limited time, then back to nobody; signed by the SDK', async () => {
    const start = await startWidgetSession(t, line().municipality.id).expect(201);
    t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
    const call = await line().callIn(start.body.dtmf, '+31612340011');
    const a1 = await signIn(t, line().municipality.agents[0]);
    const [entry] = await consoleCalls(a1);
    const before = line().sim.apiCalls.length;
    await takeCall(a1, entry.id).expect(200);
    const made = line().sim.apiCalls.slice(before);
    expect(made.map((c) => [c.operation, c.status])).toEqual(
      expect.arrayContaining([['UpdateContactRoutingData', 200]]),
    );
    const agentId = line().sim.user(line().municipality.agents[0].email).id;
    expect(made.find((c) => c.operation === 'UpdateContactRoutingData')!.input).toEqual({
      RoutingCriteria: {
        Steps: [
          {
            Expression: {
              AttributeCondition: {
                ComparisonOperator: 'Match',
                MatchCriteria: { AgentsCriteria: { AgentIds: [agentId] } },
              },
            },
            Expiry: { DurationInSeconds: AGENT_OFFER_SECONDS },
          },
          {
            Expression: {
              AttributeCondition: {
                Name: HOLD_ATTRIBUTE.name,
                Value: HOLD_ATTRIBUTE.value,
                ProficiencyLevel: HOLD_ATTRIBUTE.proficiencyLevel,
                ComparisonOperator: 'NumberGreaterOrEqualTo',
              },
            },
          },
        ],
      },
    });
    // Every request the app made carried a valid Signature Version 4; a wrong secret is refused.
    expect(line().sim.apiCalls.filter((c) => c.status === 403)).toEqual([]);
    const forged = new ConnectClient({
      region: line().sim.region,
      endpoint: line().sim.endpoint,
      credentials: { accessKeyId: line().sim.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    await expect(
      forged.send(new StopContactCommand({ InstanceId: line().sim.instanceId, ContactId: call.ref })),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    forged.destroy();
    expect(line().state(call)).toBe('ringing');
    await line().callerHangsUp(call);
  });

  it('passes only the three event types the EventBridge rule names to the Lambda', async () => {
    const delivered = line()
      .sim.events.filter((e) => e.delivered)
      .map((e) => e.detail.eventType);
    expect(new Set(delivered)).toEqual(
      new Set(['CONNECTED_TO_AGENT', 'CONTACT_DATA_UPDATED', 'DISCONNECTED']),
    );
    expect(line().sim.events.some((e) => !e.delivered && e.detail.eventType === 'COMPLETED')).toBe(true);
  });

  it('tells an agent without an Amazon Connect user why the call cannot reach them', async () => {
    const m = line().municipality;
    const outsider = await createUser(t, {
      email: 'agent9@gemeente-aan-zee.test',
      roles: ['agent'],
      organisation: { name: 'Gemeente aan Zee', kind: 'municipality' },
    });
    const start = await startWidgetSession(t, m.id).expect(201);
    t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
    const call = await line().callIn(start.body.dtmf, '+31612340012');
    const session = await signIn(t, outsider);
    const entry = (await consoleCalls(session)).find((c) => c.state === 'waiting')!;
    const take = await takeCall(session, entry.id);
    expect(take.status).toBe(409);
    expect(take.body.type).toMatch(/agent-not-at-exchange$/);
    // The call is back for the others, still waiting at the exchange.
    expect((await consoleCalls(session)).find((c) => c.id === entry.id)).toMatchObject({ state: 'waiting' });
    expect(line().state(call)).toBe('queued');
    await line().callerHangsUp(call);
  });

  it('validates the exchange settings', async () => {
    const m = line().municipality;
    const put = (body: object) =>
      m.adminSession.agent
        .put(`/api/veilig-bellen/municipalities/${m.id}/settings`)
        .set('X-XSRF-TOKEN', m.adminSession.csrf)
        .send(body);
    const missing = await put({ ...m.settings, exchangeProvider: 'amazon-connect' });
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
    const badArn = await put({
      ...m.settings,
      exchangeProvider: 'amazon-connect',
      amazonConnect: { instanceArn: 'arn:aws:s3:::bucket' },
    });
    expect(badArn.status).toBe(400);
    expect((await put({ ...m.settings, exchangeProvider: 'pbx' })).status).toBe(400);
    const view = (
      await m.adminSession.agent.get(`/api/veilig-bellen/municipalities/${m.id}/settings`).expect(200)
    ).body;
    expect(view).toMatchObject({
      exchangeProvider: 'amazon-connect',
      amazonConnect: { instanceArn: line().sim.instanceArn, region: line().sim.region, awsProfile: null },
      hasExchangeKey: true,
    });
  });

  it('gives a contact asking again for its own code the same session, and no other contact', async () => {
    const m = line().municipality;
    const start = await startWidgetSession(t, m.id).expect(201);
    t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
    const issued = await m.adminSession.agent
      .post(`/api/veilig-bellen/municipalities/${m.id}/exchange-key`)
      .set('X-XSRF-TOKEN', m.adminSession.csrf)
      .expect(200);
    line().keyIssued(issued.body.exchangeKey);
    const lookup = (callRef: string) =>
      t
        .http()
        .post(`/api/veilig-bellen/exchange/v1/${m.id}/lookup`)
        .set('Authorization', `Bearer ${issued.body.exchangeKey}`)
        .send({ dtmf: start.body.dtmf, callRef, caller: '+31612340013' });
    const first = await lookup('contact-a').expect(200);
    expect((await lookup('contact-a').expect(200)).body).toEqual(first.body);
    expect((await lookup('contact-b')).status).toBe(404);
    await t
      .http()
      .post(`/api/veilig-bellen/exchange/v1/${m.id}/events`)
      .set('Authorization', `Bearer ${issued.body.exchangeKey}`)
      .send({ event: 'ended', callRef: 'contact-a' })
      .expect(204);
  });
});
