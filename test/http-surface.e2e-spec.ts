import { startApp, type TestApp } from './support/app';

describe('HTTP surface', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.checks.database).toBe('up');
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toContain('veilig_http_request_duration_seconds');
    const doc = await t.http().get('/api/docs/openapi.json').expect(200);
    expect(doc.body.paths['/api/auth/login']).toBeDefined();
  });

  it('sets security headers', async () => {
    const res = await t.http().get('/health/live');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers machine routes without cookies, credentialed CORS or the page policy', async () => {
    const page = await t.http().get('/api/auth/csrf').set('Origin', 'https://evil.example');
    expect(page.headers['set-cookie']).toBeDefined();
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    // An export index goes through CDNs: a Set-Cookie would stop caching or share one CSRF token.
    const index = await t.http().get('/api/v1/exports/NL/index.json').set('Origin', 'https://evil.example');
    expect(index.status).toBe(200);
    expect(index.headers['set-cookie']).toBeUndefined();
    expect(index.headers['access-control-allow-credentials']).toBeUndefined();
    expect(index.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each([
    [
      'malformed JSON',
      (a: ReturnType<TestApp['http']>, csrf: string) =>
        a
          .post('/api/auth/login')
          .set('X-XSRF-TOKEN', csrf)
          .set('Content-Type', 'application/json')
          .send('{"email":'),
      400,
    ],
    [
      'a body over the limit',
      (a: ReturnType<TestApp['http']>, csrf: string) =>
        a
          .post('/api/auth/login')
          .set('X-XSRF-TOKEN', csrf)
          .send({ email: 'a@b.nl', password: 'x'.repeat(200_000) }),
      413,
    ],
    ['an unknown route', (a: ReturnType<TestApp['http']>) => a.get('/api/nothing-here'), 404],
    ['a wrong method', (a: ReturnType<TestApp['http']>) => a.put('/health/live'), 404],
    ['no session', (a: ReturnType<TestApp['http']>) => a.get('/api/admin/users'), 401],
  ])('answers %s with problem+json %i', async (_label, send, status) => {
    const agent = t.http();
    const { token } = (await agent.get('/api/auth/csrf')).body;
    const res = await send(agent, token);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, title: expect.any(String) });
  });

  it('does not let CORS open the API to an unlisted origin', async () => {
    const res = await t
      .http()
      .options('/api/auth/me')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
