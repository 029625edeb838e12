/**
 * Reference app CLI: `npm run mobile -- <command>`. Phones live encrypted in --dir (default data/phones, or
 * VEILIG_PHONE_DIR); see `help`. All commands accept --now <ISO time> to run at another moment.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { pemToDerAll } from '../src/protocol/cms/pem';
import {
  createEcdsaSigner,
  ExportFileError,
  Infectiousness,
  intervalStartMs,
  ReportType,
  writeExportFile,
  type ExportVerificationKey,
} from '../src/protocol/gaen';
import { BackendClient, BackendError } from './backend-client';
import { ManualClock, systemClock, type Clock } from './clock';
import { DisclosureFlow } from './disclosure-flow';
import { IdentityFlowError, IdentityVerificationFlow } from './identity-flow';
import { listenForRedirect } from './loopback-redirect';
import { matchExports, type MatchResult } from './matching/match';
import { Phone } from './phone';
import { parseSchedule, simulateEncounters } from './simulator';
import { PhoneStore } from './storage';

const HELP = `Veilig reference phone

  create <id>                         new phone (first TEK made now)
  list                                phones in --dir
  keys <id> [--json]                  the phone's TEKs
  simulate "<schedule>" [--day YYYY-MM-DD] [--seed N]
                                      e.g. "A and B within 2 m for 20 min at 10:00; B and C within 8 m for 5 min at 14:00"
                                      (missing phones are created)
  keygen --out <dir>                  demo P-256 signing key pair (export-private.pem, export-public.pem)
  export <id> --private-key <pem> --out <zip> [--onset YYYY-MM-DD] [--region NL]
                                      the phone's last 14 days of keys as a signed export (demo stand-in for the server)
  check <id> <zip>... --public-key <pem> [--json] [--kernel auto|native|ts] [--workers N]
                                      match downloaded exports; exit code 0, or 2 if a file was rejected
  disclose <id> --backend <url> --root <pem> [--wait <s>] [--visited DE,BE] [--federation]
                                      professional-signed disclosure: shows the 6+4 code and trustwords, waits for the
                                      GP's signature, verifies it against --root, uploads, destroys the keys and rekeys;
                                      exit code 0, or 3 with the reason
  verify-identity <id> --backend <url> [--redirect-uri <uri>] [--onset YYYY-MM-DD | --no-symptoms] [--yes]
                  [--wait <s>] [--visited DE,BE] [--federation]
                                      identity-based verification: prints the login URL to open in a browser, waits for
                                      the app URL it returns to (pasted, or received on an http://127.0.0.1:<port>/…
                                      --redirect-uri), shows the outcome, asks for the symptom onset, uploads with the
                                      blind-signed token, destroys the keys and rekeys; exit code 0, or 3 with the reason
  sync <id> --backend <url> [--region NL] [--public-key <pem>] [--json]
                                      downloads the exports published since the last sync, verifies them against the
                                      backend's published signing keys (or --public-key), matches and prints exposure
                                      windows and whether to notify; exit code 0, or 2 if a file was rejected

Common options: --dir <dir>  --now <ISO time>  --key-id <id> (default 204)  --key-version <v> (default v1)
Storage key: VEILIG_PHONE_KEY (32 bytes, base64 or hex) or <dir>/.keychain (created, mode 0600).`;

/** Where the CLI writes and what it reads from the environment; injectable for tests. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Asks the user and returns the line typed; absent when nobody can answer (then options must). */
  ask?: (question: string) => Promise<string>;
}

/** The app's registered redirect URI (private-use scheme, RFC 8252 §7.1). */
const APP_REDIRECT_URI = 'nl.veilig.app:/identity-callback';

/** Runs one CLI command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean' },
      day: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'private-key': { type: 'string' },
      'public-key': { type: 'string' },
      'key-id': { type: 'string' },
      'key-version': { type: 'string' },
      region: { type: 'string' },
      onset: { type: 'string' },
      kernel: { type: 'string' },
      workers: { type: 'string' },
      backend: { type: 'string' },
      root: { type: 'string' },
      wait: { type: 'string' },
      visited: { type: 'string' },
      federation: { type: 'boolean' },
      'redirect-uri': { type: 'string' },
      'no-symptoms': { type: 'boolean' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (!command || values.help || command === 'help') {
    io.out(HELP);
    return 0;
  }
  const clock: Clock = values.now ? new ManualClock(parseTime(values.now, '--now')) : systemClock;
  const dir = values.dir ?? io.env.VEILIG_PHONE_DIR ?? join(process.cwd(), 'data/phones');
  const info = {
    verificationKeyId: values['key-id'] ?? '204',
    verificationKeyVersion: values['key-version'] ?? 'v1',
  };
  const store = (): Promise<PhoneStore> => PhoneStore.open(dir, io.env);

  switch (command) {
    case 'create': {
      const id = need(args[0], 'phone id');
      const s = await store();
      if (await s.has(id)) throw new Error(`phone "${id}" already exists`);
      const phone = Phone.create({ id, clock });
      phone.tekAt(clock.nowMs());
      await s.save(phone);
      io.out(`created phone ${id} in ${dir} (storage key from ${s.keySource})`);
      return 0;
    }
    case 'list': {
      const s = await store();
      for (const id of await s.list()) {
        const p = await s.load(id, clock);
        io.out(`${id}\t${p.keys().length} keys\t${p.sightings().length} sightings`);
      }
      return 0;
    }
    case 'keys': {
      const phone = await (await store()).load(need(args[0], 'phone id'), clock);
      const keys = phone.keys().map((k) => ({
        key: Buffer.from(k.keyData).toString('base64'),
        rollingStartIntervalNumber: k.rollingStartIntervalNumber,
        rollingPeriod: k.rollingPeriod,
        day: new Date(intervalStartMs(k.rollingStartIntervalNumber)).toISOString().slice(0, 10),
      }));
      if (values.json) io.out(JSON.stringify(keys, null, 2));
      else
        for (const k of keys)
          io.out(`${k.day}\t${k.key}\trsin ${k.rollingStartIntervalNumber}\tperiod ${k.rollingPeriod}`);
      return 0;
    }
    case 'simulate': {
      const day = values.day ? parseTime(values.day, '--day') : clock.nowMs();
      const encounters = parseSchedule(need(args.join(' ') || undefined, 'schedule'), day);
      const s = await store();
      const ids = [...new Set(encounters.flatMap((e) => [e.a, e.b]))];
      const phones: Phone[] = [];
      for (const id of ids) {
        if (await s.has(id)) phones.push(await s.load(id, clock));
        else {
          phones.push(Phone.create({ id, clock }));
          io.out(`created phone ${id}`);
        }
      }
      const report = simulateEncounters(phones, encounters, {
        seed: values.seed ? Number(values.seed) : Date.now(),
      });
      for (const p of phones) await s.save(p);
      io.out(
        `simulated ${encounters.length} encounter(s): ${report.scans} scans, ${report.sightings} sightings recorded`,
      );
      return 0;
    }
    case 'keygen': {
      const outDir = need(values.out, '--out');
      await mkdir(outDir, { recursive: true });
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      await writeFile(
        join(outDir, 'export-private.pem'),
        pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        {
          mode: 0o600,
        },
      );
      await writeFile(
        join(outDir, 'export-public.pem'),
        pair.publicKey.export({ type: 'spki', format: 'pem' }),
      );
      io.out(`wrote ${join(outDir, 'export-private.pem')} and export-public.pem`);
      return 0;
    }
    case 'export': {
      const s = await store();
      const phone = await s.load(need(args[0], 'phone id'), clock);
      const privateKey = await readFile(need(values['private-key'], '--private-key'), 'utf8');
      const keys = phone.diagnosisKeys({
        reportType: ReportType.CONFIRMED_TEST,
        onsetMs: values.onset ? parseTime(values.onset, '--onset') : undefined,
      });
      const now = Math.floor(clock.nowMs() / 1000);
      const zip = await writeExportFile(
        {
          metadata: {
            startTimestamp: now - 3600,
            endTimestamp: now,
            region: values.region ?? 'NL',
            batchNum: 1,
            batchSize: 1,
            signatureInfos: [info],
          },
          keys,
        },
        createEcdsaSigner(privateKey, info),
      );
      await writeFile(need(values.out, '--out'), zip);
      await s.save(phone); // diagnosisKeys() may have made today's key: keep it
      io.out(`wrote ${keys.length} keys of ${phone.id} to ${values.out}`);
      return 0;
    }
    case 'check': {
      const phone = await (await store()).load(need(args[0], 'phone id'), clock);
      const files = args.slice(1);
      if (!files.length) throw new Error('give at least one export file');
      const trusted: ExportVerificationKey[] = [
        { ...info, publicKey: await readFile(need(values['public-key'], '--public-key'), 'utf8') },
      ];
      const kernel = (values.kernel ?? 'auto') as 'auto' | 'native' | 'ts';
      const result = await matchExports(phone, readAll(files), trusted, {
        kernel,
        workers: values.workers ? Number(values.workers) : 0,
      });
      printMatch(io, result, files, values.json === true);
      return result.files.some((f) => !f.ok) ? 2 : 0;
    }
    case 'disclose': {
      const s = await store();
      const phone = await s.load(need(args[0], 'phone id'), clock);
      const flow = new DisclosureFlow({
        baseUrl: need(values.backend, '--backend'),
        trustedRoots: pemToDerAll(await readFile(need(values.root, '--root'), 'utf8'), 'CERTIFICATE'),
        homeRegion: values.region ?? 'NL',
      });
      let state = await flow.start(phone, {
        disclose: true,
        visitedCountries: values.visited?.split(',').filter(Boolean),
        consentToFederation: values.federation === true,
      });
      if (state.status === 'awaiting-signature') {
        io.out(`code: ${state.pending.codeText}`);
        io.out(`words (nl): ${state.pending.trustwords.nl.join(' ')}`);
        io.out(`words (en): ${state.pending.trustwords.en.join(' ')}`);
        io.out(`valid until ${state.pending.expiresAt}; waiting for the GP's signature…`);
        const pending = state.pending;
        state = await flow.waitForApproval(pending, {
          timeoutMs: Number(values.wait ?? 600) * 1000,
          intervalMs: 1000,
        });
        if (state.status === 'awaiting-signature') {
          await flow.cancel(pending).catch(() => undefined);
          io.err('no signature in time; the code was withdrawn');
          return 3;
        }
      }
      if (state.status === 'approved') {
        io.out(`signed by ${state.signer.name} (UZI role ${state.signer.role})`);
        state = await flow.upload(phone, state);
      }
      if (state.status !== 'uploaded') {
        io.err(
          state.status === 'failed'
            ? `${state.failure}: ${state.message}`
            : `stopped in state ${state.status}`,
        );
        return 3;
      }
      await s.save(phone);
      io.out(
        `uploaded ${state.insertedKeys} keys; ${state.forgottenKeys} disclosed keys destroyed, phone rekeyed`,
      );
      return 0;
    }
    case 'verify-identity': {
      const s = await store();
      const phone = await s.load(need(args[0], 'phone id'), clock);
      const redirectUri = values['redirect-uri'] ?? APP_REDIRECT_URI;
      const flow = new IdentityVerificationFlow(need(values.backend, '--backend'), redirectUri);
      const consent =
        values.yes === true ||
        /^(y|yes|j|ja)$/i.test(
          (await answer(io, 'Log in and let the service look up your test result? (yes/no) ')) ?? '',
        );
      if (!consent) {
        io.err('stopped: verification needs your consent');
        return 3;
      }
      const pending = flow.begin({ identityLookup: true });
      const loopback = redirectUri.startsWith('http://')
        ? await listenForRedirect(redirectUri, Number(values.wait ?? 600) * 1000)
        : null;
      let auth;
      try {
        io.out('Open this URL in a browser and log in:');
        io.out(pending.authorizationUrl);
        const returned = loopback
          ? await loopback.received
          : await answer(io, `Paste the address the browser was sent to (${redirectUri}?…): `);
        auth = await flow.complete(pending, need(returned?.trim(), 'the returned address'));
      } catch (e) {
        if (!(e instanceof BackendError || e instanceof IdentityFlowError)) throw e;
        io.err(
          e instanceof BackendError ? `${e.problem.title ?? e.slug}: ${e.problem.detail ?? ''}` : e.message,
        );
        return 3;
      } finally {
        await loopback?.close();
      }
      io.out(
        `verified: positive test sampled on ${auth.sampleDate}; the token allows ${auth.maxKeys} keys until ${auth.notAfter}`,
      );
      const onset =
        values.onset ??
        (values['no-symptoms']
          ? ''
          : await answer(io, 'First day of symptoms (YYYY-MM-DD), empty if you had none: '));
      if (onset === undefined) throw new Error('missing --onset or --no-symptoms');
      let uploaded;
      try {
        uploaded = await flow.upload(phone, auth, {
          onsetDate: onset.trim() || null,
          visitedCountries: values.visited?.split(',').filter(Boolean),
          consentToFederation: values.federation === true,
        });
      } catch (e) {
        if (!(e instanceof BackendError || e instanceof IdentityFlowError)) throw e;
        io.err(e instanceof BackendError ? `${e.slug}: ${e.problem.detail ?? ''}` : e.message);
        return 3;
      }
      await s.save(phone);
      io.out(
        `uploaded ${uploaded.insertedKeys} keys (onset ${onset.trim() || `${auth.sampleDate}, the sample date`}); ${uploaded.forgottenKeys} uploaded keys destroyed, phone rekeyed`,
      );
      return 0;
    }
    case 'sync': {
      const s = await store();
      const id = need(args[0], 'phone id');
      const phone = await s.load(id, clock);
      const region = values.region ?? 'NL';
      const client = new BackendClient(need(values.backend, '--backend'));
      const trusted: ExportVerificationKey[] = values['public-key']
        ? [{ ...info, publicKey: await readFile(values['public-key'], 'utf8') }]
        : await client.signingKeys();
      const cursor = await s.syncCursor(id, region);
      const entries = await client.exportIndex(region, cursor);
      const zips: Uint8Array[] = [];
      for (const e of entries) zips.push(await client.downloadExport(e));
      const result = await matchExports(phone, zips, trusted, { kernel: 'auto' });
      printMatch(
        io,
        result,
        entries.map((e) => e.name),
        values.json === true,
      );
      // A rejected file is not skipped for good: the next sync tries from the last file before it.
      const firstRejected = result.files.find((f) => !f.ok)?.index;
      const last = firstRejected === undefined ? entries.at(-1) : entries[firstRejected - 1];
      if (last) await s.saveSyncCursor(id, region, last.name);
      return firstRejected === undefined ? 0 : 2;
    }
    default:
      io.err(`unknown command "${command}"\n\n${HELP}`);
      return 64;
  }
}

/** Prints a match result: per file, the totals, the days with exposure, every exposure window, the verdict. */
function printMatch(io: CliIo, result: MatchResult, fileNames: string[], json: boolean): void {
  if (json) {
    io.out(
      JSON.stringify(
        {
          notify: result.notify,
          keysChecked: result.keysChecked,
          matchedKeys: result.matchedKeys.length,
          dailySummaries: result.dailySummaries,
          exposureWindows: result.exposureWindows,
          files: result.files.map((f) => (f.ok ? f : { index: f.index, ok: false, error: f.error.code })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (!result.files.length) io.out('no new exports');
  for (const f of result.files) {
    io.out(
      f.ok
        ? `${fileNames[f.index]}: ${f.keyCount} keys, signed by ${f.verifiedBy.verificationKeyId}/${f.verifiedBy.verificationKeyVersion}`
        : `${fileNames[f.index]}: REJECTED ${f.error.message}`,
    );
  }
  io.out(
    `checked ${result.keysChecked} keys (${result.kernel} kernel); ${result.matchedKeys.length} matched`,
  );
  for (const d of result.dailySummaries) {
    const date = new Date(d.dateMs).toISOString().slice(0, 10);
    io.out(
      `  ${date}: score ${Math.round(d.daySummary.scoreSum)} s, weighted duration ${Math.round(d.daySummary.weightedDurationSum)} s`,
    );
  }
  for (const w of result.exposureWindows) {
    const seconds = w.scanInstances.reduce((n, i) => n + i.secondsSinceLastScan, 0);
    const closest = Math.min(...w.scanInstances.map((i) => i.minAttenuationDb));
    io.out(
      `  window ${new Date(w.dateMs).toISOString().slice(0, 10)}: ${Infectiousness[w.infectiousness]} infectiousness, ${ReportType[w.reportType]}, ${w.scanInstances.length} scans, ${Math.round(seconds / 60)} min, min attenuation ${closest} dB`,
    );
  }
  io.out(result.notify ? 'EXPOSURE: notify the user' : 'no exposure');
}

/** The user's answer, or undefined when the CLI runs without anyone to ask. */
async function answer(io: CliIo, question: string): Promise<string | undefined> {
  return io.ask ? io.ask(question) : undefined;
}

async function* readAll(files: string[]): AsyncGenerator<Uint8Array> {
  for (const f of files) yield await readFile(f);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === '') throw new Error(`missing ${what}`);
  return value;
}

function parseTime(text: string, what: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new Error(`${what}: cannot parse time "${text}"`);
  return ms;
}

if (require.main === module) {
  const terminal = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  runCli(process.argv.slice(2), {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    env: process.env,
    ask: (question) => new Promise((resolve) => terminal.question(question, resolve)),
  })
    .finally(() => terminal.close())
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      console.error(err instanceof ExportFileError || err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    });
}
