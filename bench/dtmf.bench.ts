/**
 * `npm run bench -- dtmf [--rate=1000] [--seconds=10] [--no-build]`: the phone exchange's DTMF lookups
 * (`POST /api/veilig-bellen/exchange/v1/:municipality/lookup` on VEILIG_BELLEN_EXCHANGE_PORT,
 * authenticated, each redeeming a live code) at a fixed rate over keep-alive HTTP on loopback, against PostgreSQL. Reports p50/p99 and
 * the floor: the same lookup as a bare indexed query, at the same rate, in the same run.
 * Needs PostgreSQL at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execSync } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { machineLine, printResult } from './report';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'veilig_bench_dtmf';

function arg(args: string[], name: string, fallback: number): number {
  const v = args.find((a) => a.startsWith(`--${name}=`));
  return v ? Number(v.split('=')[1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Fires `count` operations at `rate` per second (open loop: late answers do not slow the sender). */
async function atRate(rate: number, count: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

/** Plain JS for the worker: keep-alive HTTP at a fixed rate (open loop), latency per request. */
const LOAD_GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads');
const { Agent, request } = require('node:http');
const { port, path, key, codes, warmup, rate } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
let failures = 0;
function lookup(i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ dtmf: codes[i], callRef: 'CA' + i, caller: '+3160' + String(i).padStart(7, '0') });
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Authorization: 'Bearer ' + key } }, (res) => {
      if (res.statusCode !== 200) failures++;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => { failures++; resolve(); });
    req.end(body);
  });
}
async function phase(from, n) {
  const latencies = [];
  const started = performance.now();
  const pending = [];
  for (let i = 0; i < n; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push((async () => { const t0 = performance.now(); await lookup(from + i); latencies.push(performance.now() - t0); })());
  }
  await Promise.all(pending);
  return latencies;
}
(async () => {
  await phase(0, warmup);
  failures = 0;
  const latencies = await phase(warmup, codes.length - warmup);
  agent.destroy();
  parentPort.postMessage({ latencies, failures });
})();
`;

export async function run(args: string[]): Promise<void> {
  const rate = arg(args, 'rate', 1000);
  const seconds = arg(args, 'seconds', 10);
  const count = rate * seconds;
  const warmup = Math.min(2000, rate);

  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DB}`;
  // Entity column types are picked from DATABASE_URL when the entity modules load: set it first.
  process.env.DATABASE_URL = url.toString();
  // The app runs from the `nest build` output: tsx (esbuild) emits no decorator metadata for Nest's DI.
  if (!args.includes('--no-build'))
    try {
      execSync('npx nest build', { cwd: join(__dirname, '..'), stdio: 'inherit' });
    } catch {
      console.warn('nest build failed; benchmarking the existing dist/ build');
    }
  const dist = (m: string) => join(__dirname, '..', 'dist', 'src', m);
  const { loadConfig } = (await import(
    dist('config/app-config.js')
  )) as typeof import('../src/config/app-config');
  const { createApp } = (await import(dist('app.factory.js'))) as typeof import('../src/app.factory');
  const { AccountsService } = (await import(
    dist('modules/accounts/accounts.service.js')
  )) as typeof import('../src/modules/accounts/accounts.service');
  const { MunicipalitySettingsService } = (await import(
    dist('modules/veilig-bellen/municipality-settings.service.js')
  )) as typeof import('../src/modules/veilig-bellen/municipality-settings.service');
  const { VeiligBellenService } = (await import(
    dist('modules/veilig-bellen/veilig-bellen.service.js')
  )) as typeof import('../src/modules/veilig-bellen/veilig-bellen.service');
  const { CallSession } = (await import(
    dist('modules/veilig-bellen/entities/call-session.entity.js')
  )) as typeof import('../src/modules/veilig-bellen/entities/call-session.entity');
  const { ALWAYS_OPEN } = (await import(
    dist('protocol/telephony/opening-hours.js')
  )) as typeof import('../src/protocol/telephony/opening-hours');

  // The exchange API on its own internal port, as deployed (VEILIG_BELLEN_EXCHANGE_PORT).
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: tmpdir(),
    DATABASE_URL: url.toString(),
    // Four connections, as the floor's pool: on two cores, 20 (or 10) let PostgreSQL backends and the
    // server fight for the CPU and raised both p99s.
    DATABASE_POOL_SIZE: '4',
    HOST: '127.0.0.1',
    VEILIG_BELLEN_EXCHANGE_PORT: String(port),
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  try {
    const accounts = app.get(AccountsService);
    const { user } = await accounts.createPlatformAdmin('bench@veilig.test');
    const org = await accounts.createOrganisation(user, 'Gemeente Bench', 'municipality', 'bench');
    await app.get(MunicipalitySettingsService).save(
      user,
      org.id,
      {
        phoneNumber: '+31243299999',
        purposes: [{ key: 'afval', label: 'Afval', attributes: ['pbdf.gemeente.personalData.bsn'] }],
        openingHours: ALWAYS_OPEN,
        allowedOrigins: [],
        agentDial: { kind: 'client' },
      },
      'bench',
    );
    const { exchangeKey } = await app
      .get(MunicipalitySettingsService)
      .rotateExchangeKey(user, org.id, 'bench');

    // Live, disclosed sessions to redeem: one per request (codes work once), plus the floor's.
    const service = app.get(VeiligBellenService);
    const repo = app.get(DataSource).getRepository(CallSession);
    const total = warmup + 2 * count;
    const codes = Array.from({ length: total }, (_, i) => String(1_000_000_000 + i * 7919).padStart(10, '0'));
    const now = new Date();
    for (let i = 0; i < total; i += 1000) {
      await repo.insert(
        codes.slice(i, i + 1000).map((code, j) =>
          repo.create({
            organisationId: org.id,
            purpose: 'afval',
            state: 'disclosed',
            failure: null,
            statusTokenHash: `bench-${i + j}`,
            dtmfHmac: service.dtmfHmac(code),
            irmaSession: null,
            attributes: { 'pbdf.gemeente.personalData.bsn': '999999990' },
            callRef: null,
            queueRef: null,
            agentUserId: null,
            createdAt: now,
            updatedAt: now,
            expiresAt: new Date(now.getTime() + 3_600_000),
          }),
        ),
      );
    }
    await app.get(DataSource).query('ANALYZE vb_call_session');

    // The load generator runs on its own thread, so it does not steal the server's event loop.
    // How busy the server's event loop was during the run (the worker's load is not counted).
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const http = await new Promise<{ latencies: number[]; failures: number }>((resolve, reject) => {
      const w = new Worker(LOAD_GENERATOR, {
        eval: true,
        workerData: {
          port,
          path: `/api/veilig-bellen/exchange/v1/${org.id}/lookup`,
          key: exchangeKey,
          codes: codes.slice(0, warmup + count),
          warmup,
          rate,
        },
      });
      w.once('message', resolve);
      w.once('error', reject);
    });
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const busyMsPerLookup = (elu.utilization * (performance.now() - wall0)) / (warmup + count);
    const failures = http.failures;
    http.latencies.sort((a, b) => a - b);

    // Floor: the same lookup as one bare indexed query on its own pool, same rate.
    const pool = new Pool({ connectionString: url.toString(), max: 4 }); // as the server's pool
    const floorCodes = codes.slice(warmup + count).map((c) => service.dtmfHmac(c));
    await atRate(
      rate,
      Math.min(warmup, floorCodes.length),
      async (i) =>
        void (await pool.query(
          'SELECT id, state, created_at FROM vb_call_session WHERE dtmf_hmac = $1 AND organisation_id = $2',
          [floorCodes[i], org.id],
        )),
    );
    const floor = await atRate(
      rate,
      count,
      async (i) =>
        void (await pool.query(
          'SELECT id, state, created_at FROM vb_call_session WHERE dtmf_hmac = $1 AND organisation_id = $2',
          [floorCodes[i], org.id],
        )),
    );
    await pool.end();

    console.log(machineLine());
    console.log(
      `${count} lookups at ${rate}/s over keep-alive HTTP to the internal exchange port (PostgreSQL, in-process rate limiter); ${failures} not 200`,
    );
    printResult('DTMF lookup p50', percentile(http.latencies, 50), 'ms', {
      value: percentile(floor, 50),
      label: 'bare query p50',
    });
    printResult('DTMF lookup p99', percentile(http.latencies, 99), 'ms', {
      value: percentile(floor, 99),
      label: 'bare query p99',
    });
    // Wall time of a busy event loop includes time the OS gave the core to someone else; CPU time does
    // not (it covers this whole process: server and load generator, not PostgreSQL).
    const cpuMsPerLookup = (cpu.user + cpu.system) / 1000 / (warmup + count);
    console.log(
      `server event loop busy ${(elu.utilization * 100).toFixed(0)} % of the run (${busyMsPerLookup.toFixed(2)} ms wall per lookup); ` +
        `CPU of server + load generator ${cpuMsPerLookup.toFixed(2)} ms per lookup; load average ${loadavg()[0].toFixed(1)}`,
    );
    printResult('DTMF lookup max', http.latencies[http.latencies.length - 1], 'ms');
    if (failures) process.exitCode = 1;
  } finally {
    await app.close();
  }
}
