import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { toUploadedKeys } from '../mobile/backend-client';
import { Phone } from '../mobile/phone';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { ensurePlatformAdmin, startApp, type TestApp } from './support/app';
import { aMeetsB } from './support/gaen';
import { freshEnv, POSTGRES_ADMIN_URL, servicesProfile, testName } from './support/profile';
import { startRedisServer } from './support/redis-server';

/**
 * The database stops taking writes and comes back: nothing answered as stored may be lost. Embedded:
 * `PRAGMA max_page_count` makes SQLite fail with SQLITE_FULL exactly as a full disk does. PostgreSQL:
 * the database turns read-only (as a standby after failover) and every connection is cut.
 */
describe('storage faults: acknowledged = stored', () => {
  const clock = aMeetsB(1).clock;
  let t: TestApp;
  let acknowledged = 0;
  let phones = 0;

  const keysOfNewPhone = () => {
    const p = Phone.create({ id: `storage-${phones++}`, clock });
    for (let d = 1; d <= 14; d++) p.tekAt(clock.nowMs() - d * 86_400_000);
    return toUploadedKeys(p.diagnosisKeys({ includeCurrentKey: false }));
  };
  const upload = async (keys: ReturnType<typeof keysOfNewPhone>) => {
    const { token } = await t.app.get(UploadTokenService).mint({ flow: 'test', reportType: 1, maxKeys: 30 });
    const res = await t
      .http()
      .post('/api/v1/diagnosis-keys')
      .set('Authorization', `Bearer ${token}`)
      .send({ keys });
    if (res.status === 200) acknowledged += (res.body as { insertedKeys: number }).insertedKeys;
    return res;
  };
  const ready = async () => (await t.http().get('/health/ready')).body as { checks: { database: string } };
  const eventually = async (state: string) => {
    for (let i = 0; i < 50 && (await ready()).checks.database !== state; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await ready()).checks.database).toBe(state);
  };

  /** Makes the database refuse writes, or take them again. */
  let setWritable: (writable: boolean) => Promise<void>;

  beforeAll(async () => {
    t = await startApp();
    if (servicesProfile) {
      const name = new URL(t.env.DATABASE_URL).pathname.slice(1);
      setWritable = async (writable) => {
        const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
        await admin.connect();
        try {
          await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = ${!writable}`);
          await admin.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [name],
          );
        } finally {
          await admin.end();
        }
      };
    } else {
      const sqlite = (
        t.app.get(DataSource).driver as unknown as {
          databaseConnection: { pragma(s: string, o?: { simple: boolean }): unknown };
        }
      ).databaseConnection;
      setWritable = async (writable) => {
        const pages = Number(sqlite.pragma('page_count', { simple: true }));
        sqlite.pragma(`max_page_count = ${writable ? 1_000_000 : pages + 2}`);
      };
    }
  });
  afterAll(() => t.close());

  it('refuses writes with 503 while the database is full, reports it, and loses nothing acknowledged', async () => {
    expect((await upload(keysOfNewPhone())).status).toBe(200);
    await setWritable(false);

    const during: number[] = [];
    for (let i = 0; i < 12; i++) {
      const keys = keysOfNewPhone();
      during.push((await upload(keys)).status);
      // A refused duplicate rolls back a transaction of its own: it must not leave one open.
      if (i % 3 === 0) during.push((await upload(keys.slice(0, 1))).status);
    }
    expect(during.filter((s) => ![200, 409, 503].includes(s))).toEqual([]);
    expect(during).toContain(503);
    const refused = await upload(keysOfNewPhone());
    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toMatchObject({ type: 'https://veilig.dev/problems/storage-unavailable' });
    await eventually('not-writable');
    expect((await t.http().get('/health/ready')).status).toBe(503);

    await setWritable(true);
    await eventually('up');
    for (let i = 0; i < 6; i++) {
      const keys = keysOfNewPhone();
      expect((await upload(keys)).status).toBe(200);
      expect((await upload(keys.slice(2, 3))).status).toBe(409);
    }

    const env = t.env;
    await t.close();
    t = await startApp({ env });
    expect(await t.app.get(DataSource).getRepository(DiagnosisKey).count()).toBe(acknowledged);
  });
});

// Only the services profile has a Redis to lose.
(servicesProfile ? describe : describe.skip)('Redis down', () => {
  it('answers sign-in with a fast 503 problem and recovers when Redis is back', async () => {
    const redis = await startRedisServer();
    const env: Record<string, string> = { ...(await freshEnv(testName('redis'))), REDIS_URL: redis.url };
    const t = await startApp({ env });
    try {
      const admin = await ensurePlatformAdmin(t);
      const signIn = async () => {
        const agent = t.http();
        const { token } = (await agent.get('/api/auth/csrf')).body as { token: string };
        const started = performance.now();
        const res = await agent
          .post('/api/auth/login')
          .set('X-XSRF-TOKEN', token)
          .send({ email: admin.user.email, password: admin.password });
        return { res, ms: performance.now() - started };
      };
      await redis.stop();
      const down = await signIn();
      expect(down.res.status).toBe(503);
      expect(down.res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.res.headers['retry-after']).toBe('5');
      expect(down.ms).toBeLessThan(2000); // ioredis defaults took 2.7 s and then answered 500
      await redis.restart();
      let up = await signIn();
      for (let i = 0; i < 20 && up.res.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        up = await signIn();
      }
      expect(up.res.status).toBe(200);
    } finally {
      await t.close();
      await redis.stop();
    }
  });
});
