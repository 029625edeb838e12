/**
 * Aggregation cycle: N ready keys in PostgreSQL → claimed, shuffled, padded, signed export files on disk.
 * Floor: protobuf encoding + zip + ECDSA signing of the same keys, in the same files and order, in a tight
 * loop (the writer alone), measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { machineLine, printResult } from './report';
import { builtModule, freshDatabase, ROOT } from './support';

export async function run(args: string[]): Promise<void> {
  const total = Number(args.find((a) => a.startsWith('--keys='))?.split('=')[1] ?? 1_000_000);
  console.log(machineLine());
  const url = await freshDatabase('veilig_bench_aggregation');
  const env = {
    ...process.env,
    DATABASE_URL: url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'veilig-bench-agg-')),
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
  };

  // The cycle and the floor both run the compiled code.
  const { createEcdsaSigner, decodeExportBinUnverified, readZip, writeExportFileFromColumns } = (await import(
    builtModule('protocol/gaen/index.js')
  )) as typeof import('../src/protocol/gaen');

  // Schema via the app's migrations (the worker boots the app), then seed keys with one SQL statement.
  const migrate = spawnSync(process.execPath, ['dist/src/cli.js', 'migrate'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const db = new Client({ connectionString: url });
  await db.connect();
  const seedStart = performance.now();
  await db.query(
    `INSERT INTO diagnosis_key (key_data, rolling_start_interval_number, rolling_period, report_type, days_since_onset, origin, region, visited_countries, consent_to_federation, source, flow, received_at, available_at)
     SELECT decode(md5(random()::text || g::text), 'hex'), (floor(extract(epoch from now()) / 86400)::int - 1 - g % 13) * 144, 144, 1, g % 7, 'NL', 'NL', '[]', false, 'app', 'bench', now(), now() - interval '2 hours' + g * interval '4 milliseconds'
     FROM generate_series(1, $1) g ON CONFLICT DO NOTHING`,
    [total],
  );
  const seeded = Number((await db.query('SELECT count(*) FROM diagnosis_key')).rows[0].count);
  await db.end();
  console.log(
    `  seeded ${seeded.toLocaleString('en-US')} keys in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
  );

  const worker = spawnSync(
    process.execPath,
    ['--max-old-space-size=512', 'bench/workers/aggregation-cycle.js'],
    { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (worker.status !== 0) throw new Error(`cycle failed: ${worker.stderr}`);
  // The worker's stdout: the app's JSON log lines (phases with timings), then the result on the last line.
  const lines = worker.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  for (const line of lines.slice(0, -1)) {
    const log = JSON.parse(line) as { msg?: string; ms?: number; keys?: number; file?: string };
    if (log.ms !== undefined)
      console.log(
        `  ${log.msg}${log.file ? ` ${log.file}` : ''}: ${log.keys?.toLocaleString('en-US') ?? ''} keys, ${log.ms} ms`,
      );
  }
  const cycle = JSON.parse(lines.at(-1)!) as {
    ms: number;
    maxRssMb: number;
    reports: { realKeys: number; files: number }[];
  };

  // Floor: the writer alone over the very keys the cycle exported, file by file and in the same order (so the
  // deflate sees the same data), in a tight loop. The files are decoded before the clock starts.
  const exportDir = join(env.DATA_DIR, 'files', 'exports', 'NL');
  const files = readdirSync(exportDir)
    .sort()
    .map((name) => {
      const zip = readFileSync(join(exportDir, name));
      const exportBin = readZip(zip, [
        { name: 'export.bin', maxBytes: 1 << 26 },
        { name: 'export.sig', maxBytes: 1 << 16 },
      ]).get('export.bin')!;
      return decodeExportBinUnverified(exportBin).keys;
    });
  const exported = files.reduce((n, keys) => n + keys.count, 0);
  if (exported !== seeded) throw new Error(`the cycle exported ${exported} keys, not ${seeded}`);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createEcdsaSigner(privateKey, { verificationKeyId: '204', verificationKeyVersion: 'v1' });
  const floorStart = performance.now();
  for (const keys of files) {
    await writeExportFileFromColumns(
      {
        startTimestamp: 1,
        endTimestamp: 2,
        region: 'NL',
        batchNum: 1,
        batchSize: 1,
        signatureInfos: [{ verificationKeyId: '204', verificationKeyVersion: 'v1' }],
      },
      keys,
      signer,
    );
  }
  const floorMs = performance.now() - floorStart;
  const keysPerSecond = (seeded / cycle.ms) * 1000;
  printResult('aggregation cycle', keysPerSecond, 'keys/s', {
    value: (seeded / floorMs) * 1000,
    label: 'encode + zip + sign only',
  });
  console.log(
    `  ${seeded.toLocaleString('en-US')} keys → ${cycle.reports.reduce((s, r) => s + r.files, 0)} files in ${(cycle.ms / 1000).toFixed(2)} s ` +
      `(floor ${(floorMs / 1000).toFixed(2)} s, ${(cycle.ms / floorMs).toFixed(2)} × floor); peak RSS of the cycle process ${cycle.maxRssMb.toFixed(0)} MB`,
  );
}
