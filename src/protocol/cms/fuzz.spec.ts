/**
 * A small, seeded fuzz run over the CMS parser/verifier (and the PKCS#12 reader): random bytes and
 * mutated valid DER must never crash or hang — every outcome is either a verified signature or a typed
 * refusal. The seed is fixed so a failure reproduces; change it locally to explore further.
 */
import { utf8 } from './bytes';
import { Pkcs12Error, readPkcs12, writePkcs12 } from './pkcs12';
import { CMS_REFUSAL_REASONS, RefusalError } from './refusal';
import { signCms } from './sign';
import { sharedTestPki, type TestPki } from './testing';
import { TrustStore } from './trust-store';
import { verifyCms } from './verify';

const SEED = 0x5eed_c0de;
const RANDOM_CASES = 1000;
const MUTATED_CASES = 2000;
const PKCS12_CASES = 150;
/** Generous per-case bound: only there to turn a hang into a failure, not to measure speed. */
const HANG_MS = 10_000;

/** mulberry32: tiny deterministic PRNG, good enough to pick mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(input: Uint8Array, rnd: () => number): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  const bytes = Uint8Array.from(input);
  switch (int(8)) {
    case 0: {
      for (let i = 0, n = 1 + int(8); i < n; i++) bytes[int(bytes.length)] ^= 1 << int(8);
      return bytes;
    }
    case 1: {
      for (let i = 0, n = 1 + int(4); i < n; i++) bytes[int(bytes.length)] = int(256);
      return bytes;
    }
    case 2:
      return bytes.subarray(0, int(bytes.length));
    case 3: {
      const at = int(bytes.length);
      const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      return Uint8Array.of(...bytes.subarray(0, at), ...extra, ...bytes.subarray(at));
    }
    case 4: {
      const at = int(bytes.length);
      return Uint8Array.of(...bytes.subarray(0, at), ...bytes.subarray(at + 1 + int(32)));
    }
    case 5: {
      // Corrupt a long-form length (0x81/0x82 prefix), the classic parser trap.
      const lengths = bytes.reduce<number[]>(
        (acc, b, i) => (b === 0x81 || b === 0x82 ? [...acc, i] : acc),
        [],
      );
      const at = lengths[int(lengths.length)] ?? int(bytes.length - 1);
      bytes[at + 1] = int(256);
      return bytes;
    }
    case 6: {
      bytes[int(bytes.length)] = 0x80; // indefinite length where none was
      return bytes;
    }
    default: {
      const from = int(bytes.length);
      const slice = bytes.subarray(from, from + 1 + int(64));
      const at = int(bytes.length);
      return Uint8Array.of(...bytes.subarray(0, at), ...slice, ...bytes.subarray(at));
    }
  }
}

async function bounded<T>(work: Promise<T>): Promise<T | 'HANG'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'HANG'>((resolve) => (timer = setTimeout(() => resolve('HANG'), HANG_MS)));
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('fuzz', () => {
  let pki: TestPki;
  let trust: TrustStore;
  const content = utf8('fuzz content');

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
  }, 120_000);

  async function outcome(input: Uint8Array): Promise<string> {
    const result = await bounded(
      verifyCms(input, { trust, content, now: pki.now }).then(
        (r) => (r.signatureVerified === true ? 'verified' : 'verified-without-flag'),
        (e: unknown) =>
          e instanceof RefusalError && (CMS_REFUSAL_REASONS as readonly string[]).includes(e.reason)
            ? `refused:${e.reason}`
            : `UNTYPED:${String(e)}`,
      ),
    );
    return result;
  }

  it(`turns ${RANDOM_CASES} random inputs into typed refusals`, async () => {
    const rnd = prng(SEED);
    const unexpected: string[] = [];
    for (let i = 0; i < RANDOM_CASES; i++) {
      const length = Math.floor(rnd() * 600);
      const input = Uint8Array.from({ length }, () => Math.floor(rnd() * 256));
      // Half of the cases start like a DER SEQUENCE so the parser gets past the first byte.
      if (i % 2 === 0 && length > 4) input.set([0x30, 0x82, length >> 8, (length - 4) & 0xff]);
      const result = await outcome(input);
      if (!result.startsWith('refused:')) unexpected.push(`case ${i}: ${result}`);
    }

    expect(unexpected).toEqual([]);
  }, 120_000);

  it(`survives ${MUTATED_CASES} mutations of valid signatures`, async () => {
    const rnd = prng(SEED + 1);
    const corpus = [
      await signCms({ content, signer: pki.signers.huisarts.signer(), signingTime: pki.now }),
      await signCms({
        content,
        signer: pki.signers.huisartsEcdsa.signer(),
        signingTime: pki.now,
        detached: true,
      }),
    ];
    const unexpected: string[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < MUTATED_CASES; i++) {
      const result = await outcome(mutate(corpus[i % corpus.length], rnd));
      seen.set(result, (seen.get(result) ?? 0) + 1);
      if (!result.startsWith('refused:') && result !== 'verified') unexpected.push(`case ${i}: ${result}`);
    }

    expect(unexpected).toEqual([]);
    // The mutations must actually reach deep checks, not only the parser.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['refused:MALFORMED_CMS', 'refused:BAD_SIGNATURE', 'refused:CONTENT_MISMATCH']),
    );
  }, 300_000);

  it(`turns ${PKCS12_CASES} mutated PKCS#12 files into Pkcs12Errors`, async () => {
    const rnd = prng(SEED + 2);
    const signer = pki.signers.huisartsEcdsa;
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      password: 'pw',
      iterations: 16,
    });
    const unexpected: string[] = [];
    for (let i = 0; i < PKCS12_CASES; i++) {
      const result = await bounded(
        readPkcs12(mutate(p12, rnd), 'pw').then(
          () => 'read',
          (e: unknown) => (e instanceof Pkcs12Error ? 'typed' : `UNTYPED:${String(e)}`),
        ),
      );
      if (result !== 'read' && result !== 'typed') unexpected.push(`case ${i}: ${result}`);
    }

    expect(unexpected).toEqual([]);
  }, 120_000);
});
