/**
 * `npm run bench -- federation [--quick] [--batches=<n>] [--postgres]`: the EFGS gateway role under its two
 * heavy paths, on the built server (`npm run build:server` first; Nest needs decorator metadata).
 *
 * 1. Upload: signed 5,000-key batches (protobuf, ECDSA P-256 detached CMS, SIGNING certificate pinned in
 *    the registry) POSTed one after the other over loopback HTTP with proxy certificate headers; each is
 *    timed from request to 201 and p50/p90 reported (goal: p50 ≤ 250 ms). The floor, measured in the same
 *    run against the same database, interleaved with the uploads: one CMS verification over the signing
 *    bytes plus the inserts of the upload row and its 5,000 payload hashes in one transaction (bare driver,
 *    multi-row INSERTs). The machine is shared, so the server's CPU time per upload (from /proc) is
 *    reported next to wall clock, against the floor's CPU time.
 * 2. Download: after the batching job, a member of another country walks the day from its first batch
 *    through `nextBatchTag` until "null" (one batch per upload, 100 by default) as protobuf, then as JSON.
 *    Floor: reading the batches' stored key blobs alone.
 *
 * Embedded profile (SQLite file) by default; `--postgres` uses a fresh PostgreSQL database
 * (BENCH_POSTGRES_URL). Keys are generated and signed before timing starts.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadPemSigner } from '../src/modules/federation/member/batch-signer';
import { bytesToBase64, signCms, TrustStore, verifyCms, type CmsSigner } from '../src/protocol/cms';
import {
  batchSigningBytes,
  decodeBatchProtobuf,
  encodeBatchProtobuf,
  formatUtcDay,
  ReportType,
  type DiagnosisKey,
} from '../src/protocol/efgs';
import { countryCertificate, createTrustAnchor, type TestCertificate } from '../test/support/federation-pki';
import { machineLine, printResult } from './report';
import { builtModule, freshDatabase, ROOT, startServer } from './support';

const KEYS_PER_UPLOAD = 5000;
const DAY_INTERVALS = 144;
const HASH_CHUNK = 2500;

interface PreparedUpload {
  tag: string;
  body: Buffer;
  signature: string;
  keys: DiagnosisKey[];
}

interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  pragma(pragma: string): unknown;
  exec(sql: string): void;
  close(): void;
}
// better-sqlite3 has no type declarations in this project; the bench types the few calls it makes.
const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => SqliteDatabase;

/** The bench's own connection to the server's database: SQLite file or PostgreSQL, `?` placeholders. */
interface Sql {
  exec(sql: string, params?: unknown[]): Promise<unknown[]>;
  transaction(work: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

async function connect(databaseUrl: string | undefined, dataDir: string): Promise<Sql> {
  if (!databaseUrl) {
    const db = new Database(join(dataDir, 'veilig.sqlite'));
    db.pragma('busy_timeout = 5000');
    return {
      exec: async (sql, params = []) => {
        const statement = db.prepare(sql);
        const values = params.map((v) =>
          v instanceof Date
            ? v.toISOString().replace('T', ' ').replace('Z', '')
            : typeof v === 'boolean'
              ? Number(v)
              : v,
        );
        return statement.reader ? statement.all(...values) : (statement.run(...values), []);
      },
      transaction: async (work) => {
        db.exec('BEGIN');
        try {
          await work();
          db.exec('COMMIT');
        } catch (error) {
          db.exec('ROLLBACK');
          throw error;
        }
      },
      close: async () => db.close(),
    };
  }
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    exec: async (sql, params = []) => {
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as unknown[];
    },
    transaction: async (work) => {
      await client.query('BEGIN');
      try {
        await work();
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
    close: () => client.end(),
  };
}

function keysFor(now: Date): DiagnosisKey[] {
  const today = Math.floor(now.getTime() / 86_400_000) * DAY_INTERVALS;
  const data = randomBytes(16 * KEYS_PER_UPLOAD);
  return Array.from({ length: KEYS_PER_UPLOAD }, (_, i) => ({
    keyData: new Uint8Array(data.subarray(i * 16, i * 16 + 16)),
    rollingStartIntervalNumber: today - DAY_INTERVALS * (1 + (i % 13)),
    rollingPeriod: 144,
    transmissionRiskLevel: 0x7fffffff,
    visitedCountries: ['FR', 'DE', 'NL'],
    origin: 'NO',
    reportType: ReportType.CONFIRMED_TEST,
    daysSinceOnsetOfSymptoms: 3990 + (i % 11),
  }));
}

async function prepare(
  count: number,
  signer: CmsSigner,
  now: Date,
  prefix: string,
): Promise<PreparedUpload[]> {
  const out: PreparedUpload[] = [];
  for (let i = 0; i < count; i++) {
    const keys = keysFor(now);
    const signature = bytesToBase64(
      await signCms({ content: batchSigningBytes(keys), signer, detached: true, signingTime: now }),
    );
    out.push({ tag: `${prefix}-${i}`, body: Buffer.from(encodeBatchProtobuf({ keys })), signature, keys });
  }
  return out;
}

function call(
  baseUrl: string,
  agent: Agent,
  client: TestCertificate,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      {
        method,
        agent,
        headers: { ...headers, 'X-SSL-Client-SHA256': client.thumbprint, 'X-SSL-Client-DN': client.dn },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const upload = (baseUrl: string, agent: Agent, client: TestCertificate, u: PreparedUpload) =>
  call(
    baseUrl,
    agent,
    client,
    'POST',
    '/diagnosiskeys/upload',
    {
      'Content-Type': 'application/protobuf; version=1.0',
      'Content-Length': String(u.body.length),
      batchTag: u.tag,
      batchSignature: u.signature,
    },
    u.body,
  );

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) of another process so far, from /proc: the server's own cost, whatever else runs. */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const batches = Number(args.find((a) => a.startsWith('--batches='))?.split('=')[1] ?? (quick ? 20 : 100));
  const floorRuns = quick ? 5 : 20;
  console.log(machineLine());
  builtModule('modules/federation/federation.module.js');
  const dir = mkdtempSync(join(tmpdir(), 'veilig-bench-federation-'));
  const databaseUrl = args.includes('--postgres')
    ? await freshDatabase('veilig_bench_federation')
    : undefined;
  const anchor = createTrustAnchor(dir);
  const [noAuth, noSign, frAuth] = await Promise.all([
    countryCertificate(dir, 'no-auth', 'NO', 'AUTHENTICATION'),
    countryCertificate(dir, 'no-sign', 'NO', 'SIGNING'),
    countryCertificate(dir, 'fr-auth', 'FR', 'AUTHENTICATION'),
  ]);
  const env: Record<string, string> = {
    DATA_DIR: dir,
    FEDERATION_ROLES: 'gateway',
    FEDERATION_TRUST_ANCHOR: anchor.publicKeyFile,
    FEDERATION_GATEWAY_BATCH_INTERVAL_MINUTES: '1440',
    FEDERATION_GATEWAY_CALLBACK_INTERVAL_MINUTES: '1440',
    // The load generator plays the TLS-terminating proxy, from loopback.
    FEDERATION_PROXY_CERT_HEADERS: 'true',
    FEDERATION_PROXY_ADDRESSES: '127.0.0.1,::1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  const childEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env };
  // The server runs the migrations at start-up; the registry is read on every request, so rows can follow.
  const server = await startServer(env);
  const sql = await connect(databaseUrl, dir);
  // Onboarding as the operator would (rows signed by the trust anchor), written straight into the registry.
  for (const [cert, type] of [
    [noAuth, 'AUTHENTICATION'],
    [noSign, 'SIGNING'],
    [frAuth, 'AUTHENTICATION'],
  ] as const) {
    await sql.exec(
      'INSERT INTO federation_certificate (id, created_at, thumbprint, country, type, revoked, host, signature, raw_data) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)',
      [
        randomUUID(),
        new Date(),
        cert.thumbprint,
        cert.thumbprint === frAuth.thumbprint ? 'FR' : 'NO',
        type,
        false,
        anchor.sign(cert.certPem),
        cert.certPem,
      ],
    );
  }
  // A fresh connection per request: a kept-alive socket can be closed by the server while the floor runs.
  const agent = new Agent({ keepAlive: false });
  try {
    console.log(
      `database: ${databaseUrl ? 'PostgreSQL' : 'SQLite (embedded profile)'}; ${batches} uploads of ${KEYS_PER_UPLOAD.toLocaleString('en-US')} keys, ECDSA P-256 signatures; server in its own process`,
    );
    const now = new Date();
    const signer = await loadPemSigner(noSign.certPem, noSign.keyPem);
    const prepareStart = performance.now();
    const uploads = await prepare(batches, signer, now, 'bench');
    const warmup = await prepare(3, signer, now, 'warmup');
    const floorSet = await prepare(floorRuns, signer, now, 'floor');
    console.log(
      `prepared and signed in ${((performance.now() - prepareStart) / 1000).toFixed(1)} s (not timed)`,
    );

    for (const u of warmup)
      if ((await upload(server.baseUrl, agent, noAuth, u)).status !== 201)
        throw new Error('warm-up upload refused');
    // Uploads one after the other, as a member sends them; a floor measurement after every few, so both see
    // the same table sizes and the same load from whatever else runs on the machine.
    const trust = TrustStore.forPinnedSigners();
    const floorEvery = Math.max(1, Math.floor(uploads.length / floorSet.length));
    const times: number[] = [];
    const floorTimes: number[] = [];
    let serverCpuMs = 0;
    let floorCpuMs = 0;
    for (const [i, u] of uploads.entries()) {
      const cpuBefore = processCpuMs(server.child.pid!);
      const started = performance.now();
      const res = await upload(server.baseUrl, agent, noAuth, u);
      times.push(performance.now() - started);
      serverCpuMs += processCpuMs(server.child.pid!) - cpuBefore;
      if (res.status !== 201)
        throw new Error(`upload ${u.tag} answered ${res.status}: ${res.body.toString()}`);
      const f = i % floorEvery === 0 ? floorSet[i / floorEvery] : undefined;
      if (!f) continue;
      // Floor: CMS verification over the (prebuilt) signing bytes + upload row and 5,000 hashes, one transaction.
      const bytes = batchSigningBytes(f.keys);
      const hashes = Array.from({ length: KEYS_PER_UPLOAD }, () => randomBytes(32));
      const cms = Buffer.from(f.signature, 'base64');
      const cpu = process.cpuUsage();
      const floorStarted = performance.now();
      await verifyCms(cms, { trust, content: bytes, now, requireSigningTime: false, pinned: () => true });
      await sql.transaction(async () => {
        const [row] = (await sql.exec(
          'INSERT INTO efgs_upload (batch_tag, country, format, client_thumbprint, signing_thumbprint, batch_signature, key_count, keys, created_at, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) RETURNING id',
          [
            f.tag,
            'XX',
            'protobuf-1.0',
            noAuth.thumbprint,
            noSign.thumbprint,
            f.signature,
            KEYS_PER_UPLOAD,
            f.body,
            now,
          ],
        )) as { id: number }[];
        for (let j = 0; j < hashes.length; j += HASH_CHUNK) {
          const chunk = hashes.slice(j, j + HASH_CHUNK);
          await sql.exec(
            `INSERT INTO efgs_key_hash (payload_hash, upload_id, created_at) VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}`,
            chunk.flatMap((h) => [h, row.id, now]),
          );
        }
      });
      floorTimes.push(performance.now() - floorStarted);
      const used = process.cpuUsage(cpu);
      floorCpuMs += (used.user + used.system) / 1000;
    }
    await sql.exec(
      "DELETE FROM efgs_key_hash WHERE upload_id IN (SELECT id FROM efgs_upload WHERE country = 'XX')",
    );
    await sql.exec("DELETE FROM efgs_upload WHERE country = 'XX'");
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const floorP50 = percentile(
      [...floorTimes].sort((a, b) => a - b),
      50,
    );
    printResult('upload of 5,000 signed keys, wall clock p50', p50, 'ms', {
      value: floorP50,
      label: 'CMS verify + upload row and 5,000 hash inserts, p50',
    });
    printResult(
      'upload of 5,000 signed keys, server CPU per upload (mean)',
      serverCpuMs / uploads.length,
      'ms',
      { value: floorCpuMs / floorTimes.length, label: 'CPU of the same verify + inserts' },
    );
    console.log(
      `  p90 ${percentile(sorted, 90).toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms over ${sorted.length} uploads ` +
        `(floor: ${floorTimes.length} runs, min ${Math.min(...floorTimes).toFixed(1)} ms); goal p50 ≤ 250 ms: ${p50 <= 250 ? 'met' : 'NOT met'}; load average ${loadavg()[0].toFixed(1)}`,
    );

    const batching = spawnSync(process.execPath, ['bench/workers/federation-batching.js'], {
      cwd: ROOT,
      env: childEnv,
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (batching.status !== 0) throw new Error(`batching failed: ${batching.stderr}`);
    const { ms: batchingMs, tags } = JSON.parse(batching.stdout) as { ms: number; tags: string[] };
    console.log(`batching job: ${tags.length} batches in ${batchingMs.toFixed(0)} ms`);

    const day = formatUtcDay(new Date());
    for (const format of ['protobuf', 'json'] as const) {
      const started = performance.now();
      let tag: string | undefined;
      let walked = 0;
      let keys = 0;
      let bytes = 0;
      for (;;) {
        const res = await call(server.baseUrl, agent, frAuth, 'GET', `/diagnosiskeys/download/${day}`, {
          Accept: `application/${format}; version=1.0`,
          ...(tag ? { batchTag: tag } : {}),
        });
        if (res.status !== 200) throw new Error(`download answered ${res.status}`);
        walked++;
        bytes += res.body.length;
        if (format === 'protobuf') keys += decodeBatchProtobuf(res.body).keys.length;
        const next = String(res.headers.nextbatchtag);
        if (next === 'null') break;
        tag = next;
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `download of the day as ${format}: ${walked} batches${format === 'protobuf' ? `, ${keys.toLocaleString('en-US')} keys` : ''}, ${(bytes / 2 ** 20).toFixed(1)} MiB ` +
          `in ${seconds.toFixed(2)} s (${((seconds * 1000) / walked).toFixed(1)} ms per batch)`,
      );
    }
    const floorStarted = performance.now();
    for (const tag of tags)
      await sql.exec(
        'SELECT u.keys FROM efgs_upload u JOIN efgs_batch b ON b.id = u.batch_id WHERE b.tag = ?',
        [tag],
      );
    console.log(
      `  floor: reading the ${tags.length} batches' stored key blobs alone: ${((performance.now() - floorStarted) / 1000).toFixed(2)} s`,
    );
  } finally {
    agent.destroy();
    await sql.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
