import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BackendClient } from '../mobile/backend-client';
import { JOBS } from '../src/modules/jobs/job-definitions';
import { JobRunner } from '../src/modules/jobs/job-runner';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { createUser, signedInAgent, startApp, type TestApp } from './support/app';
import { afterThisHour, aMeetsB, checkExposure } from './support/gaen';
import { startPostgresCluster, type PostgresCluster } from './support/postgres-cluster';
import { embeddedEnv, servicesProfile, testName } from './support/profile';
import { startRedisServer, type TestRedisServer } from './support/redis-server';
import { createTestCa, type TestCa } from './support/test-ca';

/**
 * The production profile as it runs: PostgreSQL with `ssl = on` and a TLS-only Redis that asks for
 * client certificates, both with certificates from a CA made here, and the app with
 * DATABASE_SSL=verify-full and rediss://. The misconfigurations an operator makes end start-up at once,
 * naming the variable. Runs in `npm run test:services` (the entities need the PostgreSQL column types).
 */
(servicesProfile ? describe : describe.skip)('PostgreSQL and Redis over verified TLS', () => {
  let dir: string;
  let ca: TestCa;
  let otherCa: TestCa;
  let postgres: PostgresCluster;
  let redis: TestRedisServer;
  const extraServers: TestRedisServer[] = [];
  let env: Record<string, string>;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veilig-tls-'));
    ca = createTestCa(dir, 'services');
    otherCa = createTestCa(dir, 'other');
    postgres = await startPostgresCluster(ca.issue('postgres', { ip: ['127.0.0.1'], dns: ['localhost'] }));
    postgres.psql('CREATE DATABASE veilig');
    redis = await startRedisServer({
      server: ca.issue('redis', { ip: ['127.0.0.1'] }),
      caFile: ca.caFile,
      authClients: 'yes',
    });
    const client = ca.issue('veilig-app', { clientAuth: true });
    env = embeddedEnv(testName(), {
      DATABASE_URL: postgres.url('veilig'),
      DATABASE_SSL: 'verify-full',
      DATABASE_CA_FILE: ca.caFile,
      REDIS_URL: redis.url,
      REDIS_CA_FILE: ca.caFile,
      REDIS_CERT_FILE: client.certFile,
      REDIS_KEY_FILE: client.keyFile,
      REDIS_PREFIX: testName(),
    });
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  afterAll(async () => {
    await Promise.all([redis, ...extraServers].map((s) => s?.stop()));
    postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(overrides: Record<string, string> = {}): Promise<TestApp> {
    // One DATA_DIR: the instances share the export files as they would share a volume or an object store.
    const t = await startApp({ env: { ...env, ...overrides }, listen: true });
    apps.push(t);
    return t;
  }
  const baseUrl = (t: TestApp) =>
    `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;

  it('uploads on one instance, aggregates on the Bull queue, serves the export on another; a user signs in', async () => {
    const [a, b] = [await start(), await start()];
    const tls = await a.app
      .get(DataSource)
      .query<{ ssl: boolean }[]>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(tls).toEqual([{ ssl: true }]);

    const scenario = aMeetsB(2);
    const { A, B, C } = scenario.phones;
    const { token } = await a.app.get(UploadTokenService).mint({ flow: 'test', reportType: 1, maxKeys: 30 });
    await new BackendClient(baseUrl(a)).uploadKeys(A.diagnosisKeys(), { uploadToken: token });

    const jobs = a.app.get(JobRunner);
    await jobs.add(
      JOBS.aggregateExports,
      { windowEnd: afterThisHour().toISOString() },
      { jobId: 'tls-cycle' },
    );
    await jobs.idle();

    const fromB = new BackendClient(baseUrl(b));
    expect(await fromB.exportIndex('NL')).toHaveLength(1);
    expect((await checkExposure(fromB, B, 'NL')).notify).toBe(true);
    expect((await checkExposure(fromB, C, 'NL')).notify).toBe(false);

    const user = await createUser(a, { email: 'tls@ggd.test', roles: ['admin'] });
    const { user: signedIn } = await signedInAgent(b, user.email, user.password);
    expect(signedIn).toMatchObject({ email: user.email });
    await b
      .http()
      .get('/health/ready')
      .expect(200, { status: 'ok', checks: { database: 'up', redis: 'up' } });
  });

  describe('refuses to start, naming the variable', () => {
    const refusal = (overrides: Record<string, string>, only: 'database' | 'redis') => {
      // Nest does not close what a failed start-up opened: a Redis client connected while the database
      // failed would reconnect forever, so the database cases run without Redis.
      const withoutRedis = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('REDIS_')));
      return startApp({ env: { ...(only === 'database' ? withoutRedis : env), ...overrides } }).then(
        (t) => t.close().then(() => 'started'),
        (e: Error) => e.message,
      );
    };

    it('when DATABASE_CA_FILE or REDIS_CA_FILE did not sign the server certificate', async () => {
      expect(await refusal({ DATABASE_CA_FILE: otherCa.caFile }, 'database')).toMatch(
        /^DATABASE_CA_FILE: the PostgreSQL server at 127\.0\.0\.1:\d+ presented a certificate that DATABASE_CA_FILE did not sign/,
      );
      expect(await refusal({ REDIS_CA_FILE: otherCa.caFile }, 'redis')).toMatch(
        /^REDIS_CA_FILE: the Redis server at 127\.0\.0\.1:\d+ presented a certificate that REDIS_CA_FILE did not sign/,
      );
    });

    it('when Redis asks for a client certificate and REDIS_CERT_FILE holds none it trusts', async () => {
      const stranger = otherCa.issue('stranger', { clientAuth: true });
      expect(
        await refusal({ REDIS_CERT_FILE: stranger.certFile, REDIS_KEY_FILE: stranger.keyFile }, 'redis'),
      ).toMatch(/^REDIS_CERT_FILE: the Redis server at 127\.0\.0\.1:\d+ refused the client certificate/);
    });

    it('when the server certificate does not name the host in DATABASE_URL or REDIS_URL', async () => {
      const elsewhere = ca.issue('elsewhere', { dns: ['db.elsewhere.test'] });
      const wrongName = await startRedisServer({
        server: elsewhere,
        caFile: ca.caFile,
        authClients: 'no',
      });
      extraServers.push(wrongName);
      expect(await refusal({ REDIS_URL: wrongName.url }, 'redis')).toMatch(
        /^REDIS_URL: the Redis server certificate at 127\.0\.0\.1:\d+ does not name this host/,
      );
      postgres.install(elsewhere, 'elsewhere');
      await postgres.reconfigure({
        ssl: 'on',
        ssl_cert_file: 'elsewhere.crt',
        ssl_key_file: 'elsewhere.key',
      });
      try {
        expect(await refusal({}, 'database')).toMatch(
          /^DATABASE_URL: the PostgreSQL server certificate at 127\.0\.0\.1:\d+ does not name this host/,
        );
      } finally {
        await postgres.reconfigure({ ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' });
      }
    });

    it('when the server does not offer TLS', async () => {
      const plain = await startRedisServer();
      extraServers.push(plain);
      expect(await refusal({ REDIS_URL: `rediss://127.0.0.1:${plain.port}` }, 'redis')).toMatch(
        /^REDIS_URL \(rediss:\/\/\): no TLS handshake with the Redis server at 127\.0\.0\.1:\d+ in time; it does not offer TLS on this port/,
      );
      await postgres.reconfigure({ ssl: 'off' });
      try {
        expect(await refusal({}, 'database')).toMatch(
          /^DATABASE_SSL=verify-full: the PostgreSQL server at 127\.0\.0\.1:\d+ does not offer TLS/,
        );
      } finally {
        await postgres.reconfigure({ ssl: 'on' });
      }
    });
  });
});
