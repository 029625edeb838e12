import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { AppConfig } from '../../config/app-config';
import type { Clock } from '../../infrastructure/clock';
import { MemoryRateLimiter } from '../../infrastructure/rate-limiter';
import type { User } from '../accounts/entities/user.entity';
import type { AuditService } from '../audit/audit.service';
import type { ApprovalVerifier } from './approval-verifier.service';
import { disclosureConfig } from './disclosure.config';
import { DisclosureService } from './disclosure.service';

const now = new Date('2026-11-25T10:00:00Z');
const clock: Clock = { now: () => now };
const user = (id: string) => ({ id, organisationId: 'practice' }) as User;

function setup(vars: Record<string, string>) {
  const disclosure = disclosureConfig.map(z.object(disclosureConfig.shape).parse(vars), {
    dataDir: '/data',
    isProduction: false,
    demoSimulators: false,
    publicUrl: 'http://localhost',
  });
  const repo = { findOneBy: jest.fn().mockResolvedValue(null) };
  const em = {
    update: jest.fn().mockResolvedValue({ affected: 0 }),
    insert: jest.fn().mockResolvedValue({}),
  };
  const dataSource = {
    getRepository: () => repo,
    transaction: (work: (m: typeof em) => Promise<unknown>) => work(em),
  } as unknown as DataSource;
  const audit = { record: jest.fn().mockResolvedValue(undefined) };
  const sut = new DisclosureService(
    dataSource,
    {} as ApprovalVerifier,
    new MemoryRateLimiter(() => now.getTime()),
    audit as unknown as AuditService,
    clock,
    { disclosure } as AppConfig,
  );
  return { sut, audit, em };
}

describe('DisclosureService limits', () => {
  it('limits look-ups per address across professionals, and audits the refusal without the code', async () => {
    const { sut, audit } = setup({ DISCLOSURE_LOOKUPS_PER_IP_PER_HOUR: '3' });

    await expect(sut.lookup(user('a'), '10.0.0.1', '123456')).rejects.toMatchObject({
      slug: 'disclosure-request-not-found',
    });
    await expect(sut.lookup(user('b'), '10.0.0.1', '234567')).rejects.toMatchObject({
      slug: 'disclosure-request-not-found',
    });
    await expect(sut.lookup(user('c'), '10.0.0.1', '345678')).rejects.toMatchObject({
      slug: 'disclosure-request-not-found',
    });
    await expect(sut.lookup(user('d'), '10.0.0.1', '456789')).rejects.toMatchObject({ slug: 'rate-limited' });
    await expect(sut.lookup(user('d'), '10.0.0.2', '456789')).rejects.toMatchObject({
      slug: 'disclosure-request-not-found',
    });

    const records = audit.record.mock.calls.map(
      ([, record]) => record as { outcome: string; details: unknown },
    );
    expect(records.map((r) => r.outcome)).toEqual(['failure', 'failure', 'failure', 'denied', 'failure']);
    expect(JSON.stringify(audit.record.mock.calls)).not.toMatch(/123456|234567|345678|456789/);
  });

  it('limits look-ups per professional across addresses', async () => {
    const { sut } = setup({ DISCLOSURE_LOOKUPS_PER_PROFESSIONAL_PER_HOUR: '2' });

    await expect(sut.lookup(user('a'), '10.0.0.1', '123456')).rejects.toMatchObject({ status: 404 });
    await expect(sut.lookup(user('a'), '10.0.0.2', '123456')).rejects.toMatchObject({ status: 404 });
    await expect(sut.lookup(user('a'), '10.0.0.3', '123456')).rejects.toMatchObject({ status: 429 });
  });

  it('limits registrations per address; stores only the hash of the poll secret', async () => {
    const { sut, em } = setup({ DISCLOSURE_REGISTRATIONS_PER_IP_PER_HOUR: '2' });
    const input = { reference: '123456', uploadHash: 'ab'.repeat(32) };

    const first = await sut.register(input, '10.0.0.1');
    await sut.register({ ...input, reference: '234567' }, '10.0.0.1');
    await expect(sut.register({ ...input, reference: '345678' }, '10.0.0.1')).rejects.toMatchObject({
      status: 429,
    });

    const stored = em.insert.mock.calls[0][1] as { pollSecretHash: string; expiresAt: Date };
    expect(stored.pollSecretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.pollSecretHash).not.toBe(first.pollSecret);
    expect(stored.expiresAt.getTime() - now.getTime()).toBe(3_600_000);
  });

  it('answers a reference held by another open request with 409 reference-taken', async () => {
    const { sut, em } = setup({});
    em.insert.mockRejectedValueOnce(
      Object.assign(new Error('UNIQUE constraint failed: disclosure_request.reference'), {
        code: 'SQLITE_CONSTRAINT_UNIQUE',
      }),
    );

    await expect(
      sut.register({ reference: '123456', uploadHash: 'ab'.repeat(32) }, '10.0.0.1'),
    ).rejects.toMatchObject({ status: 409, slug: 'reference-taken' });
  });
});
