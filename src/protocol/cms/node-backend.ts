/**
 * Optional verification backend on synchronous `node:crypto` (OpenSSL), for Node hosts only: the backend
 * server and the Node build of the phone core. Never import this from browser code; `index.ts` does not
 * re-export it. Install once at startup with `useNodeCrypto()`.
 *
 * Why: Node runs WebCrypto calls on its thread pool; one verification needs three of them, and at low
 * concurrency each round trip costs several times the signature check itself (docs/PERFORMANCE.md).
 * The checks are the same; only the primitive calls differ, and the test suite runs against both.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { setVerifyBackend, type PublicKeyHandle, type VerifyBackend } from './crypto-engine';

interface NodeKey extends PublicKeyHandle {
  readonly key: KeyObject;
}

const HASHES = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

/**
 * A `VerifyBackend` over `node:crypto` (PKCS#1 v1.5 for RSA, DER-encoded ECDSA).
 * Spec: RFC 8017 §8.2.2 (RSASSA-PKCS1-v1_5), RFC 5758 §3.2 (ECDSA).
 */
export function nodeVerifyBackend(): VerifyBackend {
  const name = 'node';
  return {
    name,
    async digest(hash, data) {
      return new Uint8Array(createHash(HASHES[hash]).update(data).digest());
    },
    async importPublicKey(spki, scheme) {
      const key = createPublicKey({
        key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
        format: 'der',
        type: 'spki',
      });
      const expected = scheme.kind === 'RSA' ? 'rsa' : 'ec';
      if (key.asymmetricKeyType !== expected)
        throw new TypeError(`expected an ${expected} key, got ${key.asymmetricKeyType}`);
      return { backend: name, key } satisfies NodeKey;
    },
    async verify(handle, scheme, signature, data) {
      const { key } = handle as NodeKey;
      try {
        return verify(
          HASHES[scheme.hash],
          data,
          scheme.kind === 'ECDSA' ? { key, dsaEncoding: 'der' } : key,
          signature,
        );
      } catch {
        return false;
      }
    },
  };
}

/**
 * Makes all signature verification in this process use `node:crypto`.
 * Spec: docs/PERFORMANCE.md "CMS verification".
 */
export function useNodeCrypto(): void {
  setVerifyBackend(nodeVerifyBackend());
}
