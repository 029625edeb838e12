import { CompactSign, SignJWT } from 'jose';
import { createHmac, createSecretKey } from 'node:crypto';
import { verifyHs256 } from './hs256-jws';

describe('verifyHs256', () => {
  const secret = createSecretKey(Buffer.from('a secret of at least thirty-two bytes!!', 'utf8'));
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { alg: 'HS256' }) =>
    new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(secret);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const mac = (input: string) => createHmac('sha256', secret).update(input).digest('base64url');

  it('returns the payload of a token jose signed', async () => {
    const token = await sign({ jti: 'j1', n: 3 }, { alg: 'HS256', typ: 'JWT' });
    expect(verifyHs256(token, secret)).toEqual({ jti: 'j1', n: 3 });
    expect(verifyHs256(token, Buffer.from('a secret of at least thirty-two bytes!!'))).toEqual({
      jti: 'j1',
      n: 3,
    });
  });

  it('refuses a wrong key, a changed payload or a changed MAC', async () => {
    const token = await sign({ jti: 'j1' });
    expect(verifyHs256(token, Buffer.from('another secret of thirty-two bytes…'))).toBeNull();
    const [h, , s] = token.split('.');
    expect(verifyHs256(`${h}.${b64({ jti: 'j2' })}.${s}`, secret)).toBeNull();
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(verifyHs256(`${h}.${token.split('.')[1]}.${flipped}`, secret)).toBeNull();
  });

  it('refuses other algorithms, critical extensions and non-object payloads', async () => {
    for (const header of [{ alg: 'none' }, { alg: 'HS512' }, { alg: 'HS256', crit: ['exp'], exp: 1 }]) {
      const input = `${b64(header)}.${b64({ jti: 'x' })}`;
      expect(verifyHs256(`${input}.${mac(input)}`, secret)).toBeNull();
    }
    const array = `${b64({ alg: 'HS256' })}.${b64([1, 2])}`;
    expect(verifyHs256(`${array}.${mac(array)}`, secret)).toBeNull();
    const detached = await new CompactSign(new TextEncoder().encode('not json'))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret);
    expect(verifyHs256(detached, secret)).toBeNull();
  });

  it.each(['', 'a.b', 'a.b.c.d', '.b.c', 'a..c', 'a.b.', 'a+b.c.d', 'not.a.token'])(
    'refuses the malformed token %p',
    (token) => expect(verifyHs256(token, secret)).toBeNull(),
  );
});
