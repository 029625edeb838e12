import { MemoryRateLimiter } from './rate-limiter';

describe('MemoryRateLimiter', () => {
  const rule = { limit: 2, windowMs: 1000 };

  it('gives a refunded unit back within the window, never below zero nor into a new window', async () => {
    let now = 0;
    const sut = new MemoryRateLimiter(() => now);
    await expect(sut.consume('k', rule)).resolves.toMatchObject({ allowed: true, remaining: 1 });
    await sut.refund('k');
    await sut.refund('k');
    await expect(sut.consume('k', rule)).resolves.toMatchObject({ allowed: true, remaining: 1 });
    await expect(sut.consume('k', rule)).resolves.toMatchObject({ allowed: true, remaining: 0 });
    await expect(sut.consume('k', rule)).resolves.toMatchObject({ allowed: false });
    now = 1500;
    await sut.refund('k');
    await expect(sut.consume('k', rule)).resolves.toMatchObject({ allowed: true, remaining: 1 });
    await sut.refund('unknown');
  });
});
