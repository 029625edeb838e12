/**
 * Export signing keys in an HSM: SoftHSM2 stands in for it through real PKCS#11. The key pairs are
 * generated on the token with OpenSC's pkcs11-tool, as an operator would (docs/deployment.md), so the
 * private keys never exist outside it. An aggregation cycle signs on the token; openssl verifies the
 * export against the public key the backend publishes; rotation works as with PEM files.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendClient } from '../mobile/backend-client';
import { ManualClock } from '../mobile/clock';
import { Phone } from '../mobile/phone';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { openExportFile, readZip } from '../src/protocol/gaen';
import { ExportProto } from '../src/protocol/gaen/proto';
import { SoftHsm } from '../src/protocol/pkcs11/testing/softhsm';
import { startApp, type TestApp } from './support/app';
import { afterThisHour } from './support/gaen';
import { freshEnv, testName } from './support/profile';

const PIN = '493017';

describe('export signing keys in an HSM (PKCS#11, SoftHSM2)', () => {
  const hsm = SoftHsm.ofThisProcess();
  const token = `veilig-export-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let pinFile: string;
  let t: TestApp | undefined;

  /** pkcs11-tool / softhsm2-util against this run's SoftHSM2 (its configuration comes from the environment). */
  const tool = (command: string, args: string[]) =>
    execFileSync(command, args, {
      env: { ...process.env, ...hsm.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  const generateKeyPair = (label: string, id: string, extra: string[] = []) =>
    tool('pkcs11-tool', [
      ...['--module', hsm.modulePath, '--token-label', token, '--login', '--pin', PIN],
      ...['--keypairgen', '--key-type', 'EC:prime256v1', '--usage-sign', '--sensitive'],
      ...['--label', label, '--id', id, ...extra],
    ]);

  const hsmEnv = (keys: string, extra: Record<string, string> = {}) => ({
    EXPORT_SIGNING_PKCS11_MODULE: hsm.modulePath,
    EXPORT_SIGNING_PKCS11_TOKEN: token,
    EXPORT_SIGNING_PKCS11_PIN_FILE: pinFile,
    EXPORT_SIGNING_PKCS11_KEYS: keys,
    EXPORT_MIN_KEYS: '20',
    ...extra,
  });
  const start = async (keys: string, extra: Record<string, string> = {}) => {
    await t?.close();
    t = undefined;
    t = await startApp({ env: await freshEnv(testName(), hsmEnv(keys, extra)), listen: true });
    return t;
  };
  const client = (app: TestApp) =>
    new BackendClient(`http://127.0.0.1:${(app.app.getHttpServer().address() as { port: number }).port}`);

  /** A phone's keys of the last days, uploaded and aggregated into one new export; returns its zip. */
  async function exportCycle(app: TestApp, phoneId: string): Promise<Uint8Array> {
    const phone = Phone.create({ id: phoneId, clock: new ManualClock(Date.now()) });
    for (let d = 1; d <= 3; d++) phone.tekAt(Date.now() - d * 86_400_000);
    const { token: uploadToken } = await app.app
      .get(UploadTokenService)
      .mint({ flow: 'test', reportType: 1, maxKeys: 30 });
    await client(app).uploadKeys(phone.diagnosisKeys({ includeCurrentKey: false }), { uploadToken });
    const [report] = await app.app.get(AggregationService).runCycle(afterThisHour());
    expect(report.realKeys).toBe(3);
    const index = await client(app).exportIndex('NL');
    return client(app).downloadExport(index.at(-1)!);
  }

  /** openssl's verdict on export.bin with the signature in export.sig and a published PEM key. */
  function opensslVerifies(zip: Uint8Array, publicKeyPem: string): boolean {
    const entries = readZip(zip, [
      { name: 'export.bin', maxBytes: 1 << 24 },
      { name: 'export.sig', maxBytes: 1 << 16 },
    ]);
    const list = ExportProto.TEKSignatureList.decode(entries.get('export.sig')!) as unknown as {
      signatures: { signature: Uint8Array }[];
    };
    const files = {
      bin: join(dir, 'export.bin'),
      sig: join(dir, 'export.sig.der'),
      key: join(dir, 'key.pem'),
    };
    writeFileSync(files.bin, entries.get('export.bin')!);
    writeFileSync(files.sig, list.signatures[0].signature);
    writeFileSync(files.key, publicKeyPem);
    try {
      execFileSync('openssl', ['dgst', '-sha256', '-verify', files.key, '-signature', files.sig, files.bin], {
        stdio: 'pipe',
      });
      return true;
    } catch {
      return false;
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'veilig-hsm-'));
    pinFile = join(dir, 'pin');
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
    tool('softhsm2-util', ['--init-token', '--free', '--label', token, '--pin', PIN, '--so-pin', '87654321']);
    generateKeyPair('veilig-export-v1', '01');
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs an aggregation cycle on the token; openssl verifies it against the published key', async () => {
    const app = await start('v1=veilig-export-v1');
    const zip = await exportCycle(app, 'hsm-a');
    const published = await client(app).signingKeys();
    expect(published).toEqual([expect.objectContaining({ verificationKeyVersion: 'v1' })]);
    expect(opensslVerifies(zip, published[0].publicKey as string)).toBe(true);
    expect((await openExportFile(zip, published)).verifiedBy.verificationKeyVersion).toBe('v1');
    // No key was generated or written outside the token.
    expect(existsSync(join(app.config.dataDir, 'keys'))).toBe(false);
  });

  it('rotates like PEM files: a new version signs, the old one stays published for the files it signed', async () => {
    const before = await exportCycle(await start('v1=veilig-export-v1'), 'hsm-b');
    generateKeyPair('veilig-export-v2', '02');
    const app = await start('v1=veilig-export-v1,v2=veilig-export-v2');
    const published = await client(app).signingKeys();
    const body = (await app.http().get('/.well-known/veilig/export-signing-keys').expect(200)).body as {
      keys: { verificationKeyVersion: string; active: boolean; publicKey: string }[];
    };
    expect(body.keys.map((k) => [k.verificationKeyVersion, k.active])).toEqual([
      ['v1', false],
      ['v2', true],
    ]);
    const after = await exportCycle(app, 'hsm-c');
    expect((await openExportFile(after, published)).verifiedBy.verificationKeyVersion).toBe('v2');
    expect((await openExportFile(before, published)).verifiedBy.verificationKeyVersion).toBe('v1');
    expect(opensslVerifies(after, body.keys[1].publicKey)).toBe(true);
    expect(opensslVerifies(after, body.keys[0].publicKey)).toBe(false);
  });

  it('refuses to start, naming the variable, when the token, PIN or key is wrong or the key could leave the token', async () => {
    const refusal = (keys: string, extra: Record<string, string> = {}) =>
      start(keys, extra).then(
        () => 'started',
        (e: Error) => e.message,
      );
    expect(await refusal('v1=veilig-export-v1', { EXPORT_SIGNING_PKCS11_TOKEN: 'no-such-token' })).toMatch(
      /^EXPORT_SIGNING_PKCS11_TOKEN: no token "no-such-token"/,
    );
    const wrongPin = join(dir, 'wrong-pin');
    writeFileSync(wrongPin, '000000');
    expect(await refusal('v1=veilig-export-v1', { EXPORT_SIGNING_PKCS11_PIN_FILE: wrongPin })).toMatch(
      new RegExp(`^EXPORT_SIGNING_PKCS11_PIN_FILE: token "${token}" refused the PIN`),
    );
    expect(await refusal('v1=veilig-export-v9')).toMatch(
      /^EXPORT_SIGNING_PKCS11_KEYS: key v1: no private key "veilig-export-v9"/,
    );
    generateKeyPair('veilig-export-loose', '03', ['--extractable']);
    expect(await refusal('v1=veilig-export-loose')).toMatch(
      /^EXPORT_SIGNING_PKCS11_KEYS: key v1 \("veilig-export-loose"\) can leave the token/,
    );
  });
});
