/**
 * The reference phone's CLI against a running server, every step through its commands: the encounter
 * simulator makes B the exposed phone, A verifies with the national eID (login URL opened in a browser,
 * the result received on a loopback redirect) and uploads, C's verification is refused (the result
 * pasted), then `sync` downloads what is new, verifies it against the published keys and matches.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../mobile/cli';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { DAY_MS } from '../src/protocol/gaen';
import { isoDay } from '../src/protocol/identity';
import type { TestIdentityKey } from '../src/protocol/identity/simulators/test-identities';
import { startApp, type TestApp } from './support/app';
import { afterThisHour } from './support/gaen';
import {
  APP_REDIRECT_URI,
  startIdentitySimulators,
  TestBrowser,
  type IdentitySims,
} from './support/identity';
import { freshEnv, testName } from './support/profile';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('mobile CLI: verify-identity and sync against a running server', () => {
  let t: TestApp;
  let sims: IdentitySims;
  let base: string;
  let loopbackUri: string;
  let phones: string;

  /** Runs one CLI command; the browser logs in as `who` when the CLI prints the login URL. */
  const cli = async (argv: string[], who?: TestIdentityKey, redirectUri = APP_REDIRECT_URI) => {
    const lines: string[] = [];
    let browsing: Promise<string> | undefined;
    const code = await runCli(argv, {
      out: (line) => {
        lines.push(line);
        if (who && line.startsWith(`${base}/api/v1/identity/authorize`))
          browsing = new TestBrowser(base, redirectUri).open(line, who);
      },
      err: (line) => lines.push(line),
      env: { VEILIG_PHONE_DIR: phones },
      // The only question left without options: paste the address the browser ended at.
      ask: async (question) => (question.startsWith('Paste') ? browsing! : ''),
    });
    if (browsing) await browsing;
    return { code, lines };
  };

  beforeAll(async () => {
    sims = await startIdentitySimulators();
    loopbackUri = `http://127.0.0.1:${await freePort()}/identity-callback`;
    t = await startApp({
      env: await freshEnv(testName(), {
        ...sims.env,
        IDENTITY_APP_REDIRECT_URIS: `${APP_REDIRECT_URI},${loopbackUri}`,
      }),
      listen: true,
    });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    phones = join(await mkdtemp(join(tmpdir(), 'veilig-phones-')), 'phones');
  });
  afterAll(async () => {
    await t.close();
    await sims.close();
  });

  it('A verifies and uploads, B is told of the exposure, C is not, and a second sync finds nothing new', async () => {
    const encounterDay = isoDay(Date.now() - 2 * DAY_MS);
    expect((await cli(['create', 'C'])).code).toBe(0);
    const simulated = await cli([
      'simulate',
      'A and B within 2 m for 20 min at 10:00',
      '--day',
      encounterDay,
      '--seed',
      '3',
    ]);
    expect(simulated.lines).toEqual(expect.arrayContaining(['created phone A', 'created phone B']));

    // A's symptoms began two days before the encounter: B met A while highly infectious.
    const onset = isoDay(Date.now() - 4 * DAY_MS);
    const verifyA = await cli(
      ['verify-identity', 'A', '--backend', base, '--redirect-uri', loopbackUri, '--onset', onset, '--yes'],
      'positive',
      loopbackUri,
    );
    expect(verifyA.code).toBe(0);
    expect(verifyA.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(`^verified: positive test sampled on ${isoDay(Date.now() - 3 * DAY_MS)}`),
        expect.stringMatching(/^uploaded \d+ keys \(onset .+\); \d+ uploaded keys destroyed, phone rekeyed$/),
      ]),
    );

    const verifyC = await cli(
      ['verify-identity', 'C', '--backend', base, '--no-symptoms', '--yes'],
      'negative',
    );
    expect(verifyC.code).toBe(3);
    expect(verifyC.lines.at(-1)).toMatch(/^Not verified: No positive test/);

    await t.app.get(AggregationService).runCycle(afterThisHour());

    const syncB = await cli(['sync', 'B', '--backend', base]);
    expect(syncB.code).toBe(0);
    expect(syncB.lines.at(-1)).toBe('EXPOSURE: notify the user');
    expect(syncB.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: \d+ keys, signed by 204\/v1$/),
        expect.stringMatching(`^  window ${encounterDay}: HIGH infectiousness, CONFIRMED_TEST, \\d+ scans`),
      ]),
    );
    const syncC = await cli(['sync', 'C', '--backend', base, '--json']);
    expect(JSON.parse(syncC.lines.join('\n'))).toMatchObject({ notify: false, matchedKeys: 0 });
    // Only what is new since the last sync.
    expect((await cli(['sync', 'B', '--backend', base])).lines).toEqual([
      'no new exports',
      expect.stringMatching(/^checked 0 keys \(\w+ kernel\); 0 matched$/),
      'no exposure',
    ]);
  });
});
