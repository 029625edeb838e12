/**
 * Interop with OpenSSL as an independent oracle (docs/protocols/efgs.md §A4.2, "OpenSSL as an oracle"):
 * signatures made by `openssl cms -sign` verify here, and ours verify with `openssl cms -verify`; PKCS#12
 * files go both ways. Skipped, with a message, when no `openssl` binary is on the PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utf8 } from './bytes';
import { derToPem } from './pem';
import { readPkcs12, writePkcs12 } from './pkcs12';
import { signCms } from './sign';
import { sharedTestPki, type TestPki } from './testing';
import { TrustStore } from './trust-store';
import { verifyUziSignature } from './uzi';

function opensslVersion(): string | undefined {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const version = opensslVersion();
const describeWithOpenssl = version ? describe : describe.skip;
if (!version) console.warn('openssl.interop.spec: skipped because no `openssl` binary was found on the PATH');

describeWithOpenssl(`interop with ${version ?? 'openssl'}`, () => {
  let pki: TestPki;
  let trust: TrustStore;
  let dir: string;
  const bytes = utf8('bytes signed across implementations\n');
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
    dir = mkdtempSync(join(tmpdir(), 'veilig-cms-interop-'));
    writeFileSync(file('bytes.bin'), bytes);
    writeFileSync(file('root.pem'), derToPem(pki.root.der, 'CERTIFICATE'));
    writeFileSync(file('intermediate.pem'), derToPem(pki.intermediate.der, 'CERTIFICATE'));
    for (const name of ['huisarts', 'huisartsEcdsa'] as const) {
      const signer = pki.signers[name];
      writeFileSync(file(`${name}.pem`), derToPem(signer.certificate.der, 'CERTIFICATE'));
      const pkcs8 = new Uint8Array(
        await crypto.subtle.exportKey('pkcs8', signer.certificate.keys.privateKey),
      );
      writeFileSync(file(`${name}.key`), derToPem(pkcs8, 'PRIVATE KEY'));
    }
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['huisarts', 'huisartsEcdsa'] as const)(
    'verifies a detached signature made by openssl for the %s',
    async (name) => {
      openssl(
        'cms',
        '-sign',
        '-binary',
        '-md',
        'sha256',
        '-signer',
        file(`${name}.pem`),
        '-inkey',
        file(`${name}.key`),
        '-in',
        file('bytes.bin'),
        '-outform',
        'DER',
        '-out',
        file(`${name}.ossl.der`),
      );

      const sut = await verifyUziSignature(readFileSync(file(`${name}.ossl.der`)), { trust, content: bytes });

      expect(sut).toMatchObject({ detached: true, uzi: { role: '01.015' } });
    },
  );

  it('verifies an attached signature with chain made by openssl', async () => {
    openssl(
      'cms',
      '-sign',
      '-nodetach',
      '-binary',
      '-md',
      'sha256',
      '-signer',
      file('huisarts.pem'),
      '-inkey',
      file('huisarts.key'),
      '-certfile',
      file('intermediate.pem'),
      '-in',
      file('bytes.bin'),
      '-outform',
      'DER',
      '-out',
      file('attached.ossl.der'),
    );

    const sut = await verifyUziSignature(readFileSync(file('attached.ossl.der')), {
      trust: await TrustStore.create({ roots: pki.trust.roots }),
    });

    expect(sut).toMatchObject({ detached: false, content: bytes });
  });

  it('verifies a streamed (BER, indefinite-length) signature made by openssl', async () => {
    openssl(
      'cms',
      '-sign',
      '-stream',
      '-nodetach',
      '-binary',
      '-md',
      'sha256',
      '-signer',
      file('huisartsEcdsa.pem'),
      '-inkey',
      file('huisartsEcdsa.key'),
      '-in',
      file('bytes.bin'),
      '-outform',
      'DER',
      '-out',
      file('streamed.ossl.der'),
    );
    const streamed = readFileSync(file('streamed.ossl.der'));

    const sut = await verifyUziSignature(streamed, { trust });

    expect(streamed[1]).toBe(0x80);
    expect(sut).toMatchObject({ detached: false, content: bytes });
  });

  it.each(['huisarts', 'huisartsEcdsa'] as const)(
    'produces detached signatures openssl verifies, for the %s',
    async (name) => {
      writeFileSync(
        file(`${name}.ours.der`),
        await signCms({ content: bytes, signer: pki.signers[name].signer(), detached: true }),
      );

      expect(() =>
        openssl(
          'cms',
          '-verify',
          '-binary',
          '-inform',
          'DER',
          '-in',
          file(`${name}.ours.der`),
          '-content',
          file('bytes.bin'),
          '-noverify',
          '-out',
          file('out.bin'),
        ),
      ).not.toThrow();
      expect(readFileSync(file('out.bin'))).toEqual(Buffer.from(bytes));
    },
  );

  it('produces attached signatures openssl verifies up to our root', async () => {
    writeFileSync(
      file('attached.ours.der'),
      await signCms({ content: bytes, signer: pki.signers.huisarts.signer() }),
    );

    expect(() =>
      openssl(
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        file('attached.ours.der'),
        '-CAfile',
        file('root.pem'),
        '-purpose',
        'any',
        '-out',
        file('out2.bin'),
      ),
    ).not.toThrow();
    expect(readFileSync(file('out2.bin'))).toEqual(Buffer.from(bytes));
  });

  it('writes PKCS#12 files openssl opens, with PBES2/AES-256-CBC', async () => {
    const signer = pki.signers.huisarts;
    writeFileSync(
      file('ours.p12'),
      await writePkcs12({
        privateKey: signer.certificate.keys.privateKey,
        certificate: signer.certificate.der,
        chain: [pki.intermediate.der],
        password: 'geheim',
      }),
    );

    const sut = spawnSync(
      'openssl',
      ['pkcs12', '-in', file('ours.p12'), '-passin', 'pass:geheim', '-info', '-noout'],
      { encoding: 'utf8' },
    );

    expect(sut.status).toBe(0);
    expect(sut.stdout + sut.stderr).toMatch(/MAC: sha256/);
    expect(sut.stdout + sut.stderr).toMatch(/PBES2, PBKDF2, AES-256-CBC/);
  });

  it('reads PKCS#12 files made by openssl pkcs12 -export', async () => {
    openssl(
      'pkcs12',
      '-export',
      '-inkey',
      file('huisartsEcdsa.key'),
      '-in',
      file('huisartsEcdsa.pem'),
      '-certfile',
      file('intermediate.pem'),
      '-passout',
      'pass:geheim',
      '-out',
      file('ossl.p12'),
    );

    const sut = await readPkcs12(readFileSync(file('ossl.p12')), 'geheim');

    expect(sut.certificate).toEqual(pki.signers.huisartsEcdsa.certificate.der);
    expect(sut.chain).toEqual([pki.intermediate.der]);
  });
});
