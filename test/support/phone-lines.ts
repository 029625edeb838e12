/**
 * One way to drive a municipality's phone line, whatever its exchange, so the same end-to-end
 * scenarios run on Twilio (its simulator, webhooks signed by the `twilio` library) and on Amazon
 * Connect (its simulator running the exported contact flows and the Lambda function, Veilig's AWS
 * SDK clients talking to it over HTTP).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createHandler,
  secretsManagerReader,
  type ContactEventEnvelope,
  type ContactFlowEvent,
} from '../../deploy/amazon-connect/lambda/veilig-bellen';
import type { SimCall } from '../../src/protocol/telephony/twilio-simulator';
import { AmazonConnectSimulator, type SimContact } from './amazon-connect-simulator';
import type { TestApp } from './app';
import { setUpMunicipality, twilioThroughSupertest, twilioUrls } from './veilig-bellen';

type Municipality = Awaited<ReturnType<typeof setUpMunicipality>>;

/** Where a call is, in words both exchanges share. */
export type LineState = 'gathering' | 'queued' | 'ringing' | 'connected' | 'ended';

export interface LineCall {
  ref: string;
}

export interface PhoneLine {
  readonly provider: 'twilio' | 'amazon-connect';
  readonly municipality: Municipality;
  /** Dials the municipality's number and types `dtmf` (as the Yivi app does after the pause). */
  callIn(dtmf: string, from: string): Promise<LineCall>;
  press(call: LineCall, digits: string): Promise<void>;
  silence(call: LineCall): Promise<void>;
  state(call: LineCall): LineState;
  /** The prompts the caller heard, in order. */
  heard(call: LineCall): string[];
  /** The Veilig user id of the agent whose phone rings (or who talks) with this call. */
  agentOf(call: LineCall): string | null;
  agentAnswers(call: LineCall): Promise<void>;
  agentDoesNotAnswer(call: LineCall): Promise<void>;
  agentHangsUp(call: LineCall): Promise<void>;
  callerHangsUp(call: LineCall): Promise<void>;
  /** The hold message has played once more (the exchange asks Veilig whether the call is still on). */
  holdLoop(call: LineCall): Promise<void>;
  /** A new exchange key was issued: put it where the exchange reads it. */
  keyIssued(key: string): void;
  settled(): Promise<void>;
}

export async function twilioLine(t: TestApp, name: string): Promise<PhoneLine> {
  const sim = twilioThroughSupertest(t);
  const municipality = await setUpMunicipality(t, name);
  // An exchange key too, as a line that also uses the generic exchange API would have.
  await municipality.adminSession.agent
    .post(`/api/veilig-bellen/municipalities/${municipality.id}/exchange-key`)
    .set('X-XSRF-TOKEN', municipality.adminSession.csrf)
    .expect(200);
  const calls = new Map<string, SimCall>();
  const get = (c: LineCall) => calls.get(c.ref)!;
  const line: PhoneLine = {
    provider: 'twilio',
    municipality,
    async callIn(dtmf, from) {
      const call = await sim.placeCall({
        from,
        to: municipality.settings.phoneNumber,
        ...twilioUrls(t, municipality.id),
      });
      calls.set(call.sid, call);
      await sim.press(call.sid, dtmf);
      return { ref: call.sid };
    },
    press: (c, digits) => sim.press(c.ref, digits),
    silence: (c) => sim.silence(c.ref),
    state(c) {
      const s = get(c).state;
      return s === 'dialling'
        ? 'ringing'
        : s === 'bridged'
          ? 'connected'
          : s === 'gathering' || s === 'queued'
            ? s
            : 'ended';
    },
    heard: (c) =>
      get(c)
        .log.filter((l) => l.startsWith('say:'))
        .map((l) => l.slice(4)),
    agentOf(c) {
      const hex = /^client:agent_([0-9a-f]{32})$/.exec(get(c).agent ?? '')?.[1];
      return municipality.agents.find((a) => a.id.replace(/-/g, '') === hex)?.id ?? null;
    },
    agentAnswers: (c) => sim.agentAnswers(c.ref),
    agentDoesNotAnswer: (c) => sim.agentDoesNotAnswer(c.ref),
    agentHangsUp: (c) => sim.agentHangup(c.ref),
    callerHangsUp: (c) => sim.hangup(c.ref),
    holdLoop: (c) => sim.holdMusicEnds(c.ref),
    keyIssued: () => undefined,
    settled: () => sim.settled(),
  };
  return line;
}

export interface ConnectLine extends PhoneLine {
  readonly sim: AmazonConnectSimulator;
  /** What the Lambda function logged. */
  readonly lambdaLog: Record<string, string | number>[];
  /** The contact behind a call. */
  contact(call: LineCall): SimContact;
}

/** The simulated instance, started before the app (whose config names its endpoint). */
export async function startConnectSimulator(agentEmails: string[]): Promise<{
  sim: AmazonConnectSimulator;
  setLambda: (fn: (event: unknown) => Promise<unknown>) => void;
}> {
  let lambda: ((event: unknown) => Promise<unknown>) | null = null;
  const sim = await new AmazonConnectSimulator({
    lambda: (event) => lambda!(event),
    users: agentEmails.map((username) => ({ username })),
  }).start();
  return { sim, setLambda: (fn) => (lambda = fn) };
}

/**
 * A municipality on Amazon Connect: settings naming the simulated instance, agents who are Connect
 * users by e-mail address, an exchange key in (simulated) Secrets Manager and the Lambda function,
 * configured as the README says, reading it through the real SDK client.
 */
export async function connectLine(
  t: TestApp,
  name: string,
  connect: Awaited<ReturnType<typeof startConnectSimulator>>,
): Promise<ConnectLine> {
  const { sim } = connect;
  const municipality = await setUpMunicipality(t, name);
  const res = await municipality.adminSession.agent
    .put(`/api/veilig-bellen/municipalities/${municipality.id}/settings`)
    .set('X-XSRF-TOKEN', municipality.adminSession.csrf)
    .send({
      ...municipality.settings,
      exchangeProvider: 'amazon-connect',
      amazonConnect: { instanceArn: sim.instanceArn },
    });
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
  const secretId = `arn:aws:secretsmanager:${sim.region}:${sim.account}:secret:veilig-bellen-exchange-key`;
  const issue = await municipality.adminSession.agent
    .post(`/api/veilig-bellen/municipalities/${municipality.id}/exchange-key`)
    .set('X-XSRF-TOKEN', municipality.adminSession.csrf)
    .expect(200);
  sim.secrets.set(secretId, issue.body.exchangeKey as string);
  const port = (t.app.getHttpServer().address() as { port: number }).port;
  const lambdaLog: Record<string, string | number>[] = [];
  const handler = createHandler(
    {
      veiligUrl: `http://127.0.0.1:${port}`,
      municipalityId: municipality.id,
      key: { kind: 'secret', secretId },
      instanceArn: sim.instanceArn,
      keyCacheMs: 60_000,
      timeoutMs: 5_000,
    },
    {
      fetch: (url, init) => fetch(url, init),
      readSecret: secretsManagerReader(
        new SecretsManagerClient({
          region: sim.region,
          endpoint: sim.endpoint,
          credentials: sim.credentials,
        }),
      ),
      log: (line) => lambdaLog.push(line),
      now: () => Date.now(),
    },
  );
  connect.setLambda((event) => handler(event as ContactFlowEvent | ContactEventEnvelope));
  const contact = (c: LineCall) => sim.contacts.get(c.ref)!;
  const userIdOf = (connectUserId: string | null) => {
    const username = sim.users.find((u) => u.id === connectUserId)?.username;
    return municipality.agents.find((a) => a.email === username)?.id ?? null;
  };
  return {
    provider: 'amazon-connect',
    municipality,
    sim,
    lambdaLog,
    contact,
    async callIn(dtmf, from) {
      const c = await sim.placeCall({ from, to: municipality.settings.phoneNumber });
      if (c.state === 'gathering') await sim.press(c.id, dtmf);
      return { ref: c.id };
    },
    press: (c, digits) => sim.press(c.ref, digits),
    silence: (c) => sim.silence(c.ref),
    state(c) {
      const s = contact(c).state;
      return s === 'offered' ? 'ringing' : s === 'flow' ? 'gathering' : s;
    },
    heard: (c) =>
      contact(c)
        .log.filter((l) => l.startsWith('say:'))
        .map((l) => l.slice(4)),
    agentOf: (c) => userIdOf(contact(c).agentId ?? contact(c).offeredTo),
    agentAnswers: (c) => sim.agentAccepts(c.ref),
    async agentDoesNotAnswer(c) {
      const agent = contact(c).offeredTo;
      await sim.offerExpires(c.ref);
      // The agent sets the softphone to Available again after the missed call.
      const user = sim.users.find((u) => u.id === agent);
      if (user) user.status = 'Available';
    },
    agentHangsUp: (c) => sim.agentHangsUp(c.ref),
    callerHangsUp: (c) => sim.customerHangsUp(c.ref),
    holdLoop: (c) => sim.holdPromptEnds(c.ref),
    keyIssued: (key) => sim.secrets.set(secretId, key),
    settled: () => sim.settled(),
  };
}

/** Environment for an app whose Amazon Connect calls go to the simulator, signed with its credentials. */
export function connectEnv(sim: AmazonConnectSimulator): Record<string, string> {
  // The SDK's default credential chain reads these from the process environment, as in production.
  process.env.AWS_ACCESS_KEY_ID = sim.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sim.credentials.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return { VEILIG_BELLEN_CONNECT_ENDPOINT: sim.endpoint };
}
