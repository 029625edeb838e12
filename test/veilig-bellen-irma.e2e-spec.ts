/**
 * How the backend learns that a citizen has disclosed, per VEILIG_BELLEN_IRMA_STATUS_UPDATES: the
 * IRMA server's server-sent events, its `callbackUrl` POST, and polling as the fallback when the event
 * stream is not available. Polling is slowed down here so only the mode under test can be quick; the
 * widget never asks, so the backend must notice by itself.
 */
import { DataSource } from 'typeorm';
import { CallSession } from '../src/modules/veilig-bellen/entities/call-session.entity';
import { VeiligBellenSimulators } from '../src/modules/veilig-bellen/veilig-bellen.gateways';
import { IrmaServerSimulator } from '../src/protocol/irma/simulator';
import { startApp, type TestApp } from './support/app';
import { freshEnv, testName } from './support/profile';
import { clientTokenOf, setUpMunicipality, startWidgetSession, waitFor } from './support/veilig-bellen';

async function appWith(mode: string, env: Record<string, string> = {}): Promise<TestApp> {
  return startApp({
    env: await freshEnv(testName(mode), {
      VEILIG_BELLEN_IRMA_STATUS_UPDATES: mode,
      VEILIG_BELLEN_IRMA_POLL_MS: '10000',
      VEILIG_BELLEN_IRMA_FALLBACK_POLL_MS: '120000',
      ...env,
    }),
  });
}

function state(t: TestApp, statusToken: string) {
  return waitFor(
    async () => {
      const rows = await t.app.get(DataSource).getRepository(CallSession).find();
      return rows.find((r) => r.state !== 'pending')?.state ?? (rows.length === 0 ? 'gone' : null);
    },
    `the backend to notice the disclosure (${statusToken.slice(0, 4)}…)`,
    20_000,
  );
}

describe('Veilig bellen: IRMA status updates', () => {
  it('follows server-sent status events (irma server --sse)', async () => {
    const t = await appWith('events');
    try {
      const m = await setUpMunicipality(t, 'Gemeente Stroom', { agents: 0 });
      const irma = t.app.get(VeiligBellenSimulators).irma!;
      const start = await startWidgetSession(t, m.id).expect(201);
      await waitFor(async () => irma.requestCounts.get('GET statusevents') === 1, 'the event stream', 20_000);
      irma.disclose(clientTokenOf(start.body.sessionPtr));
      expect(await state(t, start.body.statusToken)).toBe('disclosed');
      // One stream, then exactly one status and one result request to settle it; no polling.
      expect(Object.fromEntries(irma.requestCounts)).toEqual({
        'POST /session': 1,
        'GET statusevents': 1,
        'GET status': 1,
        'GET result': 1,
      });
    } finally {
      await t.close();
    }
  });

  it('falls back to polling when the IRMA server has no event stream', async () => {
    const t = await appWith('events', { VEILIG_BELLEN_IRMA_POLL_MS: '100' });
    try {
      const sims = t.app.get(VeiligBellenSimulators);
      // An irma server run without --sse.
      sims.irma = new IrmaServerSimulator({
        publicUrl: t.config.veiligBellen.irma.url!,
        requestor: { kind: 'token', token: t.config.veiligBellen.irma.token },
      });
      const m = await setUpMunicipality(t, 'Gemeente Peiling', { agents: 0 });
      const start = await startWidgetSession(t, m.id).expect(201);
      await waitFor(
        async () => (sims.irma!.requestCounts.get('GET status') ?? 0) >= 2,
        'fallback polling',
        20_000,
      );
      sims.irma.disclose(clientTokenOf(start.body.sessionPtr));
      expect(await state(t, start.body.statusToken)).toBe('disclosed');
      expect(sims.irma.requestCounts.get('GET statusevents')).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('settles on the IRMA server callback, and ignores a forged one', async () => {
    const t = await appWith('callback');
    try {
      const sims = t.app.get(VeiligBellenSimulators);
      const callbacks: number[] = [];
      sims.postIrmaCallback = async (url, result) => {
        const res = await t.http().post(new URL(url).pathname).send(result);
        callbacks.push(res.status);
      };
      const m = await setUpMunicipality(t, 'Gemeente Terugbel', { agents: 0 });
      const start = await startWidgetSession(t, m.id).expect(201);
      const [row] = await t.app.get(DataSource).getRepository(CallSession).find();
      // Anyone may POST to the callback path; without our MAC nothing happens.
      const forged = await t
        .http()
        .post(`/api/veilig-bellen/irma/sessions/${row.id}/finished/${'A'.repeat(43)}`)
        .send({ status: 'DONE' });
      expect(forged.status).toBe(404);
      expect(sims.irma!.requestCounts.get('GET status')).toBeUndefined();

      sims.irma!.disclose(clientTokenOf(start.body.sessionPtr));
      expect(await state(t, start.body.statusToken)).toBe('disclosed');
      // The session is marked disclosed before our answer reaches the IRMA server.
      await waitFor(async () => callbacks.length > 0, 'the answer to the callback', 10_000);
      expect(callbacks).toEqual([204]);
      expect(Object.fromEntries(sims.irma!.requestCounts)).toEqual({
        'POST /session': 1,
        'GET status': 1,
        'GET result': 1,
      });
    } finally {
      await t.close();
    }
  });
});
