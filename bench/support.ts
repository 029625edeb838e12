/** Helpers for benchmarks that need the built server, a fresh PostgreSQL database or a load generator. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';

export const ROOT = join(__dirname, '..');
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function freshDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Path of a module of the server build (dist/src/…), building it first when missing: benchmarks measure the
 * compiled code that production runs (tsx turns every imported constant into a getter call).
 */
export function builtModule(path: string): string {
  if (!existsSync(join(ROOT, 'dist/src/main.js'))) {
    const built = spawnSync('npm', ['run', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('build failed');
  }
  return join(ROOT, 'dist/src', path);
}

/** Starts `node dist/src/main.js` (building it first if needed) and waits for /health/ready. */
export async function startServer(
  env: Record<string, string>,
): Promise<{ baseUrl: string; child: ChildProcess; stop(): Promise<void> }> {
  builtModule('main.js');
  const port = 38000 + Math.floor(Math.random() * 1000);
  // BENCH_SERVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server under load.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${baseUrl}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null) throw new Error('server exited during start-up');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
}

export interface LoadResult {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Every job's duration (ms), sorted. */
  latencies: number[];
}

/** One result for several loads run apart (e.g. rounds interleaved with a floor's). */
export function combineLoads(results: LoadResult[]): LoadResult {
  const count = results.reduce((n, r) => n + r.count, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    count,
    seconds,
    perSecond: count / seconds,
    ...percentiles(latencies),
    failures: results.reduce((n, r) => n + r.failures, 0),
    latencies,
  };
}

function percentiles(sorted: number[]): { p50: number; p99: number } {
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return { p50: pct(0.5), p99: pct(0.99) };
}

/** Runs `jobs` with at most `concurrency` in flight; each job resolves to true on success. */
export async function runLoad(
  total: number,
  concurrency: number,
  job: (i: number) => Promise<boolean>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        if (!(await job(i))) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: total,
    seconds,
    perSecond: total / seconds,
    ...percentiles(latencies),
    failures,
    latencies,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** A keep-alive HTTP request; resolves with the status code and body. */
export function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.end(body);
    else req.end();
  });
}
