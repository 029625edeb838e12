import { utf8 } from './bytes';
import type { CertificateDetails } from './certificate';
import type { CmsRefusalReason } from './refusal';
import { cryptoKeySigner, signCms } from './sign';
import { generateKeyPair, issueCertificate, type IssuedCertificate } from './testing';
import { TrustStore } from './trust-store';
import { verifyCms } from './verify';

const content = utf8('efgs batch signing bytes');
const HOUR = 3600_000;

/**
 * Registry-pinned signers (docs/protocols/efgs.md §A4.2, §A6): self-signed SIGNING certificates, trusted by
 * thumbprint.
 */
describe('verifyCms with pinned signers', () => {
  const now = new Date();
  const trust = TrustStore.forPinnedSigners();
  let plain: IssuedCertificate;
  let caFlagged: IssuedCertificate;
  let expired: IssuedCertificate;
  const refusal = (reason: CmsRefusalReason) => expect.objectContaining({ name: 'RefusalError', reason });
  const selfSigned = async (ca: boolean, notAfter: Date) => {
    const keys = await generateKeyPair('ECDSA');
    return issueCertificate({
      subject: [
        ['C', 'NO'],
        ['CN', 'NO signing'],
      ],
      keys,
      keyAlgorithm: 'ECDSA',
      notBefore: new Date(now.getTime() - 2 * HOUR),
      notAfter,
      keyUsage: ca ? ['digitalSignature', 'keyCertSign'] : ['digitalSignature'],
      ...(ca ? { ca: {} } : {}),
    });
  };
  const sign = (cert: IssuedCertificate) =>
    signCms({
      content,
      detached: true,
      signer: cryptoKeySigner(cert.keys.privateKey, cert.der),
      signingTime: new Date(now.getTime() - HOUR),
    });

  beforeAll(async () => {
    [plain, caFlagged, expired] = await Promise.all([
      selfSigned(false, new Date(now.getTime() + HOUR)),
      selfSigned(true, new Date(now.getTime() + HOUR)),
      selfSigned(false, new Date(now.getTime() - 1000)),
    ]);
  });

  it('accepts a self-signed signer the registry pins, and tells which one it was', async () => {
    const seen: CertificateDetails[] = [];
    const sut = await verifyCms(await sign(plain), {
      trust,
      content,
      now,
      pinned: (d) => (seen.push(d), true),
    });

    expect(sut.signer.country).toBe('NO');
    expect(sut.chain).toHaveLength(1);
    expect(seen.map((d) => d.thumbprintSha256)).toEqual([sut.signer.thumbprintSha256]);
  });

  it('accepts a pinned self-signed certificate with CA:TRUE (openssl req -x509 default)', async () => {
    await expect(
      verifyCms(await sign(caFlagged), { trust, content, now, pinned: () => true }),
    ).resolves.toMatchObject({ signatureVerified: true });
  });

  it('refuses a signer the registry does not pin', async () => {
    await expect(verifyCms(await sign(plain), { trust, content, now, pinned: () => false })).rejects.toEqual(
      refusal('UNTRUSTED_CHAIN'),
    );
  });

  it('refuses an expired pinned certificate, judged at now', async () => {
    await expect(verifyCms(await sign(expired), { trust, content, now, pinned: () => true })).rejects.toEqual(
      refusal('CERTIFICATE_EXPIRED'),
    );
  });

  it('still checks the content', async () => {
    await expect(
      verifyCms(await sign(plain), { trust, content: utf8('other bytes'), now, pinned: () => true }),
    ).rejects.toEqual(refusal('CONTENT_MISMATCH'));
  });

  it('without pinning, a store for pinned signers trusts nothing', async () => {
    await expect(verifyCms(await sign(plain), { trust, content, now })).rejects.toEqual(
      refusal('UNTRUSTED_CHAIN'),
    );
  });
});
