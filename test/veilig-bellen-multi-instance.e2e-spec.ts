/**
 * Two app instances on one database (and, in the services profile, one Redis): a call that arrives
 * through instance 1 appears for an agent on instance 2 (list and, with Redis, the live event
 * stream), and when agents on both instances take it at once exactly one gets it.
 */
import { VeiligBellenSimulators } from '../src/modules/veilig-bellen/veilig-bellen.gateways';
import { startApp, type TestApp } from './support/app';
import { servicesProfile, sharedEnv } from './support/profile';
import {
  clientTokenOf,
  setUpMunicipality,
  signIn,
  startWidgetSession,
  twilioThroughSupertest,
  twilioUrls,
  waitFor,
} from './support/veilig-bellen';

/** Signs in with fetch (for reading the server-sent event stream) and returns the cookie header. */
async function cookieFor(base: string, email: string, password: string): Promise<string> {
  // Double submit: any value works as long as cookie and header agree.
  const token = 'test-csrf-token-for-the-event-stream';
  const csrfCookie = `XSRF-TOKEN=${token}`;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-XSRF-TOKEN': token, Cookie: csrfCookie },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login ${login.status}`);
  return [csrfCookie, ...login.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
}

describe('Veilig bellen across two instances', () => {
  let t1: TestApp;
  let t2: TestApp;

  beforeAll(async () => {
    t1 = await startApp({ listen: true });
    t2 = await startApp({ env: sharedEnv(t1.env), listen: true });
    // One "Twilio" and one "IRMA server" for both instances, as in production.
    const s1 = t1.app.get(VeiligBellenSimulators);
    const s2 = t2.app.get(VeiligBellenSimulators);
    s2.irma = s1.irma;
    s2.twilio = s1.twilio;
    twilioThroughSupertest(t1);
  });
  afterAll(async () => {
    await t2?.close();
    await t1?.close();
  });

  it('an agent on instance 2 sees a call that arrived via instance 1; only one agent gets it', async () => {
    const m = await setUpMunicipality(t1, 'Gemeente Tweeling');
    const onOne = await signIn(t1, m.agents[0]);
    const onTwo = await signIn(t2, m.agents[1]);

    // Instance 2's live stream, opened before the call arrives.
    const base2 = `http://127.0.0.1:${(t2.app.getHttpServer().address() as { port: number }).port}`;
    const stream = await fetch(`${base2}/api/veilig-bellen/console/events`, {
      headers: { Cookie: await cookieFor(base2, m.agents[1].email, m.agents[1].password) },
    });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    let seen = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        seen += Buffer.from(value).toString();
      }
    })().catch(() => undefined);
    await waitFor(async () => seen.includes('event: changed'), 'the initial event');
    const before = seen.split('event: changed').length;

    const sims = t1.app.get(VeiligBellenSimulators);
    const start = await startWidgetSession(t1, m.id).expect(201);
    sims.irma!.disclose(clientTokenOf(start.body.sessionPtr));
    // The citizen's status poll may land on either instance.
    await waitFor(
      async () =>
        (
          await t2
            .http()
            .get(`/api/veilig-bellen/widget/${m.id}/status`)
            .set('Authorization', `Bearer ${start.body.statusToken}`)
        ).body.state === 'disclosed',
      'disclosed',
    );
    const call = await sims.twilio!.placeCall({
      from: '+31611111111',
      to: '+31243299999',
      ...twilioUrls(t1, m.id),
    });
    await sims.twilio!.press(call.sid, start.body.dtmf);
    expect(call.state).toBe('queued');

    const list = await waitFor(async () => {
      const body = (await onTwo.agent.get('/api/veilig-bellen/console/calls').expect(200)).body;
      return body.length ? body : null;
    }, 'the call on instance 2');
    expect(list[0].attributes.map((a: { name: string }) => a.name)).toEqual(['bsn', 'firstnames', 'surname']);
    if (servicesProfile) {
      // Through Redis pub/sub the other instance's console is nudged at once.
      await waitFor(
        async () => seen.split('event: changed').length > before,
        'a live event on instance 2 for a call on instance 1',
      );
    }

    const [r1, r2] = await Promise.all([
      onOne.agent.post(`/api/veilig-bellen/console/calls/${list[0].id}/take`).set('X-XSRF-TOKEN', onOne.csrf),
      onTwo.agent.post(`/api/veilig-bellen/console/calls/${list[0].id}/take`).set('X-XSRF-TOKEN', onTwo.csrf),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([200, 409]);
    await sims.twilio!.settled();
    expect(sims.twilio!.restCalls.filter((c) => c.path.endsWith(`/Members/${call.sid}.json`))).toHaveLength(
      1,
    );

    await sims.twilio!.hangup(call.sid);
    expect((await onTwo.agent.get('/api/veilig-bellen/console/calls').expect(200)).body).toEqual([]);
    expect((await onOne.agent.get('/api/veilig-bellen/console/calls').expect(200)).body).toEqual([]);
    await reader.cancel();
    await pump;
  });
});
