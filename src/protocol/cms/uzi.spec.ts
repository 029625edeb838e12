import { utf8 } from './bytes';
import type { CertificateDetails } from './certificate';
import { OID } from './oids';
import type { CmsRefusalReason } from './refusal';
import { cryptoKeySigner, signCms } from './sign';
import {
  generateKeyPair,
  issueCertificate,
  sharedTestPki,
  type TestPki,
  type TestSignerName,
} from './testing';
import { TrustStore } from './trust-store';
import {
  DEFAULT_UZI_ROLE_POLICY,
  UziPolicyConfigError,
  checkUziRolePolicy,
  createUziRolePolicy,
  isRolePolicyRefusal,
  parseUziName,
  uziNameOf,
  verifyUziSignature,
} from './uzi';

const refusal = (reason: CmsRefusalReason) => expect.objectContaining({ name: 'RefusalError', reason });
const VALID = '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-90000123-01.015-00000000';

function certWith(
  value: string | null,
  overrides: Partial<CertificateDetails> = {},
): Pick<CertificateDetails, 'otherNames' | 'subject' | 'keyUsage' | 'policies'> {
  return {
    otherNames: value === null ? [] : [{ typeId: OID.uziOtherName, value, valueType: 'IA5String' }],
    subject: { attributes: [], fields: { serialNumber: '123456789' }, text: '' },
    keyUsage: ['nonRepudiation'],
    policies: [OID.uziSignaturePolicy],
    ...overrides,
  };
}

describe('parseUziName', () => {
  it('parses the seven fields of a valid name', () => {
    const sut = parseUziName(VALID);

    expect(sut).toEqual({
      caOid: '2.16.528.1.1003.1.3.5.5.2',
      version: '1',
      uziNumber: '123456789',
      cardType: 'Z',
      subscriberNumber: '90000123',
      role: '01.015',
      professionCode: '01',
      specialismCode: '015',
      agbCode: '00000000',
      raw: VALID,
    });
  });

  it.each([
    ['six fields', '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-90000123-01.015'],
    ['eight fields', `${VALID}-extra`],
    ['a dash inside the OID', '2.16.528-1.1003.1.3.5.5.2-1-123456789-Z-90000123-01.015-00000000'],
    ['an empty string', ''],
  ])('refuses %s (wrong field count)', (_label, value) => {
    expect(() => parseUziName(value)).toThrow(
      expect.objectContaining({
        reason: 'MALFORMED_UZI_NAME',
        detail: expect.stringMatching(/expected 7 fields/),
      }),
    );
  });

  it.each([
    ['CA OID', 'not.an.oid-1-123456789-Z-90000123-01.015-00000000'],
    ['version', '2.16.528.1.1003.1.3.5.5.2-12-123456789-Z-90000123-01.015-00000000'],
    ['UZI number', '2.16.528.1.1003.1.3.5.5.2-1-12345678-Z-90000123-01.015-00000000'],
    ['card type', '2.16.528.1.1003.1.3.5.5.2-1-123456789-X-90000123-01.015-00000000'],
    ['subscriber number', '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-9000012A-01.015-00000000'],
    ['role', '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-90000123-01015-00000000'],
    ['role', '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-90000123-1.015-00000000'],
    ['AGB code', '2.16.528.1.1003.1.3.5.5.2-1-123456789-Z-90000123-01.015-0000000'],
  ])('refuses a malformed %s', (field, value) => {
    expect(() => parseUziName(value)).toThrow(
      expect.objectContaining({ reason: 'MALFORMED_UZI_NAME', detail: `invalid ${field}` }),
    );
  });
});

describe('uziNameOf', () => {
  it('refuses certificates without, with two, or with a non-IA5String UZI name', () => {
    expect(() => uziNameOf(certWith(null))).toThrow(refusal('NOT_AN_UZI_CERTIFICATE'));
    expect(() =>
      uziNameOf({
        ...certWith(VALID),
        otherNames: [...certWith(VALID).otherNames, ...certWith(VALID).otherNames],
      }),
    ).toThrow(refusal('MALFORMED_UZI_NAME'));
    expect(() =>
      uziNameOf({
        ...certWith(VALID),
        otherNames: [{ typeId: OID.uziOtherName, value: VALID, valueType: 'Utf8String' }],
      }),
    ).toThrow(refusal('MALFORMED_UZI_NAME'));
  });

  it('refuses a UZI number that differs from the subject serialNumber', () => {
    const sut = {
      ...certWith(VALID),
      subject: { attributes: [], fields: { serialNumber: '987654321' }, text: '' },
    };

    expect(() => uziNameOf(sut)).toThrow(refusal('MALFORMED_UZI_NAME'));
  });
});

describe('checkUziRolePolicy', () => {
  const nameFor = (card: string, role: string) =>
    `2.16.528.1.1003.1.3.5.5.2-1-123456789-${card}-90000123-${role}-00000000`;

  it.each([
    '01.015',
    '01.000',
    '02.000',
    '03.000',
    '04.000',
    '16.000',
    '17.075',
    '25.000',
    '30.000',
    '31.000',
    '81.000',
    '82.000',
  ])('accepts article 3 role %s by default', (role) => {
    expect(checkUziRolePolicy(certWith(nameFor('Z', role))).role).toBe(role);
  });

  it.each(['89.000', '91.000', '79.000', '80.000', '83.000', '98.000', '99.000', '00.000'])(
    'refuses non-article-3 role %s by default',
    (role) => {
      expect(() => checkUziRolePolicy(certWith(nameFor('Z', role)))).toThrow(
        refusal('NOT_ARTICLE_3_PROFESSIONAL'),
      );
    },
  );

  it.each(['N', 'M', 'S'])('refuses card type %s by default', (card) => {
    expect(() => checkUziRolePolicy(certWith(nameFor(card, '00.000')))).toThrow(
      refusal('NOT_A_CARE_PROVIDER_CARD'),
    );
  });

  it('refuses certificates that are not the signature certificate of the card', () => {
    expect(() => checkUziRolePolicy(certWith(VALID, { keyUsage: ['digitalSignature'] }))).toThrow(
      refusal('NOT_A_SIGNATURE_CERTIFICATE'),
    );
    expect(() => checkUziRolePolicy(certWith(VALID, { keyUsage: null }))).toThrow(
      refusal('NOT_A_SIGNATURE_CERTIFICATE'),
    );
    expect(() => checkUziRolePolicy(certWith(VALID, { policies: [OID.uziAuthenticationPolicy] }))).toThrow(
      refusal('NOT_A_SIGNATURE_CERTIFICATE'),
    );
  });

  it('lets a deployment restrict to specific roles', () => {
    const sut = createUziRolePolicy({ allowedRoles: ['01.015', '01.055'] });

    expect(checkUziRolePolicy(certWith(nameFor('Z', '01.055')), sut).role).toBe('01.055');
    expect(() => checkUziRolePolicy(certWith(nameFor('Z', '01.000')), sut)).toThrow(
      refusal('ROLE_NOT_ALLOWED'),
    );
    expect(() => checkUziRolePolicy(certWith(nameFor('Z', '89.000')), sut)).toThrow(
      refusal('NOT_ARTICLE_3_PROFESSIONAL'),
    );
  });

  it('lets a deployment restrict the issuing UZI CA', () => {
    const sut = createUziRolePolicy({ allowedCaOids: ['2.16.528.1.1003.1.3.5.5.2'] });

    expect(() => checkUziRolePolicy(certWith(VALID.replace('5.5.2-', '5.5.9-')), sut)).toThrow(
      refusal('MALFORMED_UZI_NAME'),
    );
  });

  it('classifies role-policy refusals for the UI', () => {
    let caught: unknown;
    try {
      checkUziRolePolicy(certWith(nameFor('Z', '89.000')));
    } catch (error) {
      caught = error;
    }

    expect(isRolePolicyRefusal(caught)).toBe(true);
    expect(isRolePolicyRefusal(new Error('x'))).toBe(false);
  });
});

describe('createUziRolePolicy', () => {
  it('starts from the default policy', () => {
    expect(createUziRolePolicy()).toEqual(DEFAULT_UZI_ROLE_POLICY);
    expect(DEFAULT_UZI_ROLE_POLICY.allowedProfessions).toEqual([
      '01',
      '02',
      '03',
      '04',
      '16',
      '17',
      '25',
      '30',
      '31',
      '81',
      '82',
    ]);
  });

  it.each([
    { allowedRoles: ['01.15'] },
    { allowedProfessions: ['1'] },
    { cardTypes: [] },
    { requiredPolicies: ['x'] },
  ])('refuses invalid configuration %j', (overrides) => {
    expect(() => createUziRolePolicy(overrides as never)).toThrow(UziPolicyConfigError);
  });
});

describe('verifyUziSignature', () => {
  let pki: TestPki;
  let trust: TrustStore;
  const content = utf8('approval');

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
  }, 120_000);

  it.each([
    ['huisarts', '01.015'],
    ['huisartsEcdsa', '01.015'],
    ['arts', '01.000'],
    ['verpleegkundige', '30.000'],
    ['apotheker', '17.075'],
  ] as const)('accepts the %s', async (name, role) => {
    const cms = await signCms({ content, signer: pki.signers[name].signer() });

    const sut = await verifyUziSignature(cms, { trust, now: pki.now, crls: [pki.intermediateCrl] });

    expect(sut.uzi).toMatchObject({ role, cardType: 'Z' });
    expect(sut.signer.subject.fields.serialNumber).toBe(sut.uzi.uziNumber);
  });

  it.each([
    ['dietist', 'NOT_ARTICLE_3_PROFESSIONAL'],
    ['logopedist', 'NOT_ARTICLE_3_PROFESSIONAL'],
    ['medewerker', 'NOT_A_CARE_PROVIDER_CARD'],
    ['authentication', 'NOT_A_SIGNATURE_CERTIFICATE'],
    ['expired', 'CERTIFICATE_EXPIRED'],
    ['revoked', 'CERTIFICATE_REVOKED'],
    ['impostor', 'UNTRUSTED_CHAIN'],
  ] as [TestSignerName, CmsRefusalReason][])('refuses the %s with %s', async (name, reason) => {
    const cms = await signCms({ content, signer: pki.signers[name].signer(), signingTime: pki.now });

    await expect(
      verifyUziSignature(cms, { trust, now: pki.now, crls: [pki.intermediateCrl] }),
    ).rejects.toEqual(refusal(reason));
  });

  it('refuses a trusted signature certificate without a UZI name with NOT_AN_UZI_CERTIFICATE', async () => {
    const keys = await generateKeyPair('ECDSA');
    const plain = await issueCertificate({
      subject: [['CN', 'Someone']],
      issuer: pki.intermediate,
      keys,
      keyAlgorithm: 'ECDSA',
      notBefore: new Date(pki.now.getTime() - 3600_000),
      notAfter: new Date(pki.now.getTime() + 3600_000),
      keyUsage: ['nonRepudiation'],
      policies: [OID.uziSignaturePolicy],
    });
    const cms = await signCms({ content, signer: cryptoKeySigner(keys.privateKey, plain.der) });

    await expect(verifyUziSignature(cms, { trust, now: pki.now })).rejects.toEqual(
      refusal('NOT_AN_UZI_CERTIFICATE'),
    );
  });
});
