/**
 * A protocol-faithful stand-in for the lab registry (see ../lab-registry.ts for the protocol), for tests
 * and the embedded demo only: production configuration refuses it. It answers from the test identities
 * and, for the "registry-timeout" person, does not answer at all until it is closed.
 */
import { timingSafeEqual } from 'node:crypto';
import { POSITIVE_TESTS_PATH } from '../lab-registry';
import { isIsoDate } from '../rules';
import { listen, sendJson, type RunningServer } from './http-server';
import { testIdentities, type TestIdentity } from './test-identities';

export interface LabRegistrySimulatorOptions {
  apiKey: string;
  now?: () => number;
  /** Override the people (default: the test identities as of now). */
  people?: (nowMs: number) => TestIdentity[];
  host?: string;
  port?: number;
}

export class LabRegistrySimulator {
  private constructor(
    private readonly server: RunningServer,
    readonly url: string,
    private readonly counter: { requests: number },
  ) {}

  /** Requests answered or held so far, for tests. */
  get requests(): number {
    return this.counter.requests;
  }

  /** Starts the simulator on loopback (a free port unless `port` is given). */
  static async start(options: LabRegistrySimulatorOptions): Promise<LabRegistrySimulator> {
    const now = options.now ?? Date.now;
    const people = options.people ?? testIdentities;
    const expected = Buffer.from(`Bearer ${options.apiKey}`);
    const counter = { requests: 0 };
    const server = await listen(
      (req, body, res) => {
        counter.requests++;
        if (req.method !== 'POST' || req.url !== POSITIVE_TESTS_PATH)
          return sendJson(res, 404, { error: 'not-found' });
        const auth = Buffer.from(req.headers.authorization ?? '');
        if (auth.length !== expected.length || !timingSafeEqual(auth, expected))
          return sendJson(res, 401, { error: 'unauthorised' });
        let query: { nationalIdentifier?: unknown; sampledOnOrAfter?: unknown };
        try {
          query = JSON.parse(body) as typeof query;
        } catch {
          return sendJson(res, 400, { error: 'bad-request' });
        }
        if (typeof query.nationalIdentifier !== 'string' || !isIsoDate(query.sampledOnOrAfter))
          return sendJson(res, 400, { error: 'bad-request' });
        const person = people(now()).find((p) => p.nationalIdentifier === query.nationalIdentifier);
        if (!person?.lab) return sendJson(res, 404, { error: 'unknown-person' });
        if (person.lab.timeout) return; // held open until close()
        const since = query.sampledOnOrAfter;
        sendJson(res, 200, {
          person: { birthDate: person.lab.birthDate },
          positiveTests: person.lab.positiveSampleDates
            .filter((d) => d >= since)
            .map((sampleDate) => ({ sampleDate, testType: 'PCR' })),
        });
      },
      { host: options.host, port: options.port },
    );
    return new LabRegistrySimulator(server, server.url, counter);
  }

  /** Stops listening and drops held requests. */
  close(): Promise<void> {
    return this.server.close();
  }
}
