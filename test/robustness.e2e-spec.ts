import { startApp, type TestApp } from './support/app';

/**
 * Bad input never ends in a 500: every route in the OpenAPI document gets malformed JSON, wrong types,
 * unknown fields and nonsense path parameters, signed in as a platform admin with a CSRF token (so the
 * requests reach validation instead of stopping at authentication), and must answer with a 4xx.
 */
describe('robustness: every documented route answers bad input with a 4xx', () => {
  let t: TestApp;
  let agent: ReturnType<TestApp['http']>;
  let csrf: string;

  beforeAll(async () => {
    t = await startApp({ listen: true });
    const { ensurePlatformAdmin, signedInAgent } = await import('./support/app');
    const admin = await ensurePlatformAdmin(t);
    const s = await signedInAgent(t, admin.user.email, admin.password);
    await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: admin.password, newPassword: 'robustness check password' })
      .expect(204);
    agent = s.agent;
    csrf = s.csrf;
  });
  afterAll(() => t.close());

  const bodies: [string, string][] = [
    ['malformed JSON', '{"keys": [1, 2'],
    [
      'wrong types',
      JSON.stringify({ keys: 'x', email: 42, roles: 'admin', name: [], reference: {}, cms: 7, code: null }),
    ],
    ['unknown fields', JSON.stringify({ surprise: true, __proto__: { admin: true } })],
    ['a JSON array', '[1,2,3]'],
  ];

  it('holds for all routes and payloads', async () => {
    const doc = (await t.http().get('/api/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const failures: string[] = [];
    let requests = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
        for (const filler of [
          'not-a-uuid',
          '..%2F..%2Fetc',
          '00000000-0000-0000-0000-000000000000',
          'x'.repeat(300),
        ]) {
          const url = path.replace(/\{[^}]+\}/g, filler);
          const payloads = method === 'get' || method === 'delete' ? [['no body', '']] : bodies;
          for (const [label, body] of payloads) {
            const open = (agent as unknown as Record<string, (u: string) => import('supertest').Test>)[
              method
            ].bind(agent);
            const req = open(url).set('X-XSRF-TOKEN', csrf).set('Content-Type', 'application/json');
            const res = body ? await req.send(body) : await req;
            requests++;
            if (res.status >= 500) failures.push(`${method.toUpperCase()} ${url} (${label}) → ${res.status}`);
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});
