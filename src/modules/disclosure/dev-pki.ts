/**
 * The embedded profile's default trust: with no roots configured (never in production), a development
 * PKI under DATA_DIR/pki, in the layout `npm run pki:dev` writes (manifest.json, PEM roots, CRL files,
 * PKCS#12 files for the GP portal). An existing one is reused, so `npm run pki:dev` and the server agree;
 * it is regenerated only when missing or when its CRLs are about to go stale.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { derToPem, writePkcs12 } from '../../protocol/cms';

/** Common name of the development root; production refuses a root with this name. */
export const DEV_ROOT_COMMON_NAME = 'TEST Veilig Zorg Root CA';
export const DEV_PKI_PASSWORD = 'veilig-dev';

/** Files of a development PKI, absolute paths. */
export interface DevPkiFiles {
  readonly roots: string[];
  readonly intermediates: string[];
  readonly crls: string[];
  /** Whether it was generated now (else reused). */
  readonly generated: boolean;
}

interface Manifest {
  readonly trust: { readonly roots: string[]; readonly intermediates: string[] };
  readonly crls: string[];
  readonly crlNextUpdate: string;
}

const DAY = 86_400_000;
const CRL_DAYS = 90;

/** Loads the development PKI in `dir`, generating it first when missing or when its CRLs expire within a day. */
export async function ensureDevPki(dir: string, now: Date): Promise<DevPkiFiles> {
  const existing = await readManifest(dir);
  if (existing && Date.parse(existing.crlNextUpdate) > now.getTime() + DAY)
    return filesOf(dir, existing, false);
  return filesOf(dir, await generate(dir, now), true);
}

async function readManifest(dir: string): Promise<Manifest | null> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    return Array.isArray(manifest.trust?.roots) &&
      Array.isArray(manifest.crls) &&
      typeof manifest.crlNextUpdate === 'string'
      ? manifest
      : null;
  } catch {
    return null;
  }
}

function filesOf(dir: string, manifest: Manifest, generated: boolean): DevPkiFiles {
  const abs = (names: readonly string[]) => names.map((n) => join(dir, n));
  return {
    roots: abs(manifest.trust.roots),
    intermediates: abs(manifest.trust.intermediates ?? []),
    crls: abs(manifest.crls),
    generated,
  };
}

async function generate(dir: string, now: Date): Promise<Manifest> {
  // The test-PKI generator is test tooling; it is loaded only here, outside production (config refuses
  // a missing root list there), so production code paths never import it.
  const { createTestPki, TEST_SIGNER_NAMES } = await import('../../protocol/cms/testing');
  const pki = await createTestPki({ now, crlValidityMs: CRL_DAYS * DAY });
  await mkdir(dir, { recursive: true });
  const write = (name: string, data: string | Uint8Array) =>
    writeFile(join(dir, name), data, { mode: /\.p12$/.test(name) ? 0o600 : 0o644 });
  const pem = (der: Uint8Array) => derToPem(der, 'CERTIFICATE');
  await write('root.pem', pem(pki.root.der));
  await write('intermediate.pem', pem(pki.intermediate.der));
  await write('intermediate.crl', pki.intermediateCrl);
  await write('root.crl', pki.rootCrl);
  const signers: Record<string, unknown> = {};
  for (const name of TEST_SIGNER_NAMES) {
    const signer = pki.signers[name];
    const base = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      chain: signer.chain,
      password: DEV_PKI_PASSWORD,
      friendlyName: `${signer.description} (Veilig dev)`,
    });
    await write(`${base}.p12`, p12);
    await write(`${base}.cert.pem`, pem(signer.certificate.der));
    signers[name] = {
      description: signer.description,
      uziName: signer.uziName,
      certificate: `${base}.cert.pem`,
      pkcs12: `${base}.p12`,
      password: DEV_PKI_PASSWORD,
    };
  }
  const manifest = {
    generatedAt: now.toISOString(),
    generatedBy:
      'the server (embedded default); `npm run pki:dev` writes the same layout with private key PEM files',
    warning: 'Development PKI. Never trust these roots outside development.',
    trust: { roots: ['root.pem'], intermediates: ['intermediate.pem'] },
    crls: ['intermediate.crl', 'root.crl'],
    crlNextUpdate: new Date(now.getTime() - 3_600_000 + CRL_DAYS * DAY).toISOString(),
    signers,
  };
  await write('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
