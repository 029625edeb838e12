/**
 * `npm run bench -- irma-follow [--sessions=50] [--wait=20] [--no-build]`: the load that following IRMA
 * sessions puts on the IRMA server, per VEILIG_BELLEN_IRMA_STATUS_UPDATES mode (poll, events,
 * callback), and how soon the backend notices a disclosure. `--sessions` widget sessions stay open for
 * `--wait` seconds (citizens scanning the QR), then all disclose at once. The floor is the minimum any
 * mode needs: one status and one result request per session to read the outcome.
 * Embedded profile (SQLite, in-process IRMA simulator with `--sse` and unsigned callbacks).
 */
import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { machineLine, printResult } from './report';

function arg(args: string[], name: string, fallback: number): number {
  const v = args.find((a) => a.startsWith(`--${name}=`));
  return v ? Number(v.split('=')[1]) : fallback;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

export async function run(args: string[]): Promise<void> {
  const sessions = arg(args, 'sessions', 50);
  const waitSeconds = arg(args, 'wait', 20);
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
  const { VeiligBellenSimulators } = (await import(
    dist('modules/veilig-bellen/veilig-bellen.gateways.js')
  )) as typeof import('../src/modules/veilig-bellen/veilig-bellen.gateways');
  const { ALWAYS_OPEN } = (await import(
    dist('protocol/telephony/opening-hours.js')
  )) as typeof import('../src/protocol/telephony/opening-hours');

  console.log(machineLine());
  console.log(`${sessions} sessions open for ${waitSeconds} s, then disclosed at once`);
  for (const mode of ['poll', 'events', 'callback'] as const) {
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'veilig-bench-irma-')),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      VEILIG_BELLEN_IRMA_STATUS_UPDATES: mode,
    });
    const app = await createApp(config);
    await app.listen(port, '127.0.0.1');
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
      const service = app.get(VeiligBellenService);
      const irma = app.get(VeiligBellenSimulators).irma!;
      const started = [];
      // Distinct client addresses: the session start is rate limited per address.
      for (let i = 0; i < sessions; i++)
        started.push(await service.start(org.id, 'afval', `10.0.${i >> 8}.${i & 255}`));
      await new Promise((r) => setTimeout(r, waitSeconds * 1000));
      const whileOpen = requests(irma.requestCounts);

      const rows = app.get(DataSource).getRepository('CallSession');
      const t0 = performance.now();
      for (const s of started) irma.disclose(s.sessionPtr.u.split('/').pop()!);
      const noticed: number[] = [];
      let seen = 0;
      while (seen < sessions && performance.now() - t0 < 30_000) {
        const n = await rows.countBy({ state: 'disclosed' });
        for (; seen < n; seen++) noticed.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5));
      }
      const total = requests(irma.requestCounts);
      printResult(
        `${mode}: IRMA requests per session per minute while open`,
        (whileOpen / sessions) * (60 / waitSeconds),
        'requests',
      );
      printResult(`${mode}: IRMA requests per session in all`, total / sessions, 'requests', {
        value: 2,
        label: 'status + result',
      });
      printResult(
        `${mode}: disclosure noticed, slowest of ${sessions}`,
        noticed.length === sessions ? Math.max(...noticed) : Number.NaN,
        'ms',
      );
    } finally {
      await app.close();
    }
  }
}

/** Requests to the IRMA server other than starting sessions. */
function requests(counts: Map<string, number>): number {
  let n = 0;
  for (const [endpoint, count] of counts) if (endpoint !== 'POST /session') n += count;
  return n;
}
