import { fromHex, toHex } from '../cms/bytes';
import {
  REPORT_TYPES,
  TRL_NOT_PROVIDED,
  UploadPayloadError,
  computeUploadHash,
  encodeUploadPayload,
  uploadHashFingerprint,
  uploadHashesEqual,
  type UploadKey,
  type UploadPayload,
} from './upload-payload';

const keyA: UploadKey = {
  key: fromHex('000102030405060708090a0b0c0d0e0f'),
  rollingStartIntervalNumber: 2642976,
  rollingPeriod: 144,
  transmissionRiskLevel: 1,
  daysSinceOnsetOfSymptoms: -2,
  reportType: REPORT_TYPES.CONFIRMED_TEST,
};
const keyB: UploadKey = {
  key: fromHex('101112131415161718191a1b1c1d1e1f'),
  rollingStartIntervalNumber: 2642832,
  rollingPeriod: 144,
  transmissionRiskLevel: TRL_NOT_PROVIDED,
  daysSinceOnsetOfSymptoms: null,
  reportType: REPORT_TYPES.CONFIRMED_TEST,
};
const payload: UploadPayload = {
  keys: [keyB, keyA],
  origin: 'NL',
  visitedCountries: ['FR', 'DE'],
  consentToFederation: true,
};

describe('encodeUploadPayload', () => {
  it('matches the documented byte layout (vector computed independently)', () => {
    const sut = encodeUploadPayload(payload);

    expect(toHex(sut)).toBe(
      '7665696c69672e75706c6f61642e7631004e4c0102444546520002' +
        '000102030405060708090a0b0c0d0e0f00285420000000900000000101fffffffe01' +
        '101112131415161718191a1b1c1d1e1f00285390000000907fffffff000000000001',
    );
  });

  it('does not depend on the order of keys or visited countries', () => {
    const reordered = { ...payload, keys: [keyA, keyB], visitedCountries: ['DE', 'FR'] };

    expect(encodeUploadPayload(reordered)).toEqual(encodeUploadPayload(payload));
  });

  it('changes with every field', () => {
    const base = toHex(encodeUploadPayload(payload));
    const variants: UploadPayload[] = [
      { ...payload, origin: 'BE' },
      { ...payload, consentToFederation: false },
      { ...payload, visitedCountries: ['DE'] },
      { ...payload, keys: [keyB] },
      { ...payload, keys: [keyB, { ...keyA, rollingStartIntervalNumber: 2642977 }] },
      { ...payload, keys: [keyB, { ...keyA, rollingPeriod: 143 }] },
      { ...payload, keys: [keyB, { ...keyA, transmissionRiskLevel: 2 }] },
      { ...payload, keys: [keyB, { ...keyA, daysSinceOnsetOfSymptoms: null }] },
      { ...payload, keys: [keyB, { ...keyA, daysSinceOnsetOfSymptoms: 0 }] },
      { ...payload, keys: [keyB, { ...keyA, reportType: REPORT_TYPES.SELF_REPORT }] },
      { ...payload, keys: [keyB, { ...keyA, key: fromHex('ff0102030405060708090a0b0c0d0e0f') }] },
    ];

    const encodings = variants.map((v) => toHex(encodeUploadPayload(v)));

    expect(new Set([base, ...encodings]).size).toBe(variants.length + 1);
  });

  it.each([
    ['a key of 15 bytes', { ...payload, keys: [{ ...keyA, key: new Uint8Array(15) }] }, 'keys[0].key'],
    ['a rolling period of 0', { ...payload, keys: [{ ...keyA, rollingPeriod: 0 }] }, 'keys[0].rollingPeriod'],
    [
      'a rolling period of 145',
      { ...payload, keys: [{ ...keyA, rollingPeriod: 145 }] },
      'keys[0].rollingPeriod',
    ],
    [
      'a TRL of 9',
      { ...payload, keys: [{ ...keyA, transmissionRiskLevel: 9 }] },
      'keys[0].transmissionRiskLevel',
    ],
    ['a report type of 6', { ...payload, keys: [{ ...keyA, reportType: 6 as never }] }, 'keys[0].reportType'],
    [
      'a fractional interval',
      { ...payload, keys: [{ ...keyA, rollingStartIntervalNumber: 1.5 }] },
      'keys[0].rollingStartIntervalNumber',
    ],
    ['a lower-case origin', { ...payload, origin: 'nl' }, 'origin'],
    ['a duplicate visited country', { ...payload, visitedCountries: ['DE', 'DE'] }, 'visitedCountries'],
    ['a duplicate key', { ...payload, keys: [keyA, { ...keyA, rollingStartIntervalNumber: 1 }] }, 'keys'],
    ['no keys', { ...payload, keys: [] }, 'keys'],
  ])('refuses %s', (_label, input, field) => {
    expect(() => encodeUploadPayload(input)).toThrow(UploadPayloadError);
    expect(() => encodeUploadPayload(input)).toThrow(expect.objectContaining({ field }));
  });
});

describe('computeUploadHash', () => {
  it('is the SHA-256 of the canonical encoding', async () => {
    await expect(computeUploadHash(payload).then(toHex)).resolves.toBe(
      '377eb184f0644cadb040ccf7064cc7c9fa7e79016f6416d6eab48c3a3aedcd9b',
    );
  });

  it('compares and fingerprints hashes', async () => {
    const sut = await computeUploadHash(payload);

    expect(uploadHashesEqual(sut, Uint8Array.from(sut))).toBe(true);
    expect(uploadHashesEqual(sut, new Uint8Array(32))).toBe(false);
    expect(uploadHashesEqual(sut.subarray(0, 16), sut.subarray(0, 16))).toBe(false);
    expect(uploadHashFingerprint(sut)).toBe('377e b184 f064 4cad');
  });
});
