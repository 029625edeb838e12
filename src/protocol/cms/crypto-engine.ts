/**
 * The one place where crypto is set up for the signature checks.
 *
 * - pkijs needs a WebCrypto implementation (signing, PKCS#12, test PKI). In Node 20 `globalThis.crypto` is
 *   `require('node:crypto').webcrypto`; in the browser portal it is `window.crypto`. Using the global keeps
 *   this file free of Node-only imports, so signing and verifying run unchanged in the browser.
 * - Verification goes through a small `VerifyBackend` (digest, public-key import, signature check). The
 *   default is WebCrypto. A Node host may install the synchronous `node:crypto` backend from
 *   `node-backend.ts` (never imported by browser code): Node runs every WebCrypto call on its thread
 *   pool, and at one verification at a time those round trips cost several times the RSA verify itself.
 */
import * as pkijs from 'pkijs';

export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** How a signature is made: key type and the hash it covers. */
export interface SignatureScheme {
  readonly kind: 'RSA' | 'ECDSA';
  readonly hash: DigestName;
}

/** An imported public key; opaque outside the backend that made it. */
export type PublicKeyHandle = { readonly backend: string };

/** The primitives on the verification hot path. Implementations must not throw on bad signatures. */
export interface VerifyBackend {
  readonly name: string;
  digest(hash: DigestName, data: Uint8Array): Promise<Uint8Array>;
  /** Imports a DER SubjectPublicKeyInfo of an RSA or named-curve EC key. */
  importPublicKey(
    spki: Uint8Array,
    scheme: SignatureScheme,
    namedCurve: 'P-256' | 'P-384' | undefined,
  ): Promise<PublicKeyHandle>;
  /** Verifies a signature value as CMS/X.509 carry it (ECDSA as DER Ecdsa-Sig-Value); false for any mismatch. */
  verify(
    key: PublicKeyHandle,
    scheme: SignatureScheme,
    signature: Uint8Array,
    data: Uint8Array,
  ): Promise<boolean>;
}

let engine: pkijs.ICryptoEngine | undefined;
let backend: VerifyBackend | undefined;

/**
 * Installs a WebCrypto implementation for all CMS code (tests or runtimes without a global one); also
 * resets verification to the WebCrypto backend.
 * Spec: W3C Web Cryptography API.
 */
export function useWebCrypto(webCrypto: Crypto): void {
  engine = new pkijs.CryptoEngine({ name: 'veilig-webcrypto', crypto: webCrypto });
  pkijs.setEngine('veilig-webcrypto', engine);
  backend = webCryptoBackend(engine);
}

/**
 * Returns the pkijs crypto engine, creating it from `globalThis.crypto` on first use.
 * @throws Error when the runtime has no WebCrypto (Node < 19 without `useWebCrypto`).
 * Spec: W3C Web Cryptography API; pkijs engine setup.
 */
export function cmsCrypto(): pkijs.ICryptoEngine {
  if (!engine) {
    const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
    if (!webCrypto?.subtle) {
      throw new Error('No WebCrypto available: call useWebCrypto(require("node:crypto").webcrypto) first');
    }
    useWebCrypto(webCrypto);
  }
  return engine as pkijs.ICryptoEngine;
}

/**
 * Replaces the verification backend (e.g. with `nodeVerifyBackend()` on a Node server).
 * Spec: RFC 5652 §5.6 verification primitives.
 */
export function setVerifyBackend(next: VerifyBackend): void {
  backend = next;
}

/**
 * The verification backend in use: WebCrypto unless a host installed another one.
 * Spec: RFC 5652 §5.6 verification primitives.
 */
export function verifyBackend(): VerifyBackend {
  if (!backend) cmsCrypto();
  return backend as VerifyBackend;
}

interface WebCryptoKey extends PublicKeyHandle {
  readonly key: CryptoKey;
  readonly size: number;
}

function webCryptoBackend(crypto: pkijs.ICryptoEngine): VerifyBackend {
  const name = 'webcrypto';
  return {
    name,
    async digest(hash, data) {
      return new Uint8Array(await crypto.digest(hash, data as Uint8Array<ArrayBuffer>));
    },
    async importPublicKey(spki, scheme, namedCurve) {
      const algorithm =
        scheme.kind === 'RSA'
          ? { name: 'RSASSA-PKCS1-v1_5', hash: scheme.hash }
          : { name: 'ECDSA', namedCurve: namedCurve ?? 'P-256' };
      const key = await crypto.importKey('spki', spki as Uint8Array<ArrayBuffer>, algorithm, false, [
        'verify',
      ]);
      return { backend: name, key, size: namedCurve === 'P-384' ? 48 : 32 } satisfies WebCryptoKey;
    },
    async verify(handle, scheme, signature, data) {
      const { key, size } = handle as WebCryptoKey;
      try {
        if (scheme.kind === 'RSA')
          return await crypto.verify(
            { name: 'RSASSA-PKCS1-v1_5' },
            key,
            signature as Uint8Array<ArrayBuffer>,
            data as Uint8Array<ArrayBuffer>,
          );
        const raw = ecdsaDerToRaw(signature, size);
        return raw
          ? await crypto.verify(
              { name: 'ECDSA', hash: scheme.hash },
              key,
              raw as Uint8Array<ArrayBuffer>,
              data as Uint8Array<ArrayBuffer>,
            )
          : false;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Converts a DER Ecdsa-Sig-Value to WebCrypto's fixed-width r‖s, or null when malformed (RFC 5758 §3.2).
 * Hand-rolled (two INTEGERs in a SEQUENCE) so this file needs no ASN.1 library.
 */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | null {
  let at = 0;
  const length = (): number => {
    const first = der[at++];
    if (first === undefined) return -1;
    if (first < 0x80) return first;
    if (first !== 0x81) return -1;
    const value = der[at++];
    return value === undefined || value < 0x80 ? -1 : value;
  };
  if (der[at++] !== 0x30) return null;
  const seqLength = length();
  if (seqLength < 0 || at + seqLength !== der.length) return null;
  const out = new Uint8Array(size * 2);
  for (let i = 0; i < 2; i++) {
    if (der[at++] !== 0x02) return null;
    const n = length();
    if (n <= 0 || at + n > der.length) return null;
    let value = der.subarray(at, at + n);
    at += n;
    if (value[0] & 0x80) return null;
    if (value.length > 1 && value[0] === 0) {
      // DER: a leading zero only in front of a high bit (same strictness as OpenSSL in node-backend.ts).
      if ((value[1] & 0x80) === 0) return null;
      value = value.subarray(1);
    }
    if (value.length > size) return null;
    out.set(value, size * (i + 1) - value.length);
  }
  return at === der.length ? out : null;
}
