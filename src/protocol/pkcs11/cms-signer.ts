import type { CmsSigner } from '../cms/sign';
import type { Pkcs11PrivateKey, Pkcs11Session } from './token';

/**
 * A `CmsSigner` whose private-key operation runs on the token: RSA PKCS#1 v1.5 or ECDSA with SHA-256
 * (what `signCms` produces). The session must be logged in.
 * Spec: RFC 5652 §5.4 (the signature is over the DER signed attributes); RFC 8017 §8.2; RFC 5758 §3.2.
 */
export function pkcs11CmsSigner(
  session: Pkcs11Session,
  key: Pkcs11PrivateKey,
  certificate: Uint8Array,
  chain: readonly Uint8Array[] = [],
): CmsSigner {
  const algorithm = { name: key.keyType === 'RSA' ? 'RSA-PKCS1' : 'ECDSA', hash: 'SHA-256' } as const;
  return { certificate, chain, sign: (data) => session.sign(key, algorithm, data) };
}
