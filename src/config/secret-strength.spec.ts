import { randomBytes } from 'node:crypto';
import { editDistance, secretWeakness } from './secret-strength';

describe(secretWeakness.name, () => {
  const dev = 'dev-only-upload-token-secret-change-me-0000';

  it.each([
    ['one character 32 times', 'a'.repeat(32), /repeats a shorter pattern/],
    ['a short pattern repeated', 'Xy7!'.repeat(8), /repeats a shorter pattern/],
    ['few distinct characters', 'abcdabcdabcdabcdabcdabcdabcdabcX', /too little variety/],
    ['the development default', dev, /development default/],
    ['the development default, one character changed', dev.replace('0000', '0001'), /development default/],
    ['the development default with a suffix', `${dev}!`, /development default/],
  ])('refuses %s', (_label, secret, reason) => {
    expect(secretWeakness(secret, dev)).toMatch(reason);
  });

  it.each([
    ['openssl rand -base64 32', randomBytes(32).toString('base64')],
    ['openssl rand -hex 16', randomBytes(16).toString('hex')],
    ['a key list', `k1:${randomBytes(32).toString('base64')},k2:${randomBytes(32).toString('base64')}`],
    ['a Twilio-style auth token', randomBytes(16).toString('hex')],
  ])('accepts %s', (_label, secret) => {
    expect(secretWeakness(secret, dev)).toBeUndefined();
  });

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
