/**
 * CMS verifications per second for a chain of 3 (root → intermediate → signer), RSA-2048 and ECDSA P-256,
 * against the floor of bare signature verifications with node:crypto measured in the same run.
 *
 * A verification here is the whole `verifyCms` path a phone or the backend runs: parse, signed attributes,
 * content digest, CMS signature, path validation at signing time (leaf signature checked against the
 * intermediate every time; the configured intermediate→root link is cached by the trust store), signer
 * details. Signers rotate over several certificates and every message is distinct, so nothing about a
 * signer is cached between verifications. CRL checks are off (measured separately: `--crl`).
 *
 * Two floors: one bare signature verification, and three (the signatures a chain of 3 implies). We claim
 * the ratio against the three-signature floor; see docs/PERFORMANCE.md.
 *
 * Three configurations: the `node:crypto` verify backend a Node server installs (`useNodeCrypto()`), the
 * same without the parsed-signer-certificate cache (every signer certificate parsed anew, as for a signer
 * never seen before), and the default WebCrypto backend the browser and the phone use.
 *
 * Options: --seconds=<n> per measurement (default 2), --concurrency=<n> verifications in flight (default 1),
 * --crl (also check a CRL for the signer).
 */
import { constants, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { machineLine, printResult } from './report';
import { signCms, TrustStore, verifyCms, CrlSet, type CmsSigner, cryptoKeySigner, setVerifyBackend, useWebCrypto } from '../src/protocol/cms';
import { nodeVerifyBackend } from '../src/protocol/cms/node-backend';
import { createTestPki, generateKeyPair, issueCertificate, issueCrl, type IssuedCertificate, type KeyAlgorithm } from '../src/protocol/cms/testing';

interface Setup {
  readonly label: string;
  readonly trust: TrustStore;
  readonly coldTrust: TrustStore;
  readonly messages: { cms: Uint8Array }[];
  readonly crls: CrlSet;
  /** A bare signature over signed-attribute-sized data, for the floor. */
  readonly floor: { data: Buffer; signature: Buffer; key: KeyObject; dsaEncoding?: 'der' };
}

const SIGNERS = 4;
const MESSAGES = 64;

async function hierarchy(algorithm: KeyAlgorithm, now: Date): Promise<{ root: IssuedCertificate; intermediate: IssuedCertificate; leaves: IssuedCertificate[] }> {
  const year = 365 * 86_400_000;
  const at = (ms: number) => new Date(now.getTime() + ms);
  const root = await issueCertificate({ subject: [['C', 'NL'], ['CN', `bench ${algorithm} root`]], keys: await generateKeyPair(algorithm), keyAlgorithm: algorithm, notBefore: at(-year), notAfter: at(10 * year), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'] });
  const intermediate = await issueCertificate({ subject: [['C', 'NL'], ['CN', `bench ${algorithm} intermediate`]], issuer: root, keys: await generateKeyPair(algorithm), keyAlgorithm: algorithm, notBefore: at(-year), notAfter: at(5 * year), ca: { pathLength: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] });
  const leaves: IssuedCertificate[] = [];
  for (let i = 0; i < SIGNERS; i++) {
    leaves.push(
      await issueCertificate({ subject: [['C', 'NL'], ['CN', `bench signer ${i}`], ['serialNumber', `90000020${i}`]], issuer: intermediate, keys: await generateKeyPair(algorithm), keyAlgorithm: algorithm, notBefore: at(-year), notAfter: at(year), keyUsage: ['nonRepudiation'] }),
    );
  }
  return { root, intermediate, leaves };
}

async function setup(algorithm: KeyAlgorithm, now: Date): Promise<Setup> {
  const { root, intermediate, leaves } = await hierarchy(algorithm, now);
  const signers: CmsSigner[] = leaves.map((leaf) => cryptoKeySigner(leaf.keys.privateKey, leaf.der, [intermediate.der]));
  const messages = [];
  for (let i = 0; i < MESSAGES; i++) {
    const content = new TextEncoder().encode(`veilig-disclosure-approval/1\nupload-sha256: ${i.toString(16).padStart(64, '0')}\ncode: ${String(100000 + i)}-0000\n`);
    messages.push({ cms: await signCms({ content, signer: signers[i % SIGNERS], signingTime: now }) });
  }
  const crl = await issueCrl({ issuer: intermediate, revoked: [], thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000) });
  const data = Buffer.alloc(110, 7);
  const privateKey = await crypto.subtle.exportKey('pkcs8', leaves[0].keys.privateKey);
  const { createPrivateKey, sign } = await import('node:crypto');
  const nodePrivate = createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' });
  const signature = sign('sha256', data, algorithm === 'RSA' ? { key: nodePrivate, padding: constants.RSA_PKCS1_PADDING } : { key: nodePrivate, dsaEncoding: 'der' });
  const key = createPublicKey(nodePrivate);
  return {
    label: algorithm === 'RSA' ? 'RSA-2048' : 'ECDSA P-256',
    trust: await TrustStore.create({ roots: [root.der], intermediates: [intermediate.der] }),
    coldTrust: await TrustStore.create({ roots: [root.der], intermediates: [intermediate.der], signerCacheSize: 0 }),
    messages,
    crls: CrlSet.from([crl]),
    floor: { data, signature, key, ...(algorithm === 'ECDSA' ? { dsaEncoding: 'der' as const } : {}) },
  };
}

function measureFloor(s: Setup, seconds: number): number {
  const { data, signature, key, dsaEncoding } = s.floor;
  const options = dsaEncoding ? { key, dsaEncoding } : key;
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 50; i++) if (!nodeVerify('sha256', data, options, signature)) throw new Error('floor signature did not verify');
    n += 50;
  }
  return n / ((performance.now() - start) / 1000);
}

async function measureCms(s: Setup, trust: TrustStore, seconds: number, concurrency: number, crl: boolean, now: Date): Promise<number> {
  let next = 0;
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { cms } = s.messages[next++ % s.messages.length];
      const result = await verifyCms(cms, { trust, now, requiredKeyUsage: 'nonRepudiation', ...(crl ? { crls: s.crls } : {}) });
      if (result.signatureVerified !== true) throw new Error('verification failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

/** Entry point for `npm run bench -- cms`. */
export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const seconds = option('seconds', 2);
  const concurrency = option('concurrency', 1);
  const crl = args.includes('--crl');
  const now = new Date();
  console.log(machineLine());
  console.log(`chain of 3, ${SIGNERS} signers, ${MESSAGES} distinct messages, ${seconds} s per figure, concurrency ${concurrency}${crl ? ', with CRL check' : ''}`);
  await createTestPki({ now }); // warms pkijs/asn1js and WebCrypto paths before measuring
  const webCrypto = globalThis.crypto;
  for (const algorithm of ['RSA', 'ECDSA'] as const) {
    const s = await setup(algorithm, now);
    const floor = measureFloor(s, seconds);
    const one = { value: floor, label: `1 bare ${s.label} verify` };
    const three = { value: floor / 3, label: `3 bare ${s.label} verifies` };
    const configurations = [
      { label: 'node:crypto backend', trust: s.trust, install: () => setVerifyBackend(nodeVerifyBackend()) },
      { label: 'node:crypto backend, no signer cache', trust: s.coldTrust, install: () => setVerifyBackend(nodeVerifyBackend()) },
      { label: 'WebCrypto backend', trust: s.trust, install: () => useWebCrypto(webCrypto) },
    ];
    for (const [i, c] of configurations.entries()) {
      c.install();
      await measureCms(s, c.trust, 0.5, concurrency, crl, now);
      const cms = await measureCms(s, c.trust, seconds, concurrency, crl, now);
      if (i === 0) printResult(`CMS verify ${s.label}, ${c.label}`, cms, 'verifications/s', one);
      printResult(`CMS verify ${s.label}, ${c.label}`, cms, 'verifications/s', three);
    }
    useWebCrypto(webCrypto);
  }
}
