/**
 * Key upload throughput: concurrent uploads of 14 keys each (token check, validation, one transaction)
 * against PostgreSQL on loopback, through the real HTTP server. Floor: the same rows inserted with plain
 * `pg` multi-row INSERTs at the same concurrency, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { signUploadToken } from '../src/modules/key-store/upload-token.service';
import { machineLine, printResult } from './report';
import {
  combineLoads,
  freshDatabase,
  httpRequest,
  processCpuMs,
  runLoad,
  startServer,
  type LoadResult,
} from './support';

const SECRET = 'bench-upload-token-secret-0123456789abcdef';
const DAY = 144;
const ROUNDS = 3;

function keysFor(): { key: string; rollingStartIntervalNumber: number; rollingPeriod: number }[] {
  const today = Math.floor(Date.now() / 600_000 / DAY) * DAY;
  return Array.from({ length: 14 }, (_, d) => ({
    key: randomBytes(16).toString('base64'),
    rollingStartIntervalNumber: today - (d + 1) * DAY,
    rollingPeriod: 144,
  }));
}

export async function run(args: string[]): Promise<void> {
  const total = Number(args.find((a) => a.startsWith('--uploads='))?.split('=')[1] ?? 6000);
  const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.split('=')[1] ?? 32);
  console.log(machineLine());
  const url = await freshDatabase('veilig_bench_upload');
  const server = await startServer({
    DATABASE_URL: url,
    UPLOAD_TOKEN_SECRET: SECRET,
    DATABASE_POOL_SIZE: '16',
    DEMO_SIMULATORS: 'true',
  });
  try {
    const secret = new TextEncoder().encode(SECRET);
    const make = async () => ({
      token: (
        await signUploadToken(secret, { flow: 'bench', reportType: 1, maxKeys: 30 }, Date.now(), 3_600_000)
      ).token,
      body: JSON.stringify({
        keys: keysFor(),
        consentToFederation: true,
        visitedCountries: ['DE'],
        padding: randomBytes(1200).toString('base64'),
      }),
    });
    const uploads = await Promise.all(Array.from({ length: total + 300 }, make));
    const send = async (i: number) => {
      const u = uploads[i];
      const res = await httpRequest(
        `${server.baseUrl}/api/v1/diagnosis-keys`,
        'POST',
        { 'content-type': 'application/json', authorization: `Bearer ${u.token}` },
        u.body,
      );
      return res.status === 200;
    };
    // Floor: the same 14 rows per "upload" with bare multi-row INSERTs over a pool of the same size.
    const pool = new Pool({ connectionString: url, max: 16 });
    const rows = Array.from({ length: total + 300 }, () => keysFor());
    const now = new Date();
    const insert = async (i: number) => {
      const values: unknown[] = [];
      const tuples = rows[i].map((k, j) => {
        values.push(
          Buffer.from(k.key, 'base64'),
          k.rollingStartIntervalNumber,
          144,
          1,
          'NL',
          'NL',
          '["DE"]',
          true,
          'app',
          'bench',
          now,
          now,
        );
        const o = j * 12;
        return `($${o + 1},$${o + 2},$${o + 3},$${o + 4},$${o + 5},$${o + 6},$${o + 7},$${o + 8},$${o + 9},$${o + 10},$${o + 11},$${o + 12})`;
      });
      await pool.query(
        `INSERT INTO diagnosis_key (key_data, rolling_start_interval_number, rolling_period, report_type, origin, region, visited_countries, consent_to_federation, source, flow, received_at, available_at) VALUES ${tuples.join(',')}`,
        values,
      );
      return true;
    };
    // Backends report to pg_stat_database within a second of going idle (PGSTAT_MIN_INTERVAL): wait first.
    const commits = async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const { rows } = await pool.query<{ n: string }>(
        'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(rows[0].n);
    };
    await runLoad(300, concurrency, (i) => send(total + i)); // warm-ups
    await runLoad(300, concurrency, (i) => insert(total + i));

    // Rounds of uploads and floor in turn, so that a machine whose speed drifts (shared vCPUs) slows both.
    const perRound = Math.ceil(total / ROUNDS);
    const uploadRounds: LoadResult[] = [];
    const floorRounds: LoadResult[] = [];
    let cpuMs: number | undefined = 0;
    let transactions = 0;
    for (let from = 0; from < total; from += perRound) {
      const n = Math.min(perRound, total - from);
      const commitsBefore = await commits();
      const cpuBefore = processCpuMs(server.child.pid);
      uploadRounds.push(await runLoad(n, concurrency, (i) => send(from + i)));
      const cpuAfter = processCpuMs(server.child.pid);
      cpuMs =
        cpuMs === undefined || cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : cpuMs + cpuAfter - cpuBefore;
      transactions += (await commits()) - commitsBefore - 1;
      floorRounds.push(await runLoad(n, concurrency, (i) => insert(from + i)));
    }
    await pool.end();
    const result = combineLoads(uploadRounds);
    const floor = combineLoads(floorRounds);
    printResult('uploads (14 keys each)', result.perSecond, 'uploads/s', {
      value: floor.perSecond,
      label: 'bare pg multi-row INSERT',
    });
    console.log(
      `  upload latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms; failures ${result.failures}; concurrency ${concurrency}; ${uploadRounds.length} rounds`,
    );
    if (cpuMs !== undefined) console.log(`  server CPU ${(cpuMs / total).toFixed(3)} ms per upload`);
    console.log(`  ${(total / transactions).toFixed(2)} uploads per PostgreSQL transaction`);
    console.log(`  floor latency p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`);
  } finally {
    await server.stop();
  }
}
