import { SignJWT } from 'jose';
import { DataSource } from 'typeorm';
import { BackendClient, BackendError, toUploadedKeys } from '../mobile/backend-client';
import { Phone } from '../mobile/phone';
import { APP_CONFIG, type AppConfig } from '../src/config/app-config';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { UploadTokenService, type UploadTokenClaims } from '../src/modules/key-store/upload-token.service';
import { readExportFile } from '../src/protocol/gaen';
import { startApp, type TestApp } from './support/app';
import { afterThisHour, aMeetsB, checkExposure } from './support/gaen';

const claims: UploadTokenClaims = { flow: 'test', reportType: 1, maxKeys: 30 };

describe('exposure key store: upload → aggregation → signed export → download and match', () => {
  let t: TestApp;
  let client: BackendClient;
  const scenario = aMeetsB(2);
  const { A, B, C } = scenario.phones;
  const mint = (c: Partial<UploadTokenClaims> = {}, ttlMs?: number) =>
    t.app.get(UploadTokenService).mint({ ...claims, ...c }, ttlMs);
  const storedKeys = () => t.app.get(DataSource).getRepository(DiagnosisKey).count();
  const raw = () => t.http().post('/api/v1/diagnosis-keys');
  /** The keys of a new phone that has been on for the last `days` days. */
  const keysOfPhone = (id: string, days: number) => {
    const p = Phone.create({ id, clock: scenario.clock });
    for (let d = 1; d <= days; d++) p.tekAt(scenario.clock.nowMs() - d * 86_400_000);
    return p.diagnosisKeys({ includeCurrentKey: false });
  };

  beforeAll(async () => {
    t = await startApp({ listen: true });
    const { port } = t.app.getHttpServer().address() as { port: number };
    client = new BackendClient(`http://127.0.0.1:${port}`);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  it('refuses malformed uploads, saying which key and why, and stores nothing', async () => {
    const { token } = await mint();
    const good = toUploadedKeys(A.diagnosisKeys({ includeCurrentKey: false }));
    const cases: [string, object, string, number?][] = [
      ['no keys', { keys: [] }, 'validation'],
      ['a short key', { keys: [{ ...good[0], key: 'AAAA' }] }, 'key-bad-key-data', 0],
      ['a key that is not an object', { keys: [good[0], null] }, 'key-not-a-key', 1],
      ['an unknown field in a key', { keys: [{ ...good[0], reportType: 1 }] }, 'key-unknown-field', 0],
      [
        'an unaligned start',
        {
          keys: [good[0], { ...good[1], rollingStartIntervalNumber: good[1].rollingStartIntervalNumber + 1 }],
        },
        'key-start-not-aligned',
        1,
      ],
      [
        'a key from the future',
        { keys: [{ ...good[0], rollingStartIntervalNumber: good[0].rollingStartIntervalNumber + 144 * 30 }] },
        'key-start-in-future',
        0,
      ],
      [
        'a key too old',
        { keys: [{ ...good[0], rollingStartIntervalNumber: good[0].rollingStartIntervalNumber - 144 * 20 }] },
        'key-too-old',
        0,
      ],
      [
        'two keys for one day',
        { keys: [good[0], { ...good[1], rollingStartIntervalNumber: good[0].rollingStartIntervalNumber }] },
        'key-overlapping-keys',
        1,
      ],
      ['a period of 145', { keys: [{ ...good[0], rollingPeriod: 145 }] }, 'key-bad-rolling-period', 0],
      [
        'a risk level of 9',
        { keys: [{ ...good[0], transmissionRiskLevel: 9 }] },
        'key-bad-transmission-risk',
        0,
      ],
      ['a country that is not ISO', { keys: good.slice(0, 2), visitedCountries: ['XX'] }, 'bad-country'],
      ['an unknown field', { keys: good.slice(0, 2), admin: true }, 'validation'],
      ['keys that are not a list', { keys: 'all of them' }, 'validation'],
      ['a padding that is not text', { keys: good.slice(0, 2), padding: 5 }, 'validation'],
      [
        'a consent that is not a boolean',
        { keys: good.slice(0, 2), consentToFederation: 'yes' },
        'validation',
      ],
      ['31 keys', { keys: Array.from({ length: 31 }, () => good[0]) }, 'validation'],
    ];
    for (const [label, body, slug, keyIndex] of cases) {
      const res = await raw().set('Authorization', `Bearer ${token}`).send(body);
      expect({ label, status: res.status, type: res.body.type }).toEqual({
        label,
        status: 400,
        type: expect.stringMatching(new RegExp(`/${slug}$`)),
      });
      if (keyIndex !== undefined) expect(res.body.keyIndex).toBe(keyIndex);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.padding.length).toBeGreaterThanOrEqual(1024);
    }
    const big = await raw()
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ keys: good, padding: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(await storedKeys()).toBe(0);
  });

  it('refuses uploads without a valid token', async () => {
    const keys = A.diagnosisKeys({ includeCurrentKey: false });
    await expect(client.uploadKeys(keys)).rejects.toMatchObject({ status: 401 });
    await expect(client.uploadKeys(keys, { uploadToken: 'not.a.token' })).rejects.toMatchObject({
      status: 401,
    });
    const expired = await mint({}, -60_000);
    const err = (await client
      .uploadKeys(keys, { uploadToken: expired.token })
      .catch((e: unknown) => e)) as BackendError;
    expect(err.status).toBe(401);
    expect(err.problem.detail).toMatch(/expired/);
    const fewer = await mint({ maxKeys: 2 });
    await expect(client.uploadKeys(keys, { uploadToken: fewer.token })).rejects.toMatchObject({
      status: 400,
    });
    // Signed with the platform's secret, but not an upload token as minted.
    const secret = new TextEncoder().encode(t.app.get<AppConfig>(APP_CONFIG).keyStore.uploadTokenSecret);
    const now = Math.floor(Date.now() / 1000);
    const forged = (alg: string, set: (jwt: SignJWT) => SignJWT) =>
      set(
        new SignJWT({ ...claims })
          .setProtectedHeader({ alg })
          .setIssuedAt(now)
          .setExpirationTime(now + 600),
      ).sign(secret);
    for (const token of [
      await forged('HS256', (j) => j.setIssuer('veilig').setAudience('someone-else').setJti('j1')),
      await forged('HS256', (j) => j.setIssuer('veilig').setAudience('veilig:key-upload')),
      await forged('HS512', (j) => j.setIssuer('veilig').setAudience('veilig:key-upload').setJti('j2')),
      await forged('HS256', (j) =>
        j
          .setIssuer('veilig')
          .setAudience('veilig:key-upload')
          .setJti('j3')
          .setNotBefore(now + 300),
      ),
    ])
      await expect(client.uploadKeys(keys, { uploadToken: token })).rejects.toMatchObject({ status: 401 });
    expect(await storedKeys()).toBe(0);
  });

  it("pads the body parser's refusals like every other answer of the upload route", async () => {
    const tooLarge = await raw()
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ keys: [], padding: 'x'.repeat(70_000) }));
    const malformed = await raw().set('Content-Type', 'application/json').send('{"keys": [');
    for (const [res, status, type] of [
      [tooLarge, 413, 'body-too-large'],
      [malformed, 400, 'malformed-body'],
    ] as const) {
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe(`https://veilig.dev/problems/${type}`);
      expect(res.body.padding.length).toBeGreaterThanOrEqual(1024);
    }
  });

  it('answers a decoy like a real upload and stores nothing', async () => {
    const keys = toUploadedKeys(C.diagnosisKeys({ includeCurrentKey: false }));
    const res = await raw().set('X-Chaff', '1').send({ keys, padding: 'abc' });
    expect(res.status).toBe(200);
    expect(res.body.insertedKeys).toBe(keys.length);
    expect(res.body.padding.length).toBeGreaterThanOrEqual(1024);
    expect(await storedKeys()).toBe(0);
  });

  it('moves no metric differently for a decoy than for a real upload', async () => {
    /** Application metrics (veilig_*), without the timing buckets whose spread is random either way. */
    const scrape = async () =>
      new Map(
        (await t.http().get('/metrics').expect(200)).text
          .split('\n')
          .filter((l) => l.startsWith('veilig_') && !/_bucket\{|_sum\{/.test(l))
          .map((l) => [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)] as const),
      );
    const moved = (before: Map<string, string>, after: Map<string, string>) =>
      [...after].filter(([name, value]) => before.get(name) !== value).map(([name]) => name);
    const keys = toUploadedKeys(keysOfPhone('metrics-phone', 3));
    const start = await scrape();
    await raw().set('X-Chaff', '1').send({ keys }).expect(200);
    const afterDecoy = await scrape();
    const { token } = await mint();
    await raw().set('Authorization', `Bearer ${token}`).send({ keys }).expect(200);
    const afterReal = await scrape();
    expect(moved(afterDecoy, afterReal)).toEqual(moved(start, afterDecoy));
    await t.app.get(DataSource).getRepository(DiagnosisKey).clear(); // the next tests count from zero
  });

  it('stores a verified upload once; the same token cannot be used again', async () => {
    const { token } = await mint({
      onsetDate: new Date(scenario.encounterMs - 86_400_000).toISOString().slice(0, 10),
    });
    const keys = A.diagnosisKeys();
    expect(
      await client.uploadKeys(keys, {
        uploadToken: token,
        visitedCountries: ['DE'],
        consentToFederation: true,
      }),
    ).toBe(keys.length);
    const replay = (await client
      .uploadKeys(keys, { uploadToken: token })
      .catch((e: unknown) => e)) as BackendError;
    expect(replay.status).toBe(409);
    expect(replay.slug).toBe('upload-token-used');
    const again = await mint();
    const dup = (await client
      .uploadKeys(keys, { uploadToken: again.token })
      .catch((e: unknown) => e)) as BackendError;
    expect(dup.slug).toBe('duplicate-key');
    expect(await storedKeys()).toBe(keys.length);
    const stored = await t.app.get(DataSource).getRepository(DiagnosisKey).find();
    expect(new Set(stored.map((k) => k.daysSinceOnsetOfSymptoms))).not.toContain(null);
  });

  it('exports ready keys in a signed, padded file; B who met A is notified, C is not', async () => {
    const reports = await t.app.get(AggregationService).runCycle(afterThisHour());
    expect(reports).toHaveLength(1);
    // Today's key is still being broadcast: it waits for a later cycle.
    expect(reports[0].realKeys).toBe(13);
    // Keys are counted when published, never when uploaded (that would tell real uploads from decoys).
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/veilig_diagnosis_keys_exported_total\{region="NL"\} \d+/);
    expect(await t.app.get(AggregationService).runCycle(afterThisHour())).toEqual([]);

    const index = await client.exportIndex('NL');
    expect(index).toHaveLength(1);
    const zip = await client.downloadExport(index[0]);
    const file = await readExportFile(zip, await client.signingKeys());
    expect(file.keys.count).toBeGreaterThanOrEqual(1000);

    const forB = await checkExposure(client, B, 'NL');
    expect(forB.notify).toBe(true);
    expect(forB.matchedKeys.length).toBeGreaterThan(0);
    expect((await checkExposure(client, C, 'NL')).notify).toBe(false);
    const badSignature = await checkExposure(client, B, 'NL', { wrongKey: true });
    expect(badSignature.notify).toBe(false);
    expect(badSignature.files.every((f) => !f.ok)).toBe(true);
  });

  it('serves the index briefly cacheable and files immutable, with ETags', async () => {
    const index = await t.http().get('/api/v1/exports/NL/index.json').expect(200);
    expect(index.headers['cache-control']).toBe('public, max-age=300, stale-while-revalidate=300');
    const indexPath = '/api/v1/exports/NL/index.json';
    const conditional = (path: string, headers: Record<string, string>) => t.http().get(path).set(headers);
    await conditional(indexPath, { 'If-None-Match': index.headers.etag }).expect(304);
    await conditional(indexPath, { 'If-None-Match': `"other", W/${index.headers.etag}` }).expect(304);
    await conditional(indexPath, { 'If-None-Match': '"other"' }).expect(200);
    await conditional(indexPath, { 'If-Modified-Since': index.headers['last-modified'] }).expect(304);
    const before = new Date(Date.parse(index.headers['last-modified']) - 1000).toUTCString();
    await conditional(indexPath, { 'If-Modified-Since': before }).expect(200);
    const name = index.body.files[0].name as string;
    const file = await t.http().get(`/api/v1/exports/NL/${name}`).expect(200);
    expect(file.headers['cache-control']).toBe('public, max-age=1209600, immutable');
    expect(file.headers.etag).toBe(`"${index.body.files[0].sha256}"`);
    expect(file.headers['last-modified']).toBe(index.headers['last-modified']);
    await conditional(`/api/v1/exports/NL/${name}`, { 'If-None-Match': file.headers.etag }).expect(304);
    await conditional(`/api/v1/exports/NL/${name}`, {
      'If-Modified-Since': file.headers['last-modified'],
    }).expect(304);
    expect(
      (await t.http().get(`/api/v1/exports/NL/index.json?after=${name}`).expect(200)).body.files,
    ).toEqual([]);
    await t.http().get('/api/v1/exports/nl/index.json').expect(400);
    await t.http().get('/api/v1/exports/NL/../../etc/passwd').expect(404);
    await t.http().get('/api/v1/exports/NL/NL-1-2.zip').expect(404);
    const keys = await t.http().get('/.well-known/veilig/export-signing-keys').expect(200);
    expect(keys.body.keys[0]).toMatchObject({
      verificationKeyId: '204',
      verificationKeyVersion: 'v1',
      active: true,
    });
  });

  it('spends a token only with its keys: a refused duplicate leaves it usable, two racing uploads store once', async () => {
    const before = await storedKeys();
    const phone = (id: string) => keysOfPhone(id, 3);
    const { token } = await mint();
    const dup = (await client
      .uploadKeys(A.diagnosisKeys(), { uploadToken: token })
      .catch((e: unknown) => e)) as BackendError;
    expect(dup.slug).toBe('duplicate-key');
    expect(await client.uploadKeys(phone('D'), { uploadToken: token })).toBe(3);

    const racing = await mint();
    const outcomes = await Promise.allSettled([
      client.uploadKeys(phone('E'), { uploadToken: racing.token }),
      client.uploadKeys(phone('F'), { uploadToken: racing.token }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as BackendError).slug).toBe('upload-token-used');
    expect(await storedKeys()).toBe(before + 6);
  });

  // Whether these share statements depends on timing; the next test makes them share for certain.
  it('settles each of many concurrent uploads on its own', async () => {
    const before = await storedKeys();
    const phone = (id: string) => keysOfPhone(id, 2);
    const earlier = phone('earlier');
    await client.uploadKeys(earlier, { uploadToken: (await mint()).token });
    const shared = await mint();
    const twice = phone('twice');
    // Tokens and keys first, so that the uploads leave together.
    const burst: [string, ReturnType<typeof phone>, string][] = [];
    for (let i = 0; i < 30; i++) burst.push(['stored', phone(`burst-${i}`), (await mint()).token]);
    burst.splice(5, 0, ['key stored before', earlier, (await mint()).token]);
    burst.splice(10, 0, ['same keys', twice, (await mint()).token]);
    burst.splice(15, 0, ['same keys', twice, (await mint()).token]);
    burst.splice(20, 0, ['same token', phone('token-1'), shared.token]);
    burst.splice(25, 0, ['same token', phone('token-2'), shared.token]);
    const uploads = burst.map(
      ([label, keys, token]) => [label, client.uploadKeys(keys, { uploadToken: token })] as const,
    );
    const outcomes = await Promise.allSettled(uploads.map(([, p]) => p));
    const slugs = (label: string) =>
      outcomes
        .filter((_, i) => uploads[i][0] === label)
        .map((o) => (o.status === 'fulfilled' ? 'stored' : (o.reason as BackendError).slug))
        .sort();
    expect(slugs('stored')).toEqual(Array(30).fill('stored'));
    expect(slugs('key stored before')).toEqual(['duplicate-key']);
    expect(slugs('same keys')).toEqual(['duplicate-key', 'stored']);
    expect(slugs('same token')).toEqual(['stored', 'upload-token-used']);
    expect(await storedKeys()).toBe(before + 33 * 2);
    // On PostgreSQL, uploads that arrive while earlier statements run go together.
  });
});
