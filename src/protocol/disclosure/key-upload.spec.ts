import { bytesToBase64 } from '../cms/pem';
import { DISCLOSURE_REPORT_TYPE, uploadPayloadOf } from './key-upload';
import {
  computeUploadHash,
  encodeUploadPayload,
  REPORT_TYPES,
  TRL_NOT_PROVIDED,
  UploadPayloadError,
} from './upload-payload';

const key = (fill: number) => bytesToBase64(new Uint8Array(16).fill(fill));

describe('uploadPayloadOf', () => {
  it('maps the upload body as sent: absent TRL is "not provided", absent DSOS is null, absent origin the home region', () => {
    const sut = uploadPayloadOf(
      { keys: [{ key: key(1), rollingStartIntervalNumber: 2_900_016, rollingPeriod: 144 }] },
      'NL',
    );

    expect(sut).toEqual({
      keys: [
        {
          key: new Uint8Array(16).fill(1),
          rollingStartIntervalNumber: 2_900_016,
          rollingPeriod: 144,
          transmissionRiskLevel: TRL_NOT_PROVIDED,
          daysSinceOnsetOfSymptoms: null,
          reportType: REPORT_TYPES.CONFIRMED_CLINICAL_DIAGNOSIS,
        },
      ],
      origin: 'NL',
      visitedCountries: [],
      consentToFederation: false,
    });
    expect(DISCLOSURE_REPORT_TYPE).toBe(2);
  });

  it('hashes an explicit home-region origin like an absent one, and every sent field into the hash', async () => {
    const body = {
      keys: [
        {
          key: key(1),
          rollingStartIntervalNumber: 2_900_016,
          rollingPeriod: 144,
          transmissionRiskLevel: 3,
          daysSinceOnsetOfSymptoms: -1,
        },
      ],
      visitedCountries: ['DE'],
      consentToFederation: true,
    };
    const hash = async (b: Parameters<typeof uploadPayloadOf>[0]) =>
      Buffer.from(await computeUploadHash(uploadPayloadOf(b, 'NL'))).toString('hex');

    expect(await hash({ ...body, origin: 'NL' })).toBe(await hash(body));
    expect(await hash({ ...body, consentToFederation: false })).not.toBe(await hash(body));
    expect(
      await hash({ ...body, keys: [{ ...body.keys[0], daysSinceOnsetOfSymptoms: undefined }] }),
    ).not.toBe(await hash(body));
  });

  it('refuses keys that are not base64 and duplicate countries, naming the field', () => {
    expect(() =>
      uploadPayloadOf(
        { keys: [{ key: 'not base64!', rollingStartIntervalNumber: 0, rollingPeriod: 144 }] },
        'NL',
      ),
    ).toThrow(expect.objectContaining({ field: 'keys[0].key' }));
    expect(() =>
      encodeUploadPayload(
        uploadPayloadOf(
          {
            keys: [{ key: key(1), rollingStartIntervalNumber: 0, rollingPeriod: 144 }],
            visitedCountries: ['DE', 'DE'],
          },
          'NL',
        ),
      ),
    ).toThrow(UploadPayloadError);
  });
});
