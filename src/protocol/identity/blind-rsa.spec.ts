import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  blind,
  blindSign,
  emsaPssEncode,
  finalize,
  i2osp,
  modInverse,
  modPow,
  os2ip,
  prepareRandomized,
  publicNumbers,
  verifySignature,
} from './blind-rsa';
import { RFC9474_VECTOR as V } from './testing/rfc9474-vector';

const big = (h: string) => BigInt(`0x${h}`);
const bytes = (h: string) => Buffer.from(h, 'hex');
const b64u = (x: bigint) =>
  Buffer.from(x.toString(16).padStart(2 * Math.ceil(x.toString(16).length / 2), '0'), 'hex').toString(
    'base64url',
  );

function vectorKey() {
  const [p, q, d] = [big(V.p), big(V.q), big(V.d)];
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'RSA',
      n: b64u(big(V.n)),
      e: b64u(big(V.e)),
      d: b64u(d),
      p: b64u(p),
      q: b64u(q),
      dp: b64u(d % (p - 1n)),
      dq: b64u(d % (q - 1n)),
      qi: b64u(modInverse(q, p)),
    },
  });
}

describe('RSA blind signatures (RFC 9474, RSABSSA-SHA384-PSS)', () => {
  it('reproduces the specification test vector byte for byte', () => {
    expect(big(V.p) * big(V.q)).toBe(big(V.n));
    const sk = vectorKey();
    const pk = publicNumbers(sk);
    expect(pk.modulusLength).toBe(512);
    expect(Buffer.from(emsaPssEncode(bytes(V.msg), 4095, bytes(V.salt))).toString('hex')).toBe(
      V.encodedMessage,
    );
    const { blindedMsg, inv } = blind(pk, bytes(V.msg), { salt: bytes(V.salt), inv: big(V.inv) });
    expect(Buffer.from(blindedMsg).toString('hex')).toBe(V.blindedMessage);
    const blindSig = blindSign(sk, blindedMsg);
    expect(Buffer.from(blindSig).toString('hex')).toBe(V.blindSig);
    const sig = finalize(createPublicKey(sk), pk, bytes(V.msg), blindSig, inv);
    expect(Buffer.from(sig).toString('hex')).toBe(V.sig);
  });

  describe('with a fresh 2048-bit key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pk = publicNumbers(publicKey);

    it('round-trips a randomized message into a standard RSASSA-PSS signature', () => {
      const msg = prepareRandomized(Buffer.from('veilig'));
      expect(msg).toHaveLength(38);
      const { blindedMsg, inv } = blind(pk, msg);
      const sig = finalize(publicKey, pk, msg, blindSign(privateKey, blindedMsg), inv);
      expect(verifySignature(publicKey, msg, sig)).toBe(true);
      expect(verifySignature(publicKey, Buffer.concat([msg, Buffer.from([0])]), sig)).toBe(false);
    });

    it('refuses a wrong blind signature, out-of-range input and a short blinded message', () => {
      const msg = prepareRandomized(Buffer.from('x'));
      const { blindedMsg, inv } = blind(pk, msg);
      const other = blind(pk, prepareRandomized(Buffer.from('y')));
      expect(() => finalize(publicKey, pk, msg, blindSign(privateKey, other.blindedMsg), inv)).toThrow(
        'invalid signature',
      );
      expect(() => blindSign(privateKey, blindedMsg.subarray(1))).toThrow('wrong length');
      expect(() => blindSign(privateKey, i2osp(pk.n, pk.modulusLength))).toThrow('out of range');
    });

    it('is blind: every (request, token) pairing is explained by some blinding factor, so the signer learns nothing', () => {
      // The signer knows d. For each blinded request i it saw and each finished token j, it can compute the
      // r that would make them belong together; such an r exists for every pairing and is a uniformly random
      // value, exactly like the real one. The signer's view is therefore independent of which token is whose.
      const d = os2ip(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
      const sessions = [0, 1].map(() => {
        const msg = prepareRandomized(Buffer.from('veilig'));
        const { blindedMsg, inv } = blind(pk, msg);
        const blindSig = blindSign(privateKey, blindedMsg);
        return { msg, blindedMsg, blindSig, sig: finalize(publicKey, pk, msg, blindSig, inv) };
      });
      for (const seen of sessions) {
        for (const token of sessions) {
          const encoded = modPow(os2ip(token.sig), pk.e, pk.n);
          const r = modPow((os2ip(seen.blindedMsg) * modInverse(encoded, pk.n)) % pk.n, d, pk.n);
          expect((os2ip(seen.blindedMsg) * modInverse(modPow(r, pk.e, pk.n), pk.n)) % pk.n).toBe(encoded);
          expect((os2ip(token.sig) * r) % pk.n).toBe(os2ip(seen.blindSig));
        }
      }
      expect(Buffer.from(sessions[0].blindedMsg).equals(Buffer.from(sessions[1].blindedMsg))).toBe(false);
    });
  });
});
