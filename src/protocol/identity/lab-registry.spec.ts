import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LabRegistryClient, LabRegistryError } from './lab-registry';
import { checkCodeVerifier, codeChallengeS256 } from './pkce';
import { LabRegistrySimulator } from './simulators/lab-registry-simulator';
import { testIdentities } from './simulators/test-identities';

describe('lab registry client against the simulator', () => {
  let sim: LabRegistrySimulator;
  const people = Object.fromEntries(testIdentities(Date.now()).map((p) => [p.key, p.nationalIdentifier]));
  const client = (apiKey = 'k'.repeat(20), timeoutMs = 300) =>
    new LabRegistryClient(sim.url, { apiKey, timeoutMs });

  beforeAll(async () => {
    sim = await LabRegistrySimulator.start({ apiKey: 'k'.repeat(20) });
  });
  afterAll(() => sim.close());

  it('returns positive tests sampled since the given day, null for an unknown person', async () => {
    const since = new Date(Date.now() - 28 * 86_400_000).toISOString().slice(0, 10);
    const ola = await client().positiveTests(people['positive-2'], since);
    expect(ola?.positiveTests).toHaveLength(1); // the 30-day-old sample is not sent
    expect(ola?.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((await client().positiveTests(people.negative, since))?.positiveTests).toEqual([]);
    await expect(client().positiveTests(people.unknown, since)).resolves.toBeNull();
  });

  it('reports a timeout and a refused API key as distinct errors, never naming the person', async () => {
    const timeout = (await client()
      .positiveTests(people['registry-timeout'], '2025-01-01')
      .catch((e: unknown) => e)) as LabRegistryError;
    expect([timeout.kind, timeout.message]).toEqual(['unavailable', 'no answer within 300 ms']);
    const refused = (await client('wrong-key-wrong-key')
      .positiveTests(people.positive, '2025-01-01')
      .catch((e: unknown) => e)) as LabRegistryError;
    expect(refused.kind).toBe('rejected');
    expect(refused.message).not.toContain(people.positive);
  });

  it('treats unreadable answers and 5xx as protocol errors and unavailability', async () => {
    let answer = { status: 200, body: '{"person":{}}' };
    const server = createServer((_, res) =>
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = new LabRegistryClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      apiKey: 'x',
      timeoutMs: 1000,
    });
    try {
      await expect(c.positiveTests('1', '2025-01-01')).rejects.toMatchObject({ kind: 'protocol' });
      answer = { status: 502, body: '' };
      await expect(c.positiveTests('1', '2025-01-01')).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      server.close();
    }
  });
});

describe('PKCE S256 (RFC 7636)', () => {
  it('matches the RFC 7636 Appendix B example and compares in constant time', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(codeChallengeS256(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    expect(checkCodeVerifier(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
    expect(checkCodeVerifier(`${verifier}x`, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
  });
});
