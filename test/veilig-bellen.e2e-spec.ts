/**
 * Veilig bellen end to end against the real app, with the in-process IRMA server and Twilio
 * simulators: button → Yivi disclosure → phone call with the DTMF code → console → agent pulls the
 * call → call ends → nothing of the caller left in the database; and every refusal of the issue.
 */
import { getExpectedTwilioSignature } from 'twilio';
import { DataSource } from 'typeorm';
import { CallSession } from '../src/modules/veilig-bellen/entities/call-session.entity';
import { VeiligBellenSimulators } from '../src/modules/veilig-bellen/veilig-bellen.gateways';
import { VeiligBellenService } from '../src/modules/veilig-bellen/veilig-bellen.service';
import { DUTCH_PROMPTS } from '../src/protocol/telephony/prompts';
import { startApp, type TestApp } from './support/app';
import { freshEnv, testName } from './support/profile';
import {
  ATTRS,
  clientTokenOf,
  consoleCalls,
  dumpDatabase,
  GEMEENTE_ORIGIN,
  setUpMunicipality,
  signIn,
  startWidgetSession,
  takeCall,
  twilioThroughSupertest,
  twilioUrls,
} from './support/veilig-bellen';

const CITIZEN = {
  [ATTRS.bsn]: '123456782',
  [ATTRS.firstnames]: 'Mirjam Elisabeth',
  [ATTRS.surname]: 'Zonneveld-Brinkhorst',
};
const CALLER = '+31612345678';

// Twilio's requests in its documented order (path[:QueueResult|DialCallStatus|CallStatus]):
// incoming call, the digits, the first waitUrl request of the queue;
const CALL_IN = ['voice', 'gather', 'wait'];
// a REST dequeue: the Enqueue action right away, then the dequeue's Url, whose <Dial> rings the agent;
const PULL_TO_AGENT = [
  'queue-result:redirected',
  'agent-dial',
  'agent-status:initiated',
  'agent-status:ringing',
];
// the agent answers; the call ends: the agent leg, the <Dial action>, the number's status callback.
const TALK_THEN_HANG_UP = [
  'agent-status:in-progress',
  'agent-status:completed',
  'dial-result:completed',
  'status:completed',
];

describe('Veilig bellen', () => {
  let t: TestApp;
  let sims: VeiligBellenSimulators;
  let nijmegen: Awaited<ReturnType<typeof setUpMunicipality>>;
  let other: Awaited<ReturnType<typeof setUpMunicipality>>;

  beforeAll(async () => {
    t = await startApp({ listen: true });
    sims = t.app.get(VeiligBellenSimulators);
    twilioThroughSupertest(t);
    nijmegen = await setUpMunicipality(t, 'Gemeente Nijmegen');
    other = await setUpMunicipality(t, 'Gemeente Elders', {
      allowedOrigins: ['https://www.elders.example'],
      agents: 1,
    });
  });
  afterAll(() => t.close());

  /** Widget session + simulated disclosure; returns what the widget got. */
  async function disclosedSession(purpose = 'afval', values = CITIZEN) {
    const res = await startWidgetSession(t, nijmegen.id, purpose).expect(201);
    sims.irma!.disclose(clientTokenOf(res.body.sessionPtr), values);
    const status = await widgetStatus(res.body.statusToken);
    expect(status.body).toEqual({ state: 'disclosed' });
    return res.body as { dtmf: string; statusToken: string; phoneNumber: string; sessionPtr: { u: string } };
  }

  function widgetStatus(token: string, origin = GEMEENTE_ORIGIN) {
    return t
      .http()
      .get(`/api/veilig-bellen/widget/${nijmegen.id}/status`)
      .set('Origin', origin)
      .set('Authorization', `Bearer ${token}`);
  }

  /** The webhooks Twilio sent for one call (and its agent legs), as `path[:QueueResult|CallStatus]`. */
  function webhooksOf(callSid: string): string[] {
    return sims
      .twilio!.webhooks.filter((w) => w.params.CallSid === callSid || w.params.ParentCallSid === callSid)
      .map((w) => {
        const detail =
          w.path === 'queue-result'
            ? w.params.QueueResult
            : w.path === 'dial-result'
              ? w.params.DialCallStatus
              : w.path === 'agent-status' || w.path === 'status'
                ? w.params.CallStatus
                : undefined;
        return detail ? `${w.path}:${detail}` : w.path;
      });
  }

  async function callIn(dtmf: string, from = CALLER) {
    const call = await sims.twilio!.placeCall({
      from,
      to: nijmegen.settings.phoneNumber,
      ...twilioUrls(t, nijmegen.id),
    });
    expect(call.state).toBe('gathering');
    await sims.twilio!.press(call.sid, dtmf);
    return call;
  }

  it('runs the whole flow and leaves no trace of the caller', async () => {
    // The button: session pointer for the Yivi QR, number, code and status token; never the IRMA token.
    const start = await startWidgetSession(t, nijmegen.id).expect(201);
    expect(start.headers['access-control-allow-origin']).toBe(GEMEENTE_ORIGIN);
    expect(start.headers['access-control-allow-credentials']).toBeUndefined();
    expect(Object.keys(start.body).sort()).toEqual([
      'dtmf',
      'expiresAt',
      'frontendRequest',
      'phoneNumber',
      'sessionPtr',
      'statusToken',
    ]);
    expect(start.body.dtmf).toMatch(/^[0-9]{10}$/);
    expect(start.body.sessionPtr.irmaqr).toBe('disclosing');
    const clientToken = clientTokenOf(start.body.sessionPtr);
    expect(sims.irma!.returnUrlOf(clientToken)).toBe(`tel:+31243299999,${start.body.dtmf}`);
    expect(sims.irma!.requestedAttributes(clientToken)).toEqual([ATTRS.bsn, ATTRS.firstnames, ATTRS.surname]);
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'waiting' });

    // The Yivi app discloses (the app would also offer more than asked; only the requested are kept).
    sims.irma!.disclose(clientToken, { ...CITIZEN, 'pbdf.gemeente.personalData.dateofbirth': '01-01-1970' });
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'disclosed' });

    // Encrypted at rest: the raw row holds no attribute value, and carries the key id.
    const ds = t.app.get(DataSource);
    const raw = await ds.query(`SELECT attributes FROM vb_call_session`);
    const blob = Buffer.from(raw[0].attributes);
    expect(blob.toString('latin1')).not.toContain('123456782');
    expect(blob.subarray(2, 2 + blob[1]).toString()).toBe('dev1');

    // The phone call: the app dials tel:<number>,<dtmf>; the exchange gathers the digits.
    const call = await callIn(start.body.dtmf);
    expect(call.log).toContain('enqueue:veilig-bellen-' + nijmegen.id);
    expect(call.queueSid).toBeDefined();
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'called' });

    // Console: both agents of Nijmegen see the call with the attributes and the external link.
    const a1 = await signIn(t, nijmegen.agents[0]);
    const a2 = await signIn(t, nijmegen.agents[1]);
    const list = (await a1.agent.get('/api/veilig-bellen/console/calls').expect(200)).body;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      purpose: 'afval',
      purposeLabel: 'Afval',
      state: 'waiting',
      takenByMe: false,
      externalLink: 'https://zaak.example.nl/persoon?bsn=123456782',
    });
    expect(
      Object.fromEntries(list[0].attributes.map((a: { id: string; value: string }) => [a.id, a.value])),
    ).toEqual(CITIZEN);

    // Two agents click at once: exactly one gets it.
    const [r1, r2] = await Promise.all([takeCall(a1, list[0].id), takeCall(a2, list[0].id)]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    const [winner, winnerUser] = r1.status === 200 ? [a1, nijmegen.agents[0]] : [a2, nijmegen.agents[1]];
    const loser = winner === a1 ? a2 : a1;
    expect((r1.status === 409 ? r1 : r2).body.type).toMatch(/call-taken$/);
    await sims.twilio!.settled();
    // One Queue Members request; the caller is now ringing the winner's Twilio Client.
    const members = sims.twilio!.restCalls.filter((c) => c.path.includes('/Members/'));
    expect(members).toHaveLength(1);
    expect(members[0].path).toBe(
      `/2010-04-01/Accounts/${t.config.veiligBellen.twilio.accountSid}/Queues/${call.queueSid}/Members/${call.sid}.json`,
    );
    expect(call.state).toBe('dialling');
    expect(call.agent).toBe(`client:agent_${winnerUser.id.replace(/-/g, '')}`);
    expect((await consoleCalls(winner))[0]).toMatchObject({ state: 'ringing', takenByMe: true });
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'called' });

    await sims.twilio!.agentAnswers(call.sid);
    expect((await consoleCalls(loser))[0]).toMatchObject({
      state: 'connected',
      takenByMe: false,
      attributes: [],
      externalLink: null,
    });
    expect((await consoleCalls(winner))[0]).toMatchObject({ state: 'connected', takenByMe: true });
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'connected' });

    // The caller hangs up: the entry disappears and the data is gone.
    await sims.twilio!.hangup(call.sid);
    expect(await consoleCalls(winner)).toEqual([]);
    expect((await widgetStatus(start.body.statusToken)).status).toBe(404);
    expect(await t.app.get(DataSource).getRepository(CallSession).count()).toBe(0);

    // Every request Twilio made, in Twilio's documented order, and every one answered.
    expect(webhooksOf(call.sid)).toEqual([...CALL_IN, ...PULL_TO_AGENT, ...TALK_THEN_HANG_UP]);
    expect(sims.twilio!.webhooks.filter((w) => w.status >= 300)).toEqual([]);
    // Everything the caller heard was spoken in the explicit Dutch voice.
    expect(call.speech.length).toBeGreaterThan(2);
    for (const said of call.speech) expect(said).toMatchObject({ voice: 'Polly.Lotte', language: 'nl-NL' });

    const everything = await dumpDatabase(t);
    for (const trace of [
      ...Object.values(CITIZEN),
      start.body.dtmf,
      CALLER,
      call.sid,
      start.body.statusToken,
      'Zonneveld',
      'Mirjam',
    ]) {
      expect(everything).not.toContain(trace);
    }
    // The audit log says what happened without any caller data.
    const actions = (await nijmegen.adminSession.agent.get('/api/admin/audit?limit=50').expect(200)).body.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['vb.session.started', 'vb.call.take', 'vb.call.ended']));
  });

  it('ends the call when the agent hangs up', async () => {
    const s = await disclosedSession();
    const call = await callIn(s.dtmf);
    const a1 = await signIn(t, nijmegen.agents[0]);
    const [entry] = await consoleCalls(a1);
    await takeCall(a1, entry.id).expect(200);
    await sims.twilio!.settled();
    await sims.twilio!.agentAnswers(call.sid);
    await sims.twilio!.agentHangup(call.sid);
    expect(call.state).toBe('ended');
    expect(call.log.at(-1)).toBe('hangup');
    expect(await consoleCalls(a1)).toEqual([]);
  });

  it('sends a call the agent does not answer back to the front of the queue, for another agent', async () => {
    const first = await disclosedSession();
    const call = await callIn(first.dtmf, '+31600000501');
    const later = await disclosedSession();
    const laterCall = await callIn(later.dtmf, '+31600000502');
    // The caller hears the hold message again each time its document runs out.
    await sims.twilio!.holdMusicEnds(call.sid);
    expect(call.log.filter((l) => l.startsWith('say:Een ogenblik geduld'))).toHaveLength(2);

    const a1 = await signIn(t, nijmegen.agents[0]);
    const a2 = await signIn(t, nijmegen.agents[1]);
    const [entry] = await consoleCalls(a1);
    await takeCall(a1, entry.id).expect(200);
    await sims.twilio!.settled();
    expect(call.state).toBe('dialling');
    expect((await consoleCalls(a2)).find((c) => c.id === entry.id)).toMatchObject({
      state: 'ringing',
      attributes: [],
    });

    // Agent 1 lets it ring out: the caller hears why and waits again, at the front of the line.
    await sims.twilio!.agentDoesNotAnswer(call.sid);
    expect(call.state).toBe('queued');
    expect(call.log).toContain(`say:${DUTCH_PROMPTS.agentMissed}`);
    const again = await consoleCalls(a2);
    expect(again.map((c) => c.id)[0]).toBe(entry.id);
    expect(again[0]).toMatchObject({ state: 'waiting', takenByMe: false });
    expect(again[0].attributes.length).toBe(3);

    // Agent 2 takes it and answers; then hangs up.
    await takeCall(a2, entry.id).expect(200);
    await sims.twilio!.settled();
    expect(call.agent).toBe(`client:agent_${nijmegen.agents[1].id.replace(/-/g, '')}`);
    await sims.twilio!.agentAnswers(call.sid);
    expect((await consoleCalls(a2))[0]).toMatchObject({ id: entry.id, state: 'connected', takenByMe: true });
    await sims.twilio!.agentHangup(call.sid);
    expect(call.state).toBe('ended');
    expect(webhooksOf(call.sid)).toEqual([
      ...CALL_IN,
      'wait',
      ...PULL_TO_AGENT,
      'agent-status:no-answer',
      'dial-result:no-answer',
      'wait',
      ...PULL_TO_AGENT,
      ...TALK_THEN_HANG_UP,
    ]);
    expect((await consoleCalls(a2)).map((c) => c.id)).not.toContain(entry.id);
    await sims.twilio!.hangup(laterCall.sid);
  });

  it('keeps the caller when a dequeue went through but its answer was lost', async () => {
    const s = await disclosedSession();
    const call = await callIn(s.dtmf);
    const a1 = await signIn(t, nijmegen.agents[0]);
    const [entry] = await consoleCalls(a1);
    // Twilio carries out the dequeue, but our request times out before the answer arrives.
    const twilio = sims.twilio!;
    const fetchFor = twilio.fetchFor.bind(twilio);
    const spy = jest.spyOn(twilio, 'fetchFor').mockImplementationOnce((base) => async (url, init) => {
      await fetchFor(base)(url, init);
      throw new Error('The operation was aborted due to timeout');
    });
    try {
      const take = await takeCall(a1, entry.id);
      expect(take.status).toBe(502);
      expect(take.body.type).toMatch(/exchange-error$/);
    } finally {
      spy.mockRestore();
    }
    await twilio.settled();
    // Nobody is assigned any more: the dial TwiML puts the caller back in the queue, not an error.
    expect(call.state).toBe('queued');
    expect(twilio.webhooks.filter((w) => w.status >= 300)).toEqual([]);
    expect(webhooksOf(call.sid).slice(-3)).toEqual(['queue-result:redirected', 'agent-dial', 'wait']);
    expect((await consoleCalls(a1))[0]).toMatchObject({ id: entry.id, state: 'waiting' });
    await takeCall(a1, entry.id).expect(200);
    await twilio.settled();
    expect(call.state).toBe('dialling');
    await twilio.hangup(call.sid);
  });

  it('hangs the caller up when the agent closes the call in the console', async () => {
    const s = await disclosedSession();
    const call = await callIn(s.dtmf);
    const a1 = await signIn(t, nijmegen.agents[0]);
    const [entry] = await consoleCalls(a1);
    await a1.agent
      .post(`/api/veilig-bellen/console/calls/${entry.id}/end`)
      .set('X-XSRF-TOKEN', a1.csrf)
      .expect(204);
    await sims.twilio!.settled();
    expect(sims.twilio!.restCalls.at(-1)).toMatchObject({
      path: `/2010-04-01/Accounts/${t.config.veiligBellen.twilio.accountSid}/Calls/${call.sid}.json`,
      form: { Status: 'completed' },
      status: 200,
    });
    expect(call.state).toBe('ended');
    expect(webhooksOf(call.sid).slice(-2)).toEqual(['queue-result:hangup', 'status:completed']);
  });

  it('refuses unsigned, badly signed and foreign-account exchange webhooks', async () => {
    const { voiceUrl } = twilioUrls(t, nijmegen.id);
    const path = new URL(voiceUrl).pathname;
    const form = {
      AccountSid: t.config.veiligBellen.twilio.accountSid!,
      CallSid: 'CA1',
      From: CALLER,
      To: '+31243299999',
      CallStatus: 'ringing',
    };
    const token = t.config.veiligBellen.twilio.authToken;
    const unsigned = await t.http().post(path).type('form').send(form);
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.type).toMatch(/bad-signature$/);
    await t
      .http()
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', getExpectedTwilioSignature('wrong-token-wrong-token', voiceUrl, form))
      .send(form)
      .expect(403);
    // Signed for other parameters (a replayed signature with changed digits).
    await t
      .http()
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', getExpectedTwilioSignature(token, voiceUrl, { ...form, CallSid: 'CA2' }))
      .send(form)
      .expect(403);
    const good = await t
      .http()
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', getExpectedTwilioSignature(token, voiceUrl, form))
      .send(form)
      .expect(200);
    expect(good.text).toContain('<Gather input="dtmf" numDigits="10" timeout="15"');

    // The generic exchange API: no key, a wrong key, and a good key.
    const lookup = `/api/veilig-bellen/exchange/v1/${nijmegen.id}/lookup`;
    const body = { dtmf: '0000000000', callRef: 'connect-1', caller: CALLER };
    expect((await t.http().post(lookup).send(body)).status).toBe(401);
    expect(
      (await t.http().post(lookup).set('Authorization', 'Bearer not-the-key-not-the-key').send(body)).status,
    ).toBe(401);
    const { exchangeKey } = (
      await nijmegen.adminSession.agent
        .post(`/api/veilig-bellen/municipalities/${nijmegen.id}/exchange-key`)
        .set('X-XSRF-TOKEN', nijmegen.adminSession.csrf)
        .expect(200)
    ).body;
    const unknown = await t.http().post(lookup).set('Authorization', `Bearer ${exchangeKey}`).send(body);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/unknown-code$/);
    // Another municipality's key does not open Nijmegen's lookup.
    const { exchangeKey: otherKey } = (
      await other.adminSession.agent
        .post(`/api/veilig-bellen/municipalities/${other.id}/exchange-key`)
        .set('X-XSRF-TOKEN', other.adminSession.csrf)
        .expect(200)
    ).body;
    expect((await t.http().post(lookup).set('Authorization', `Bearer ${otherKey}`).send(body)).status).toBe(
      401,
    );
    expect(
      (
        await t
          .http()
          .post(lookup)
          .set('Authorization', `Bearer ${exchangeKey}`)
          .send({ ...body, dtmf: '12' })
      ).status,
    ).toBe(400);
  });

  it('refuses a reused or unknown DTMF code, re-prompting at most 3 times', async () => {
    const s = await disclosedSession();
    const first = await callIn(s.dtmf, '+31600000001');
    expect(first.state).toBe('queued');
    // The same code again, from another phone: invalid now.
    const replay = await sims.twilio!.placeCall({
      from: '+31600000002',
      to: '+31243299999',
      ...twilioUrls(t, nijmegen.id),
    });
    await sims.twilio!.press(replay.sid, s.dtmf);
    expect(replay.state).toBe('gathering');
    expect(replay.log.at(-2)).toMatch(/niet geldig/);
    await sims.twilio!.press(replay.sid, '1234567890');
    await sims.twilio!.silence(replay.sid); // no input counts as a try too
    expect(replay.state).toBe('ended');
    expect(replay.log.filter((l) => l === 'gather')).toHaveLength(3);
    expect(replay.log.at(-2)).toMatch(/niet herkend/);
    expect(replay.log.at(-1)).toBe('hangup');
    // The generic API agrees: a used code is unknown.
    const { exchangeKey } = (
      await nijmegen.adminSession.agent
        .post(`/api/veilig-bellen/municipalities/${nijmegen.id}/exchange-key`)
        .set('X-XSRF-TOKEN', nijmegen.adminSession.csrf)
        .expect(200)
    ).body;
    await t
      .http()
      .post(`/api/veilig-bellen/exchange/v1/${nijmegen.id}/lookup`)
      .set('Authorization', `Bearer ${exchangeKey}`)
      .send({ dtmf: s.dtmf, callRef: 'c-2', caller: '+31600000003' })
      .expect(404);
    await sims.twilio!.hangup(first.sid);
  });

  it('rate-limits wrong codes per caller', async () => {
    const s = await disclosedSession();
    const from = '+31600000099';
    for (let i = 0; i < 2; i++) {
      const c = await sims.twilio!.placeCall({ from, to: '+31243299999', ...twilioUrls(t, nijmegen.id) });
      for (let j = 0; j < 3 && c.state === 'gathering'; j++) await sims.twilio!.press(c.sid, '999999999' + j);
    }
    // Five wrong codes used: now even the right code is refused for this caller.
    const c = await sims.twilio!.placeCall({ from, to: '+31243299999', ...twilioUrls(t, nijmegen.id) });
    await sims.twilio!.press(c.sid, s.dtmf);
    expect(c.log.join('\n')).toMatch(/te vaak/);
    expect(c.state).toBe('ended');
    // The code itself stays valid for the real caller.
    const real = await callIn(s.dtmf, '+31600000100');
    expect(real.state).toBe('queued');
    await sims.twilio!.hangup(real.sid);
  });

  it('does not count right codes: a caller may call often', async () => {
    const from = '+31600000098';
    for (let i = 0; i <= t.config.veiligBellen.wrongCodesPerCaller + 1; i++) {
      const s = await disclosedSession();
      const call = await callIn(s.dtmf, from);
      expect(call.state).toBe('queued');
      await sims.twilio!.hangup(call.sid);
    }
    // Wrong codes still count after all those calls.
    const c = await sims.twilio!.placeCall({ from, to: '+31243299999', ...twilioUrls(t, nijmegen.id) });
    await sims.twilio!.press(c.sid, '9999999999');
    expect(c.log.at(-2)).toMatch(/niet geldig/);
    await sims.twilio!.hangup(c.sid);
  });

  it("speaks the municipality's voice, texts and recordings, and refuses voices Twilio does not list", async () => {
    const m = await setUpMunicipality(t, 'Gemeente Stem', { agents: 0 });
    const put = (speech: unknown) =>
      m.adminSession.agent
        .put(`/api/veilig-bellen/municipalities/${m.id}/settings`)
        .set('X-XSRF-TOKEN', m.adminSession.csrf)
        .send({ ...m.settings, speech });
    const bad = await put({
      voice: 'Polly.Joanna',
      language: 'nl-NL',
      recordings: { hold: 'http://x.example/a.mp3' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.body.errors.map((e: { message: string }) => e.message)).toEqual([
      expect.stringMatching(/^voice: a voice Twilio lists for nl-NL/),
      expect.stringMatching(/^recordings\.hold: an https/),
    ]);
    const speech = {
      voice: 'Google.nl-NL-Wavenet-B',
      language: 'nl-NL',
      texts: { welcome: 'Welkom bij gemeente Stem.' },
      recordings: { closed: 'https://www.stem.example/gesloten.mp3' },
    };
    expect((await put(speech).expect(200)).body.speech).toEqual(speech);
    const call = await sims.twilio!.placeCall({ from: CALLER, to: '+31243299999', ...twilioUrls(t, m.id) });
    expect(call.speech).toEqual([
      { text: 'Welkom bij gemeente Stem.', voice: 'Google.nl-NL-Wavenet-B', language: 'nl-NL' },
    ]);
    await sims.twilio!.hangup(call.sid);
    await put({ ...speech, texts: {} }).expect(200);
    const closedHours = await m.adminSession.agent
      .put(`/api/veilig-bellen/municipalities/${m.id}/settings`)
      .set('X-XSRF-TOKEN', m.adminSession.csrf)
      .send({ ...m.settings, speech, openingHours: { timeZone: 'Europe/Amsterdam', days: {} } });
    expect(closedHours.status).toBe(200);
    const closed = await sims.twilio!.placeCall({ from: CALLER, to: '+31243299999', ...twilioUrls(t, m.id) });
    expect(closed.log).toEqual(['play:https://www.stem.example/gesloten.mp3', 'hangup']);
  });

  it('refuses an agent of another municipality', async () => {
    const s = await disclosedSession();
    const call = await callIn(s.dtmf);
    const mine = await signIn(t, nijmegen.agents[0]);
    const [entry] = (await mine.agent.get('/api/veilig-bellen/console/calls').expect(200)).body;
    const foreign = await signIn(t, other.agents[0]);
    expect((await foreign.agent.get('/api/veilig-bellen/console/calls').expect(200)).body).toEqual([]);
    const take = await foreign.agent
      .post(`/api/veilig-bellen/console/calls/${entry.id}/take`)
      .set('X-XSRF-TOKEN', foreign.csrf);
    expect(take.status).toBe(404);
    await foreign.agent
      .post(`/api/veilig-bellen/console/calls/${entry.id}/end`)
      .set('X-XSRF-TOKEN', foreign.csrf)
      .expect(404);
    // Admins without the agent role, and anonymous callers, do not reach the console at all.
    expect((await nijmegen.adminSession.agent.get('/api/veilig-bellen/console/calls')).status).toBe(403);
    expect((await t.http().get('/api/veilig-bellen/console/calls')).status).toBe(401);
    // Nor can another municipality's admin read or change Nijmegen's settings.
    expect(
      (await other.adminSession.agent.get(`/api/veilig-bellen/municipalities/${nijmegen.id}/settings`))
        .status,
    ).toBe(403);
    await sims.twilio!.hangup(call.sid);
  });

  it('refuses an IRMA result whose proofStatus is not VALID', async () => {
    const start = await startWidgetSession(t, nijmegen.id).expect(201);
    sims.irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN, 'EXPIRED');
    const status = await widgetStatus(start.body.statusToken).expect(200);
    expect(status.body).toEqual({ state: 'error', reason: 'proof-not-valid' });
    const raw = await t.app
      .get(DataSource)
      .query(`SELECT attributes, dtmf_hmac FROM vb_call_session WHERE state = 'failed'`);
    expect(
      raw.every(
        (r: { attributes: unknown; dtmf_hmac: unknown }) => r.attributes === null && r.dtmf_hmac === null,
      ),
    ).toBe(true);
    const call = await sims.twilio!.placeCall({
      from: '+31600000200',
      to: '+31243299999',
      ...twilioUrls(t, nijmegen.id),
    });
    await sims.twilio!.press(call.sid, start.body.dtmf);
    expect(call.state).toBe('gathering'); // re-prompted: the code is not valid
    await sims.twilio!.hangup(call.sid);
  });

  it('refuses a widget on an origin that is not allowed', async () => {
    const evil = await startWidgetSession(t, nijmegen.id, 'afval', 'https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.body.type).toMatch(/origin-not-allowed$/);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // Elders' origin is allowed for Elders, not for Nijmegen.
    expect((await startWidgetSession(t, nijmegen.id, 'afval', 'https://www.elders.example')).status).toBe(
      403,
    );
    const preflight = await t
      .http()
      .options(`/api/veilig-bellen/widget/${nijmegen.id}/sessions`)
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await t
      .http()
      .options(`/api/veilig-bellen/widget/${nijmegen.id}/sessions`)
      .set('Origin', GEMEENTE_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(ok.headers['access-control-allow-origin']).toBe(GEMEENTE_ORIGIN);
    // The rest of the API keeps its own allow-list.
    const api = await t
      .http()
      .options('/api/auth/me')
      .set('Origin', GEMEENTE_ORIGIN)
      .set('Access-Control-Request-Method', 'GET');
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
    // The script itself may be loaded from anywhere.
    const script = await t.http().get('/widget/veilig-bellen.js').expect(200);
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('validates widget input with problem+json', async () => {
    const bad = await t
      .http()
      .post(`/api/veilig-bellen/widget/${nijmegen.id}/sessions`)
      .set('Origin', GEMEENTE_ORIGIN)
      .send({ purpose: 'Afval!', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const unknown = await startWidgetSession(t, nijmegen.id, 'paspoort');
    expect(unknown.status).toBe(400);
    expect(unknown.body.type).toMatch(/unknown-purpose$/);
    expect((await t.http().get(`/api/veilig-bellen/widget/${nijmegen.id}/status`)).status).toBe(401);
    expect(
      (
        await t
          .http()
          .get(`/api/veilig-bellen/widget/${nijmegen.id}/status`)
          .set('Authorization', 'Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
      ).status,
    ).toBe(404);
  });

  it('tells callers and the widget when the line is closed', async () => {
    const closed = await setUpMunicipality(t, 'Gemeente Dicht', {
      openingHours: { timeZone: 'Europe/Amsterdam', days: {} },
      agents: 0,
    });
    const start = await startWidgetSession(t, closed.id);
    expect(start.status).toBe(409);
    expect(start.body.type).toMatch(/closed$/);
    const base = `${t.config.http.publicUrl}/api/veilig-bellen/exchange/twilio/${closed.id}`;
    const call = await sims.twilio!.placeCall({
      from: CALLER,
      to: '+31243299999',
      voiceUrl: `${base}/voice`,
      statusCallback: `${base}/status`,
    });
    expect(call.log[0]).toMatch(/gesloten/);
    expect(call.state).toBe('ended');
  });

  it('offers the embedded demo a simulated Yivi app and phone', async () => {
    const start = await startWidgetSession(t, nijmegen.id).expect(201);
    const page = await t.http().get('/sim/demo').expect(200);
    expect(page.text).toContain(clientTokenOf(start.body.sessionPtr));
    await t
      .http()
      .post('/sim/demo/disclose')
      .type('form')
      .send({ clientToken: clientTokenOf(start.body.sessionPtr), proof: 'VALID' })
      .expect(303);
    expect((await widgetStatus(start.body.statusToken).expect(200)).body).toEqual({ state: 'disclosed' });
    const site = await t.http().get(`/sim/demo/site?municipality=${nijmegen.id}&purpose=afval`).expect(200);
    expect(site.text).toContain('src="/widget/veilig-bellen.js"');
    // The demo phone: call with the code, then play the agent's phone once an agent takes it.
    await t
      .http()
      .post('/sim/demo/call')
      .type('form')
      .send({ municipalityId: nijmegen.id, from: '+31600000777', code: start.body.dtmf })
      .expect(303);
    const call = [...sims.twilio!.calls.values()].find((c) => c.from === '+31600000777')!;
    expect(call.state).toBe('queued');
    const a1 = await signIn(t, nijmegen.agents[0]);
    const entry = (await consoleCalls(a1)).find((c) => c.state === 'waiting' && c.attributes.length)!;
    await takeCall(a1, entry.id).expect(200);
    await sims.twilio!.settled();
    expect((await t.http().get('/sim/demo').expect(200)).text).toContain('Agent answers');
    await t.http().post('/sim/demo/answer').type('form').send({ callSid: call.sid }).expect(303);
    expect(call.state).toBe('bridged');
    await t.http().post('/sim/demo/agent-hangup').type('form').send({ callSid: call.sid }).expect(303);
    expect(call.state).toBe('ended');
    await t.http().post('/sim/demo/answer').type('form').send({ callSid: 'CA-unknown' }).expect(303);
    await t.http().post('/sim/demo/no-such-action').type('form').send({ callSid: call.sid }).expect(404);
  });

  it("streams the demo IRMA server's status events to the widget, across origins", async () => {
    const start = await startWidgetSession(t, nijmegen.id).expect(201);
    const frontend = `/sim/irma/irma/session/${clientTokenOf(start.body.sessionPtr)}/frontend/statusevents`;
    // yivi-frontend's event source sends Authorization and Cache-Control: the preflight must allow both.
    const preflight = await t
      .http()
      .options(frontend)
      .set('Origin', GEMEENTE_ORIGIN)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization,cache-control');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(GEMEENTE_ORIGIN);
    expect(preflight.headers['access-control-allow-headers']?.toLowerCase()).toContain('cache-control');
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}${frontend}`, {
      headers: {
        Origin: GEMEENTE_ORIGIN,
        Accept: 'text/event-stream',
        'Cache-Control': 'no-cache',
        Authorization: start.body.frontendRequest.authorization,
      },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (marker: string) => {
      while (!text.includes(marker)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${marker}: ${text}`);
        text += Buffer.from(value).toString();
      }
    };
    await readUntil('event: open');
    sims.irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
    await readUntil('"DONE"');
    expect(text).toContain('data: {"status":"DONE","nextSession":null}');
    await reader.cancel();
  });

  it('deletes caller data after the maximum age, whatever happened, and then lets the caller go', async () => {
    const s = await disclosedSession();
    const call = await callIn(s.dtmf);
    const service = t.app.get(VeiligBellenService);
    expect(await service.purge()).toBe(0);
    const repo = t.app.get(DataSource).getRepository(CallSession);
    await repo
      .createQueryBuilder()
      .update()
      .set({ createdAt: new Date(Date.now() - t.config.veiligBellen.maxAgeMs - 1000) })
      .execute();
    expect(await service.purge()).toBeGreaterThan(0);
    expect(await repo.count()).toBe(0);
    // The next hold loop finds nothing: the caller leaves the queue and hears why.
    await sims.twilio!.holdMusicEnds(call.sid);
    expect(call.log.slice(-3)).toEqual(['leave', `say:${DUTCH_PROMPTS.released}`, 'hangup']);
    expect(call.state).toBe('ended');
  });
});

describe('Veilig bellen exchange API on an internal port', () => {
  it('answers only on VEILIG_BELLEN_EXCHANGE_PORT', async () => {
    const probe = (await import('node:net')).createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const t = await startApp({
      env: await freshEnv(testName('internal'), { VEILIG_BELLEN_EXCHANGE_PORT: String(port) }),
      listen: true,
    });
    try {
      const m = await setUpMunicipality(t, 'Gemeente Intern', { agents: 0 });
      const { exchangeKey } = (
        await m.adminSession.agent
          .post(`/api/veilig-bellen/municipalities/${m.id}/exchange-key`)
          .set('X-XSRF-TOKEN', m.adminSession.csrf)
          .expect(200)
      ).body;
      const body = JSON.stringify({ dtmf: '0123456789', callRef: 'c1', caller: '+31600000000' });
      const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${exchangeKey}` };
      const publicPort = (t.app.getHttpServer().address() as { port: number }).port;
      const onPublic = await fetch(
        `http://127.0.0.1:${publicPort}/api/veilig-bellen/exchange/v1/${m.id}/lookup`,
        { method: 'POST', headers, body },
      );
      expect(onPublic.status).toBe(404);
      const onInternal = await fetch(
        `http://127.0.0.1:${port}/api/veilig-bellen/exchange/v1/${m.id}/lookup`,
        { method: 'POST', headers, body },
      );
      expect(onInternal.status).toBe(404);
      expect(((await onInternal.json()) as { type: string }).type).toMatch(/unknown-code$/);
      const internal = `http://127.0.0.1:${port}/api/veilig-bellen/exchange/v1/${m.id}`;
      const invalid = await fetch(`${internal}/lookup`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ dtmf: '12', callRef: 'c1', caller: 'x', extra: true }),
      });
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get('content-type')).toMatch(/problem\+json/);
      expect(((await invalid.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
        'extra',
        'dtmf',
      ]);
      expect(
        (
          await fetch(`${internal}/lookup`, {
            method: 'POST',
            headers: { ...headers, Authorization: 'Bearer wrong-wrong-wrong-wrong' },
            body,
          })
        ).status,
      ).toBe(401);
      // A real redemption and the end of the call through the internal port.
      const start = await startWidgetSession(t, m.id).expect(201);
      t.app.get(VeiligBellenSimulators).irma!.disclose(clientTokenOf(start.body.sessionPtr), CITIZEN);
      const ok = await fetch(`${internal}/lookup`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ dtmf: start.body.dtmf, callRef: 'connect-7', caller: '+31600000007' }),
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { sessionId: string }).sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(
        (
          await fetch(`${internal}/events`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ event: 'ended', callRef: 'connect-7' }),
          })
        ).status,
      ).toBe(204);
      expect(await t.app.get(DataSource).getRepository(CallSession).count()).toBe(0);
      // An exchange asking to keep a call that is over is told to let the caller go.
      const missed = await fetch(`${internal}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ event: 'missed', callRef: 'connect-7' }),
      });
      expect(missed.status).toBe(404);
      expect(((await missed.json()) as { type: string }).type).toMatch(/call-ended$/);
    } finally {
      await t.close();
    }
  });
});
