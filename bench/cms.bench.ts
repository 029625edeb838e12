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
import {
  CrlSet,
  cryptoKeySigner,
  setVerifyBackend,
  signCms,
  TrustStore,
  useWebCrypto,
  verifyCms,
  type CmsSigner,
} from '../src/protocol/cms';
import { nodeVerifyBackend } from '../src/protocol/cms/node-backend';
import {
  createTestPki,
  generateKeyPair,
  issueCertificate,
  issueCrl,
  type IssuedCertificate,
  type KeyAlgorithm,
} from '../src/protocol/cms/testing';
import { machineLine, printResult } from './report';

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

async function hierarchy(
  algorithm: KeyAlgorithm,
  now: Date,
): Promise<{ root: IssuedCertificate; intermediate: IssuedCertificate; leaves: IssuedCertificate[] }> {
  const year = 365 * 86_400_000;
  const at = (ms: number) => new Date(now.getTime() + ms);
  const root = await issueCertificate({
    subject: [
      ['C', 'NL'],
      ['CN', `bench ${algorithm} root`],
    ],
    keys: await generateKeyPair(algorithm),
    keyAlgorithm: algorithm,
    notBefore: at(-year),
    notAfter: at(10 * year),
    ca: {},
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const intermediate = await issueCertificate({
    subject: [
      ['C', 'NL'],
      ['CN', `bench ${algorithm} intermediate`],
    ],
    issuer: root,
    keys: await generateKeyPair(algorithm),
    keyAlgorithm: algorithm,
    notBefore: at(-year),
    notAfter: at(5 * year),
    ca: { pathLength: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const leaves: IssuedCertificate[] = [];
  for (let i = 0; i < SIGNERS; i++) {
    leaves.push(
      await issueCertificate({
        subject: [
          ['C', 'NL'],
          ['CN', `bench signer ${i}`],
          ['serialNumber', `90000020${i}`],
        ],
        issuer: intermediate,
        keys: await generateKeyPair(algorithm),
        keyAlgorithm: algorithm,
        notBefore: at(-year),
        notAfter: at(year),
        keyUsage: ['nonRepudiation'],
      }),
    );
  }
  return { root, intermediate, leaves };
}

async function setup(algorithm: KeyAlgorithm, now: Date): Promise<Setup> {
  const { root, intermediate, leaves } = await hierarchy(algorithm, now);
  const signers: CmsSigner[] = leaves.map((leaf) =>
    cryptoKeySigner(leaf.keys.privateKey, leaf.der, [intermediate.der]),
  );
  const messages = [];
  for (let i = 0; i < MESSAGES; i++) {
    const content = new TextEncoder().encode(
      `veilig-disclosure-approval/1\nupload-sha256: ${i.toString(16).padStart(64, '0')}\ncode: ${String(100000 + i)}-0000\n`,
    );
    messages.push({ cms: await signCms({ content, signer: signers[i % SIGNERS], signingTime: now }) });
  }
  const crl = await issueCrl({
    issuer: intermediate,
    revoked: [],
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + 86_400_000),
  });
  const data = Buffer.alloc(110, 7);
  const privateKey = await crypto.subtle.exportKey('pkcs8', leaves[0].keys.privateKey);
  const { createPrivateKey, sign } = await import('node:crypto');
  const nodePrivate = createPrivateKey({ key: Buffer.from(privateKey), format: 'der', type: 'pkcs8' });
  const signature = sign(
    'sha256',
    data,
    algorithm === 'RSA'
      ? { key: nodePrivate, padding: constants.RSA_PKCS1_PADDING }
      : { key: nodePrivate, dsaEncoding: 'der' },
  );
  const key = createPublicKey(nodePrivate);
  return {
    label: algorithm === 'RSA' ? 'RSA-2048' : 'ECDSA P-256',
    trust: await TrustStore.create({ roots: [root.der], intermediates: [intermediate.der] }),
    coldTrust: await TrustStore.create({
      roots: [root.der],
      intermediates: [intermediate.der],
      signerCacheSize: 0,
    }),
    messages,
    crls: CrlSet.from([crl]),
    floor: { data, signature, key, ...(algorithm === 'ECDSA' ? { dsaEncoding: 'der' as const } : {}) },
  };
}

interface Tally {
  count: number;
  ms: number;
}

function floorSlice(s: Setup, ms: number, tally: Tally): void {
  const { data, signature, key, dsaEncoding } = s.floor;
  const options = dsaEncoding ? { key, dsaEncoding } : key;
  const start = performance.now();
  const deadline = start + ms;
  let n = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 20; i++)
      if (!nodeVerify('sha256', data, options, signature)) throw new Error('floor signature did not verify');
    n += 20;
  }
  tally.count += n;
  tally.ms += performance.now() - start;
}

async function cmsSlice(
  s: Setup,
  trust: TrustStore,
  ms: number,
  concurrency: number,
  crl: boolean,
  now: Date,
  tally: Tally,
): Promise<void> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { cms } = s.messages[next++ % s.messages.length];
      const result = await verifyCms(cms, {
        trust,
        now,
        requiredKeyUsage: 'nonRepudiation',
        ...(crl ? { crls: s.crls } : {}),
      });
      if (result.signatureVerified !== true) throw new Error('verification failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  tally.count += done;
  tally.ms += performance.now() - start;
}

const perSecond = (t: Tally): number => t.count / (t.ms / 1000);

/** Entry point for `npm run bench -- cms`. */
export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const seconds = option('seconds', 2);
  const concurrency = option('concurrency', 1);
  const crl = args.includes('--crl');
  const now = new Date();
  console.log(machineLine());
  console.log(
    `chain of 3, ${SIGNERS} signers, ${MESSAGES} distinct messages, ${seconds} s per figure, concurrency ${concurrency}${crl ? ', with CRL check' : ''}`,
  );
  await createTestPki({ now }); // warms pkijs/asn1js and WebCrypto paths before measuring
  const webCrypto = globalThis.crypto;
  // Floor and configurations are measured in short interleaved slices, so that load from other
  // processes on a shared machine affects all of them alike and the ratios stay meaningful.
  const slice = 125;
  const rounds = Math.max(1, Math.round((seconds * 1000) / slice));
  for (const algorithm of ['RSA', 'ECDSA'] as const) {
    const s = await setup(algorithm, now);
    const configurations = [
      {
        label: 'node:crypto backend',
        trust: s.trust,
        install: () => setVerifyBackend(nodeVerifyBackend()),
        tally: { count: 0, ms: 0 },
      },
      {
        label: 'node:crypto backend, no signer cache',
        trust: s.coldTrust,
        install: () => setVerifyBackend(nodeVerifyBackend()),
        tally: { count: 0, ms: 0 },
      },
      {
        label: 'WebCrypto backend',
        trust: s.trust,
        install: () => useWebCrypto(webCrypto),
        tally: { count: 0, ms: 0 },
      },
    ];
    for (const c of configurations) {
      c.install();
      await cmsSlice(s, c.trust, 300, concurrency, crl, now, { count: 0, ms: 0 });
    }
    const floor: Tally = { count: 0, ms: 0 };
    for (let r = 0; r < rounds; r++) {
      floorSlice(s, slice, floor);
      for (const c of configurations) {
        c.install();
        await cmsSlice(s, c.trust, slice, concurrency, crl, now, c.tally);
      }
    }
    useWebCrypto(webCrypto);
    const one = { value: perSecond(floor), label: `1 bare ${s.label} verify` };
    const three = { value: perSecond(floor) / 3, label: `3 bare ${s.label} verifies` };
    for (const [i, c] of configurations.entries()) {
      const rate = perSecond(c.tally);
      if (i === 0) printResult(`CMS verify ${s.label}, ${c.label}`, rate, 'verifications/s', one);
      printResult(`CMS verify ${s.label}, ${c.label}`, rate, 'verifications/s', three);
    }
  }
}
