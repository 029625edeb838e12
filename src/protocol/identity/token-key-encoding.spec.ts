import { createHash, generateKeyPairSync } from 'node:crypto';
import { verifySignature } from './blind-rsa';
import { RFC9578_VECTOR as V } from './testing/rfc9578-vector';
import {
  TokenKeyEncodingError,
  tokenPublicKey,
  toRsaEncryptionSpki,
  toRsassaPssSpki,
} from './token-key-encoding';
import { tokenKeyId } from './upload-token';

describe('token key encoding (RFC 9578 §6.5, id-RSASSA-PSS)', () => {
  const pkS = Buffer.from(V.pkS, 'hex');
  const token = Buffer.from(V.token, 'hex');

  it("reads RFC 9578's issuer key, whose SHA-256 is the token_key_id in its token, and verifies that token", () => {
    expect(createHash('sha256').update(pkS).digest('hex')).toBe(token.subarray(66, 98).toString('hex'));
    expect(tokenKeyId(pkS)).toBe(token.subarray(66, 98).toString('base64url'));
    const key = tokenPublicKey(pkS);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(verifySignature(key, token.subarray(0, 98), token.subarray(98))).toBe(true);
  });

  it('writes the same bytes RFC 9578 publishes, from the plain rsaEncryption form', () => {
    expect(toRsassaPssSpki(toRsaEncryptionSpki(pkS)).equals(pkS)).toBe(true);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = publicKey.export({ format: 'der', type: 'spki' });
    const pss = toRsassaPssSpki(rsa);
    expect(pss.subarray(0, 67).toString('hex')).toBe(pkS.subarray(0, 67).toString('hex'));
    expect(toRsaEncryptionSpki(pss).equals(rsa)).toBe(true);
  });

  it('refuses other PSS parameters and what is not an SPKI', () => {
    const otherSalt = Buffer.from(pkS);
    expect(otherSalt[66]).toBe(48); // saltLength, the last byte of the AlgorithmIdentifier
    otherSalt[66] = 32;
    expect(() => toRsaEncryptionSpki(otherSalt)).toThrow(TokenKeyEncodingError);
    expect(() => toRsaEncryptionSpki(pkS.subarray(0, 100))).toThrow(TokenKeyEncodingError);
    expect(() => toRsaEncryptionSpki(Buffer.concat([pkS, Buffer.from([0])]))).toThrow(TokenKeyEncodingError);
  });
});
