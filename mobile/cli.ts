/**
 * Reference app CLI: `npm run mobile -- <command>`. Phones live encrypted in --dir (default data/phones, or
 * VEILIG_PHONE_DIR); see `help`. All commands accept --now <ISO time> to run at another moment.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { pemToDerAll } from '../src/protocol/cms/pem';
import {
  createEcdsaSigner,
  ExportFileError,
  intervalStartMs,
  ReportType,
  writeExportFile,
  type ExportVerificationKey,
} from '../src/protocol/gaen';
import { ManualClock, systemClock, type Clock } from './clock';
import { DisclosureFlow } from './disclosure-flow';
import { matchExports } from './matching/match';
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

Common options: --dir <dir>  --now <ISO time>  --key-id <id> (default 204)  --key-version <v> (default v1)
Storage key: VEILIG_PHONE_KEY (32 bytes, base64 or hex) or <dir>/.keychain (created, mode 0600).`;

/** Where the CLI writes and what it reads from the environment; injectable for tests. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

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
      const rejected = result.files.filter((f) => !f.ok);
      if (values.json) {
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
      } else {
        for (const f of result.files) {
          io.out(
            f.ok
              ? `${files[f.index]}: ${f.keyCount} keys, signed by ${f.verifiedBy.verificationKeyId}/${f.verifiedBy.verificationKeyVersion}`
              : `${files[f.index]}: REJECTED ${f.error.message}`,
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
        io.out(result.notify ? 'EXPOSURE: notify the user' : 'no exposure');
      }
      return rejected.length ? 2 : 0;
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
    default:
      io.err(`unknown command "${command}"\n\n${HELP}`);
      return 64;
  }
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
  runCli(process.argv.slice(2), {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    env: process.env,
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      console.error(err instanceof ExportFileError || err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    });
}
