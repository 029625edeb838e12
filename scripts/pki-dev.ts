/**
 * `npm run pki:dev [-- --out <dir>] [--password <pw>] [--crl-days <n>]`
 *
 * Writes the UZI-like development PKI (src/protocol/cms/testing/test-pki.ts) to `data/pki/` (gitignored):
 * roots, intermediates, CRLs, and per professional a certificate, a PKCS#8 key, a chain file and a
 * password-protected PKCS#12 file for the GP portal, plus `manifest.json` for the embedded backend
 * default and a README listing files and passwords. Everything is regenerated on every run: previously
 * issued test signatures stop verifying, which is the point of a throwaway dev PKI.
 * Never use these keys or roots outside development.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { derToPem, writePkcs12 } from '../src/protocol/cms';
import { createTestPki, TEST_SIGNER_NAMES, type TestSignerName } from '../src/protocol/cms/testing';

interface Options {
  readonly out: string;
  readonly password: string;
  readonly crlDays: number;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  };
  const crlDays = Number(value('crl-days') ?? 90);
  if (!Number.isInteger(crlDays) || crlDays < 1) throw new Error('--crl-days must be a positive integer');
  return {
    out: resolve(value('out') ?? join(__dirname, '..', 'data', 'pki')),
    password: value('password') ?? 'veilig-dev',
    crlDays,
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const now = new Date();
  // Dev CRLs live longer than the UZI-register's 48 h so the embedded default keeps working for a while.
  const pki = await createTestPki({ now, crlValidityMs: options.crlDays * 86_400_000 });
  mkdirSync(options.out, { recursive: true });
  const written: string[] = [];
  const write = (name: string, data: string | Uint8Array): string => {
    // Private keys only readable by the developer, even though they are throwaway test keys.
    const mode = /\.(key\.pem|p12)$/.test(name) ? 0o600 : 0o644;
    writeFileSync(
      join(options.out, name),
      data,
      typeof data === 'string' ? { encoding: 'utf8', mode } : { mode },
    );
    written.push(name);
    return name;
  };
  const pem = (der: Uint8Array) => derToPem(der, 'CERTIFICATE');

  write('root.pem', pem(pki.root.der));
  write('intermediate.pem', pem(pki.intermediate.der));
  write('impostor-root.pem', pem(pki.impostorRoot.der));
  write('impostor-intermediate.pem', pem(pki.impostorIntermediate.der));
  write('intermediate.crl', pki.intermediateCrl);
  write('root.crl', pki.rootCrl);

  const signers: Record<string, unknown> = {};
  for (const name of TEST_SIGNER_NAMES) {
    const signer = pki.signers[name];
    const base = fileBase(name);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', signer.certificate.keys.privateKey));
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      chain: signer.chain,
      password: options.password,
      friendlyName: `${signer.description} (Veilig dev)`,
    });
    signers[name] = {
      description: signer.description,
      uziName: signer.uziName,
      keyAlgorithm: signer.certificate.keyAlgorithm,
      certificate: write(`${base}.cert.pem`, pem(signer.certificate.der)),
      chain: write(`${base}.chain.pem`, [signer.certificate.der, ...signer.chain].map(pem).join('')),
      key: write(`${base}.key.pem`, derToPem(pkcs8, 'PRIVATE KEY')),
      pkcs12: write(`${base}.p12`, p12),
      password: options.password,
      notAfter: signer.certificate.cert.notAfter.value.toISOString(),
    };
  }

  const manifest = {
    generatedAt: now.toISOString(),
    warning: 'Development PKI. Never trust these roots outside development.',
    trust: { roots: ['root.pem'], intermediates: ['intermediate.pem'] },
    crls: ['intermediate.crl', 'root.crl'],
    crlNextUpdate: new Date(now.getTime() - 3600_000 + options.crlDays * 86_400_000).toISOString(),
    signers,
  };
  write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  write('README.md', readme(options, manifest.crlNextUpdate, pki.signers));

  console.log(
    `dev PKI written to ${relative(process.cwd(), options.out) || '.'} (${written.length} files); PKCS#12 password: ${options.password}`,
  );
}

function fileBase(name: TestSignerName): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function readme(
  options: Options,
  crlNextUpdate: string,
  signers: Awaited<ReturnType<typeof createTestPki>>['signers'],
): string {
  const rows = TEST_SIGNER_NAMES.map((name) => {
    const s = signers[name];
    const role = s.uziName?.split('-')[5] ?? '';
    return `| \`${fileBase(name)}.p12\` | ${s.description} | \`${role}\` | ${s.certificate.keyAlgorithm === 'RSA' ? 'RSA-2048' : 'ECDSA P-256'} | ${expectation(name)} |`;
  });
  return `# Development PKI (generated by \`npm run pki:dev\`)

**For development and tests only.** Regenerate with \`npm run pki:dev\`; every run makes new keys, so signatures
made with older files stop verifying. Nothing here is secret and nothing here may be trusted in production:
production configures the real UZI roots (\`docs/protocols/uzi.md §U3\`).

PKCS#12 password for every \`.p12\` file: **\`${options.password}\`** (PBES2/AES-256-CBC, PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC;
opens in the GP portal and with \`openssl pkcs12 -in <file>.p12\`).

## Trust configuration
| file | what |
|---|---|
| \`root.pem\` | TEST Veilig Zorg Root CA — the only trusted root |
| \`intermediate.pem\` | TEST UZI-register Zorgverlener CA G3 (issues all professional certificates) |
| \`intermediate.crl\` | CRL of the intermediate (DER); lists the \`revoked\` certificate; nextUpdate ${crlNextUpdate} |
| \`root.crl\` | CRL of the root (DER), empty; needed for \`revocation: 'chain'\` |
| \`impostor-root.pem\`, \`impostor-intermediate.pem\` | same names as the genuine CAs, other keys: must never be trusted |
| \`manifest.json\` | all of the above, machine-readable, for the embedded backend default |

## Professional certificates
Each has \`<name>.cert.pem\`, \`<name>.chain.pem\` (certificate + intermediate), \`<name>.key.pem\` (unencrypted PKCS#8)
and \`<name>.p12\`.

| PKCS#12 | holder | role | key | expected outcome (default policy) |
|---|---|---|---|---|
${rows.join('\n')}
`;
}

function expectation(name: TestSignerName): string {
  switch (name) {
    case 'dietist':
    case 'logopedist':
      return 'refused: `NOT_ARTICLE_3_PROFESSIONAL`';
    case 'medewerker':
      return 'refused: `NOT_A_CARE_PROVIDER_CARD`';
    case 'authentication':
      return 'refused: `NOT_A_SIGNATURE_CERTIFICATE`';
    case 'expired':
      return 'refused: `CERTIFICATE_EXPIRED`';
    case 'revoked':
      return 'refused with the CRL: `CERTIFICATE_REVOKED`';
    case 'impostor':
      return 'refused: `UNTRUSTED_CHAIN`';
    default:
      return 'accepted';
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
