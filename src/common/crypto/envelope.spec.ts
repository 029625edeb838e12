import { randomBytes } from 'node:crypto';
import { encryptedJson, EnvelopeCipher, EnvelopeError, installColumnCipher, parseKeyring } from './envelope';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('EnvelopeCipher', () => {
  it('round-trips and binds the context', () => {
    const sut = new EnvelopeCipher([key('k1')]);
    const blob = sut.encrypt(Buffer.from('secret'), 'col.a');
    expect(sut.decrypt(blob, 'col.a').toString()).toBe('secret');
    expect(sut.keyIdOf(blob)).toBe('k1');
    expect(blob.includes(Buffer.from('secret'))).toBe(false);
    expect(() => sut.decrypt(blob, 'col.b')).toThrow(EnvelopeError);
  });

  it('refuses tampered data and plaintext', () => {
    const sut = new EnvelopeCipher([key('k1')]);
    const blob = sut.encrypt(Buffer.from('secret'), 'c');
    blob[blob.length - 1] ^= 1;
    expect(() => sut.decrypt(blob, 'c')).toThrow(/authentication failed/);
    expect(() => sut.decrypt(Buffer.from('{"plain":true}'), 'c')).toThrow(/no plaintext fallback/);
  });

  it('rotates: old blobs open after a new key is added and can be re-wrapped', () => {
    const k1 = key('k1');
    const old = new EnvelopeCipher([k1]).encrypt(Buffer.from('v'), 'c');
    const sut = new EnvelopeCipher([key('k2'), k1]);
    expect(sut.decrypt(old, 'c').toString()).toBe('v');
    const rewrapped = sut.rewrap(old, 'c');
    expect(sut.keyIdOf(rewrapped)).toBe('k2');
    expect(new EnvelopeCipher([sut['keys'][0]]).decrypt(rewrapped, 'c').toString()).toBe('v');
    expect(() => new EnvelopeCipher([key('k3')]).decrypt(old, 'c')).toThrow(/unknown key id k1/);
  });

  it('parses a keyring and names bad entries without echoing key material', () => {
    const b64 = randomBytes(32).toString('base64');
    expect(parseKeyring(`a:${b64}, b:${b64}`).map((k) => k.id)).toEqual(['a', 'b']);
    expect(() => parseKeyring('a:c2hvcnQ=')).toThrow(/key a: must be 32 bytes/);
    expect(() => parseKeyring(`${b64}`)).toThrow(/key 1/);
    expect(() => parseKeyring(`a:${b64},a:${b64}`)).toThrow(/unique/);
  });

  it('works as a column transformer with null passthrough', () => {
    installColumnCipher(new EnvelopeCipher([key('k1')]));
    const sut = encryptedJson('t.c');
    const blob = sut.to({ bsn: '999999990' }) as Buffer;
    expect(Buffer.isBuffer(blob)).toBe(true);
    expect(sut.from(blob)).toEqual({ bsn: '999999990' });
    expect(sut.to(null)).toBeNull();
    expect(sut.from(null)).toBeNull();
  });
});
