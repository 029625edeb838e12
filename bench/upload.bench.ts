/**
 * Key upload throughput: concurrent uploads of 14 keys each (token check, validation, one transaction)
 * against PostgreSQL on loopback, through the real HTTP server. Floor: the same rows inserted with plain
 * `pg` multi-row INSERTs at the same concurrency, in the same run.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { signUploadToken } from '../src/modules/key-store/upload-token.service';
import { machineLine, printResult } from './report';
import { freshDatabase, httpRequest, processCpuMs, runLoad, startServer } from './support';

const SECRET = 'bench-upload-token-secret-0123456789abcdef';
const DAY = 144;

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
    await runLoad(300, concurrency, (i) => send(total + i)); // warm-up
    const cpuBefore = processCpuMs(server.child.pid);
    const result = await runLoad(total, concurrency, send);
    const cpuAfter = processCpuMs(server.child.pid);

    // Floor: the same 14 rows per "upload" with bare multi-row INSERTs over a pool of the same size.
    const pool = new Pool({ connectionString: url, max: 16 });
    const rows = uploads.slice(0, total).map(() => keysFor());
    const now = new Date();
    const floor = await runLoad(total, concurrency, async (i) => {
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
    });
    await pool.end();
    printResult('uploads (14 keys each)', result.perSecond, 'uploads/s', {
      value: floor.perSecond,
      label: 'bare pg multi-row INSERT',
    });
    console.log(
      `  upload latency p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms; failures ${result.failures}; concurrency ${concurrency}`,
    );
    if (cpuBefore !== undefined && cpuAfter !== undefined)
      console.log(`  server CPU ${((cpuAfter - cpuBefore) / total).toFixed(3)} ms per upload`);
    console.log(`  floor latency p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms`);
  } finally {
    await server.stop();
  }
}
