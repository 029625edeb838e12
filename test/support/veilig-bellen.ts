/**
 * Helpers for the Veilig bellen e2e and browser tests: a municipality with settings and agents, the
 * simulated Twilio wired to the app (supertest or a listening server), and a scan of the whole
 * database for traces of a caller.
 */
import { getExpectedTwilioSignature } from 'twilio';
import { DataSource } from 'typeorm';
import { VeiligBellenSimulators } from '../../src/modules/veilig-bellen/veilig-bellen.gateways';
import { ALWAYS_OPEN, type OpeningHours } from '../../src/protocol/telephony/opening-hours';
import type { TwilioSimulator } from '../../src/protocol/telephony/twilio-simulator';
import type { ConsoleCall } from '../../src/shared/veilig-bellen-contract';
import { createUser, signedInAgent, type TestApp } from './app';

type SignedIn = Awaited<ReturnType<typeof signedInAgent>>;

export const GEMEENTE_ORIGIN = 'https://www.gemeente.example';
export const ATTRS = {
  bsn: 'pbdf.gemeente.personalData.bsn',
  firstnames: 'pbdf.gemeente.personalData.firstnames',
  surname: 'pbdf.gemeente.personalData.surname',
};

/** A signed-in portal user whose temporary password has been replaced. */
export async function signIn(t: TestApp, user: { email: string; password: string }) {
  const s = await signedInAgent(t, user.email, user.password);
  if (s.user.mustChangePassword) {
    await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: user.password, newPassword: `${user.password}-changed-1` })
      .expect(204);
    user.password = `${user.password}-changed-1`;
  }
  return s;
}

export async function setUpMunicipality(
  t: TestApp,
  name: string,
  opts: {
    openingHours?: OpeningHours;
    allowedOrigins?: string[];
    agents?: number;
    phoneNumber?: string;
  } = {},
) {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const admin = await createUser(t, {
    email: `admin@${slug}.test`,
    roles: ['admin'],
    organisation: { name, kind: 'municipality' },
  });
  const agents = [];
  for (let i = 1; i <= (opts.agents ?? 2); i++)
    agents.push(
      await createUser(t, {
        email: `agent${i}@${slug}.test`,
        roles: ['agent'],
        organisation: { name, kind: 'municipality' },
      }),
    );
  const adminSession = await signIn(t, admin);
  const settings = {
    phoneNumber: opts.phoneNumber ?? '+31243299999',
    purposes: [
      { key: 'afval', label: 'Afval', attributes: [ATTRS.bsn, ATTRS.firstnames, ATTRS.surname] },
      { key: 'alleen-bsn', label: 'Alleen BSN', attributes: [ATTRS.bsn] },
    ],
    linkTemplate: 'https://zaak.example.nl/persoon?bsn={bsn}',
    openingHours: opts.openingHours ?? ALWAYS_OPEN,
    allowedOrigins: opts.allowedOrigins ?? [GEMEENTE_ORIGIN],
    agentDial: { kind: 'client' },
  };
  const res = await adminSession.agent
    .put(`/api/veilig-bellen/municipalities/${admin.organisationId}/settings`)
    .set('X-XSRF-TOKEN', adminSession.csrf)
    .send(settings);
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: admin.organisationId, admin, adminSession, agents, settings };
}

/**
 * Makes the app's simulated Twilio deliver its webhooks through supertest (no listening server
 * needed), signed by the official `twilio` library rather than by our own code.
 */
export function twilioThroughSupertest(t: TestApp, into: TestApp = t): TwilioSimulator {
  const sim = t.app.get(VeiligBellenSimulators).twilio!;
  sim.sign = getExpectedTwilioSignature;
  sim.deliver = async (url, form, headers) => {
    const u = new URL(url);
    const res = await into
      .http()
      .post(u.pathname + u.search)
      .set(headers)
      .type('form')
      .send(form);
    return { status: res.status, body: res.text };
  };
  return sim;
}

export function twilioUrls(t: TestApp, municipalityId: string) {
  const base = `${t.config.http.publicUrl}/api/veilig-bellen/exchange/twilio/${municipalityId}`;
  return { voiceUrl: `${base}/voice`, statusCallback: `${base}/status` };
}

/** The agent clicks "Take this call" in the console. */
export function takeCall(session: { agent: SignedIn['agent']; csrf: string }, callId: string) {
  return session.agent
    .post(`/api/veilig-bellen/console/calls/${callId}/take`)
    .set('X-XSRF-TOKEN', session.csrf);
}

export async function consoleCalls(session: { agent: SignedIn['agent'] }) {
  return (await session.agent.get('/api/veilig-bellen/console/calls').expect(200)).body as ConsoleCall[];
}

/** Starts a widget session as the municipality's page would. */
export function startWidgetSession(
  t: TestApp,
  municipalityId: string,
  purpose = 'afval',
  origin = GEMEENTE_ORIGIN,
) {
  return t
    .http()
    .post(`/api/veilig-bellen/widget/${municipalityId}/sessions`)
    .set('Origin', origin)
    .send({ purpose });
}

export function clientTokenOf(sessionPtr: { u: string }): string {
  return sessionPtr.u.split('/').pop()!;
}

/** Every row of every table, as text (binary columns as hex and utf8), to search for caller traces. */
export async function dumpDatabase(t: TestApp): Promise<string> {
  const ds = t.app.get(DataSource);
  const tables: { name: string }[] =
    ds.options.type === 'postgres'
      ? await ds.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
        )
      : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows: Record<string, unknown>[] = await ds.query(`SELECT * FROM "${name}"`);
    for (const row of rows) {
      for (const v of Object.values(row)) {
        if (Buffer.isBuffer(v) || v instanceof Uint8Array)
          parts.push(Buffer.from(v).toString('hex'), Buffer.from(v).toString('utf8'));
        else parts.push(typeof v === 'string' ? v : JSON.stringify(v));
      }
    }
  }
  return parts.join('\n');
}

export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
