import { utf8 } from '../cms/bytes';
import { signCms } from '../cms/sign';
import { sharedTestPki, type TestPki } from '../cms/testing';
import { TrustStore } from '../cms/trust-store';
import { createUziRolePolicy } from '../cms/uzi';
import { encodeApproval } from './approval';
import type { DisclosureCode } from './code';
import type { DisclosureRefusalReason } from './errors';
import { REPORT_TYPES, computeUploadHash, type UploadPayload } from './upload-payload';
import { verifyDisclosureApproval } from './verify-approval';

const refusal = (reason: DisclosureRefusalReason) =>
  expect.objectContaining({ name: 'RefusalError', reason });
const HOUR = 3600_000;

describe('verifyDisclosureApproval', () => {
  let pki: TestPki;
  let trust: TrustStore;
  let uploadHash: Uint8Array;
  const code: DisclosureCode = { reference: '482913', secret: '0571' };
  const payload: UploadPayload = {
    keys: [
      {
        key: new Uint8Array(16).fill(7),
        rollingStartIntervalNumber: 2_900_000,
        rollingPeriod: 144,
        transmissionRiskLevel: 3,
        daysSinceOnsetOfSymptoms: 0,
        reportType: REPORT_TYPES.CONFIRMED_CLINICAL_DIAGNOSIS,
      },
    ],
    origin: 'NL',
    visitedCountries: [],
    consentToFederation: false,
  };

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
    uploadHash = await computeUploadHash(payload);
  }, 120_000);

  const approve = (
    signer: keyof TestPki['signers'],
    approvalCode = code,
    hash = uploadHash,
    signingTime = pki.now,
  ) =>
    signCms({
      content: encodeApproval({ uploadHash: hash, code: approvalCode }),
      signer: pki.signers[signer].signer(),
      signingTime,
    });

  it('accepts the GP approval on the phone (full code) and on the backend (reference only)', async () => {
    const cms = await approve('huisarts');

    const phone = await verifyDisclosureApproval(cms, {
      trust,
      now: pki.now,
      expected: { uploadHash, code },
    });
    const backend = await verifyDisclosureApproval(cms, {
      trust,
      now: pki.now,
      crls: [pki.intermediateCrl],
      expected: { uploadHash, reference: code.reference },
    });

    expect(phone.approval).toEqual({ uploadHash, code });
    expect(phone.signature.uzi.role).toBe('01.015');
    expect(backend.signature.signer.subject.fields.CN).toBe('Anna de Vries');
  });

  it('CODE_MISMATCH when the GP typed other last 4 digits', async () => {
    const cms = await approve('huisarts', { reference: code.reference, secret: '0572' });

    await expect(
      verifyDisclosureApproval(cms, { trust, now: pki.now, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('CODE_MISMATCH'));
    await expect(
      verifyDisclosureApproval(cms, {
        trust,
        now: pki.now,
        expected: { uploadHash, reference: code.reference },
      }),
    ).resolves.toBeDefined();
  });

  it('CODE_MISMATCH for another reference', async () => {
    const cms = await approve('huisarts', { reference: '482914', secret: code.secret });

    await expect(
      verifyDisclosureApproval(cms, {
        trust,
        now: pki.now,
        expected: { uploadHash, reference: code.reference },
      }),
    ).rejects.toEqual(refusal('CODE_MISMATCH'));
  });

  it('UPLOAD_HASH_MISMATCH when the upload differs from what was approved', async () => {
    const cms = await approve('huisarts');
    const tampered = await computeUploadHash({ ...payload, consentToFederation: true });

    await expect(
      verifyDisclosureApproval(cms, { trust, now: pki.now, expected: { uploadHash: tampered, code } }),
    ).rejects.toEqual(refusal('UPLOAD_HASH_MISMATCH'));
  });

  it('MALFORMED_APPROVAL when the signed content is something else', async () => {
    const cms = await signCms({
      content: utf8(`hash ${code.reference}-${code.secret}`),
      signer: pki.signers.huisarts.signer(),
      signingTime: pki.now,
    });

    await expect(
      verifyDisclosureApproval(cms, { trust, now: pki.now, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('MALFORMED_APPROVAL'));
  });

  it.each([
    ['dietist', 'NOT_ARTICLE_3_PROFESSIONAL'],
    ['medewerker', 'NOT_A_CARE_PROVIDER_CARD'],
    ['authentication', 'NOT_A_SIGNATURE_CERTIFICATE'],
    ['impostor', 'UNTRUSTED_CHAIN'],
    ['expired', 'CERTIFICATE_EXPIRED'],
    ['revoked', 'CERTIFICATE_REVOKED'],
  ] as const)(
    'refuses an approval signed by the %s with %s, before looking at the content',
    async (signer, reason) => {
      const cms = await approve(signer, { reference: '000000', secret: '0000' });

      await expect(
        verifyDisclosureApproval(cms, {
          trust,
          now: pki.now,
          crls: [pki.intermediateCrl],
          expected: { uploadHash, code },
        }),
      ).rejects.toEqual(refusal(reason));
    },
  );

  it('applies a deployment role policy', async () => {
    const cms = await approve('verpleegkundige');
    const policy = createUziRolePolicy({ allowedRoles: ['01.015'] });

    await expect(
      verifyDisclosureApproval(cms, { trust, now: pki.now, policy, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('ROLE_NOT_ALLOWED'));
  });

  it('SIGNATURE_TOO_OLD after 72 hours by default, CONTENT_MISSING for a detached package', async () => {
    const old = await approve('huisarts', code, uploadHash, new Date(pki.now.getTime() - 73 * HOUR));
    const detached = await signCms({
      content: encodeApproval({ uploadHash, code }),
      signer: pki.signers.huisarts.signer(),
      detached: true,
      signingTime: pki.now,
    });

    await expect(
      verifyDisclosureApproval(old, { trust, now: pki.now, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('SIGNATURE_TOO_OLD'));
    await expect(
      verifyDisclosureApproval(detached, { trust, now: pki.now, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('CONTENT_MISSING'));
  });

  it('MALFORMED_CMS for garbage', async () => {
    await expect(
      verifyDisclosureApproval(utf8('garbage'), { trust, now: pki.now, expected: { uploadHash, code } }),
    ).rejects.toEqual(refusal('MALFORMED_CMS'));
  });
});
