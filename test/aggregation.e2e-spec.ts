import { randomBytes } from 'node:crypto';
import { DataSource, In } from 'typeorm';
import { FileStore } from '../src/infrastructure/file-store';
import { AggregationService, exportStorageKey } from '../src/modules/key-store/aggregation.service';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { ExportBatch } from '../src/modules/key-store/entities/export-batch.entity';
import { ExportFile } from '../src/modules/key-store/entities/export-file.entity';
import { ExportSigningService } from '../src/modules/key-store/export-signing.service';
import { PurgeKeysProcessor } from '../src/modules/key-store/key-store.processors';
import { readExportFile } from '../src/protocol/gaen';
import { startApp, type TestApp } from './support/app';
import { freshEnv, servicesProfile, testName } from './support/profile';
import { startS3Simulator } from './support/s3-simulator';

const DAY_INTERVALS = 144;

/** Inserts `n` ready keys directly (the upload path has its own tests). */
async function seedKeys(
  t: TestApp,
  n: number,
  availableAt = new Date(Date.now() - 3_600_000),
  {
    region = 'NL',
    daysAgo = (i: number) => 1 + (i % 13),
  }: { region?: string; daysAgo?: (i: number) => number } = {},
): Promise<Set<string>> {
  const today = Math.floor(Date.now() / 600_000 / DAY_INTERVALS) * DAY_INTERVALS;
  const rows = Array.from({ length: n }, (_, i) =>
    Object.assign(new DiagnosisKey(), {
      keyData: randomBytes(16),
      rollingStartIntervalNumber: today - DAY_INTERVALS * daysAgo(i),
      rollingPeriod: 144,
      transmissionRiskLevel: null,
      reportType: 1,
      daysSinceOnsetOfSymptoms: i % 5,
      origin: region,
      region,
      visitedCountries: [],
      consentToFederation: false,
      source: 'app',
      flow: 'test',
      receivedAt: new Date(Date.now() - 3_600_000),
      availableAt,
    }),
  );
  await t.app.get(DataSource).getRepository(DiagnosisKey).insert(rows);
  return new Set(rows.map((r) => r.keyData.toString('hex')));
}

async function exportedKeys(t: TestApp): Promise<string[]> {
  const files = await t.app.get(DataSource).getRepository(ExportFile).find();
  const keys = t.app.get(ExportSigningService).published();
  const all: string[] = [];
  for (const f of files) {
    const zip = await t.app.get(FileStore).get(exportStorageKey(f.region, f.name));
    const read = await readExportFile(zip!, keys);
    for (let i = 0; i < read.keys.count; i++)
      all.push(Buffer.from(read.keys.keyData.subarray(i * 16, i * 16 + 16)).toString('hex'));
  }
  return all;
}

/**
 * Exactly once and crash-safe: a key is exported in one batch only, even when instances run the cycle at
 * the same time; a crash mid-cycle loses nothing and the re-run writes the same key set.
 */
describe('aggregation cycle', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function instances(count: number, extra: Record<string, string> = {}): Promise<TestApp[]> {
    const env = await freshEnv(testName(`i${apps.length}`), {
      EXPORT_MIN_KEYS: '50',
      EXPORT_MAX_KEYS_PER_FILE: '1000',
      ...extra,
    });
    // Embedded: one instance, run twice concurrently; services: two instances on one PostgreSQL.
    const n = servicesProfile ? count : 1;
    for (let i = 0; i < n; i++) apps.push(await startApp({ env }));
    return Array.from({ length: count }, (_, i) => apps[i % n]);
  }

  it('exports every ready key exactly once when two instances run the same and different windows', async () => {
    const [a, b] = await instances(2);
    const seeded = await seedKeys(a, 2500);
    const now = Date.now();
    await Promise.all([
      a.app.get(AggregationService).runCycle(new Date(now)),
      b.app.get(AggregationService).runCycle(new Date(now)),
      b.app.get(AggregationService).runCycle(new Date(now + 1000)),
    ]);
    const real = (await exportedKeys(a)).filter((k) => seeded.has(k));
    expect(real).toHaveLength(seeded.size);
    expect(new Set(real).size).toBe(seeded.size);
    const files = await a.app.get(DataSource).getRepository(ExportFile).find();
    expect(files.every((f) => f.totalKeys <= 1000)).toBe(true);
    // The batches' windows follow each other without gap or overlap.
    const chain = await a.app
      .get(DataSource)
      .getRepository(ExportBatch)
      .find({ order: { windowEnd: 'ASC' } });
    chain.slice(1).forEach((batch, i) => expect(batch.windowStart).toEqual(chain[i].windowEnd));
  });

  it('exports a key held back by one cycle in a later one, once', async () => {
    const [a] = await instances(1);
    const now = Date.now();
    const ready = await seedKeys(a, 20);
    const later = await seedKeys(a, 7, new Date(now + 30 * 60_000));
    const aggregation = a.app.get(AggregationService);
    expect((await aggregation.runCycle(new Date(now))).map((r) => r.realKeys)).toEqual([20]);
    expect((await aggregation.runCycle(new Date(now + 60 * 60_000))).map((r) => r.realKeys)).toEqual([7]);
    expect(await aggregation.runCycle(new Date(now + 120 * 60_000))).toEqual([]);
    const exported = (await exportedKeys(a)).filter((k) => ready.has(k) || later.has(k));
    expect(new Set(exported).size).toBe(27);
    expect(exported).toHaveLength(27);
  });

  it('keeps the export files in an S3-compatible store when one is configured, and serves them from it', async () => {
    const s3 = await startS3Simulator();
    try {
      const [a] = await instances(1, s3.env);
      const seeded = await seedKeys(a, 60);
      await a.app.get(AggregationService).runCycle(new Date());
      const [file] = await a.app.get(DataSource).getRepository(ExportFile).find();
      expect([...s3.objects.keys()]).toEqual([exportStorageKey('NL', file.name)]);
      expect((await exportedKeys(a)).filter((k) => seeded.has(k))).toHaveLength(60);
      // The bytes do not pass through the app: a redirect to a presigned URL that the store honours.
      const route = `/api/v1/exports/NL/${file.name}`;
      const redirect = await a.http().get(route).expect(302);
      const presigned = new URL(redirect.headers.location);
      expect(presigned.origin).toBe(s3.endpoint);
      expect(presigned.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(redirect.headers['cache-control']).toBe('public, max-age=1800');
      const download = await fetch(presigned);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(
        s3.objects.get(exportStorageKey('NL', file.name)),
      );
      const tampered = new URL(presigned);
      tampered.pathname = tampered.pathname.replace(file.name, 'NL-1-2.zip');
      expect((await fetch(tampered)).status).toBe(403);
      // Conditional requests are still answered by the app, without a redirect.
      await a.http().get(route).set('If-None-Match', `"${file.sha256}"`).expect(304);
    } finally {
      await Promise.all(apps.splice(0).map((t) => t.close()));
      await s3.close();
    }
  });

  it('lists CDN addresses in the index and redirects there when EXPORT_FILES_URL is set', async () => {
    const s3 = await startS3Simulator();
    try {
      const cdn = 'https://cdn.veilig.example/exports-bucket';
      const [a] = await instances(1, { ...s3.env, EXPORT_FILES_URL: `${cdn}/` });
      await seedKeys(a, 5);
      await a.app.get(AggregationService).runCycle(new Date());
      const index = await a.http().get('/api/v1/exports/NL/index.json').expect(200);
      const [entry] = index.body.files as { name: string; url: string }[];
      expect(entry.url).toBe(`${cdn}/${exportStorageKey('NL', entry.name)}`);
      const redirect = await a.http().get(`/api/v1/exports/NL/${entry.name}`).expect(302);
      expect(redirect.headers.location).toBe(entry.url);
      const text = await a.http().get('/api/v1/exports/NL/index.txt').expect(200);
      expect(text.text).toBe(entry.url);
    } finally {
      await Promise.all(apps.splice(0).map((t) => t.close()));
      await s3.close();
    }
  });

  it("retention deletes old keys, files and batches, but keeps each region's newest batch", async () => {
    const [a] = await instances(1);
    const day = 86_400_000;
    const now = Date.now();
    const oldAvailable = new Date(now - 19 * day);
    await seedKeys(a, 5, oldAvailable, { daysAgo: () => 20 });
    await seedKeys(a, 4, oldAvailable, { region: 'DE', daysAgo: () => 20 });
    const fresh = await seedKeys(a, 6);
    const aggregation = a.app.get(AggregationService);
    await aggregation.runCycle(new Date(now - 18 * day));
    await aggregation.runCycle(new Date(now));
    const ds = a.app.get(DataSource);
    // The old cycle's files were written 18 days ago.
    const oldBatches = (await ds.getRepository(ExportBatch).find()).filter(
      (b) => b.windowEnd.getTime() === now - 18 * day,
    );
    expect(oldBatches.map((b) => b.region).sort()).toEqual(['DE', 'NL']);
    for (const b of oldBatches)
      await ds.getRepository(ExportFile).update({ batchId: b.id }, { createdAt: new Date(now - 18 * day) });
    const oldFiles = await ds.getRepository(ExportFile).findBy({ batchId: In(oldBatches.map((b) => b.id)) });

    await a.app.get(PurgeKeysProcessor).handle();

    const left = await ds.getRepository(DiagnosisKey).find();
    expect(new Set(left.map((k) => k.keyData.toString('hex')))).toEqual(fresh);
    expect(await ds.getRepository(ExportFile).countBy({ batchId: In(oldBatches.map((b) => b.id)) })).toBe(0);
    for (const f of oldFiles)
      expect(await a.app.get(FileStore).get(exportStorageKey(f.region, f.name))).toBeNull();
    // NL's old batch goes (a newer one follows it); DE's stays, as the start of its next window.
    const batches = await ds.getRepository(ExportBatch).find();
    expect(batches.map((b) => `${b.region}:${b.windowEnd.getTime() === now ? 'new' : 'old'}`).sort()).toEqual(
      ['DE:old', 'NL:new'],
    );
  });

  it('finishes a batch interrupted by a crash with the same keys, padding included', async () => {
    const [a] = await instances(1);
    const seeded = await seedKeys(a, 30);
    const store = a.app.get(FileStore);
    const put = store.put.bind(store);
    let written: Uint8Array | undefined;
    // The process "dies" right after writing the file, before the batch is marked complete.
    const spy = jest.spyOn(store, 'put').mockImplementationOnce(async (key, data) => {
      await put(key, data);
      written = data;
      throw new Error('simulated crash');
    });
    await expect(a.app.get(AggregationService).runCycle(new Date())).rejects.toThrow('simulated crash');
    spy.mockRestore();
    const batches = a.app.get(DataSource).getRepository(ExportBatch);
    expect((await batches.find()).map((b) => b.status)).toEqual(['pending']);
    expect(await a.app.get(DataSource).getRepository(ExportFile).count()).toBe(0);
    const keysOfCrashedRun = await keysOf(a, written!);

    const reports = await a.app.get(AggregationService).runCycle(new Date(Date.now() + 1000));
    expect(reports.map((r) => r.realKeys)).toEqual([30]);
    expect((await batches.find()).map((b) => b.status)).toEqual(['complete']);
    const after = await exportedKeys(a);
    expect(new Set(after)).toEqual(keysOfCrashedRun);
    expect(after.filter((k) => seeded.has(k))).toHaveLength(30);
    expect(after.length).toBeGreaterThanOrEqual(50);
  });
});

async function keysOf(t: TestApp, zip: Uint8Array): Promise<Set<string>> {
  const read = await readExportFile(zip, t.app.get(ExportSigningService).published());
  const out = new Set<string>();
  for (let i = 0; i < read.keys.count; i++)
    out.add(Buffer.from(read.keys.keyData.subarray(i * 16, i * 16 + 16)).toString('hex'));
  return out;
}
