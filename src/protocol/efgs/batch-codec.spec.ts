import { parse } from 'protobufjs';
import { workedKeyA, workedKeyB } from '../../../test/fixtures/efgs/diagnosis-keys';
import {
  decodeBase64Strict,
  decodeBatch,
  decodeBatchJson,
  decodeBatchProtobuf,
  EfgsFormatError,
  encodeBatch,
  encodeBatchJson,
  encodeBatchProtobuf,
} from './batch-codec';
import { DiagnosisKey, ReportType, TRL_NOT_PROVIDED } from './diagnosis-key';

// docs/protocols/efgs.md §A2 verbatim, parsed only here as an independent oracle for the in-code descriptor.
const EFGS_PROTO_TEXT = `
syntax = "proto3"; package eu.interop;
message DiagnosisKeyBatch { repeated DiagnosisKey keys = 1; }
message DiagnosisKey {
  bytes    keyData                      = 1;
  uint32   rollingStartIntervalNumber   = 2;
  uint32   rollingPeriod                = 3;
  int32    transmissionRiskLevel        = 4;
  repeated string visitedCountries      = 5;
  string   origin                       = 6;
  ReportType reportType                 = 7;
  sint32   days_since_onset_of_symptoms = 8;
}
enum ReportType { UNKNOWN=0; CONFIRMED_TEST=1; CONFIRMED_CLINICAL_DIAGNOSIS=2; SELF_REPORT=3; RECURSIVE=4; REVOKED=5; }
`;
const oracle = parse(EFGS_PROTO_TEXT, { keepCase: true }).root.lookupType('eu.interop.DiagnosisKeyBatch');

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const emptyKey: DiagnosisKey = {
  keyData: new Uint8Array(0),
  rollingStartIntervalNumber: 0,
  rollingPeriod: 0,
  transmissionRiskLevel: 0,
  visitedCountries: [],
  origin: '',
  reportType: ReportType.UNKNOWN,
  daysSinceOnsetOfSymptoms: 0,
};

function expectFormatError(action: () => unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(EfgsFormatError);
  expect((thrown as EfgsFormatError).status).toBe(400);
  expect((thrown as EfgsFormatError).message).toMatch(message);
}

describe(encodeBatchProtobuf.name, () => {
  const sut = encodeBatchProtobuf;

  it('encodes DSOS as sint32 (zig-zag): −2 is tag 0x40 with varint 3', () => {
    const bytes = sut({ keys: [workedKeyA] });

    expect(hex(bytes).endsWith('4003')).toBe(true);
  });

  it('produces what the .proto of docs/protocols/efgs.md §A2 decodes to the same key', () => {
    const decoded = oracle.toObject(oracle.decode(sut({ keys: [workedKeyA, workedKeyB] })), {
      enums: String,
      bytes: String,
      arrays: true,
    });

    expect(decoded).toEqual({
      keys: [
        {
          keyData: 'dcc0xt0aeC3nqWXaXrkxJQ==',
          rollingStartIntervalNumber: 2642976,
          rollingPeriod: 144,
          transmissionRiskLevel: 1,
          visitedCountries: ['DE', 'FR'],
          origin: 'NL',
          reportType: 'CONFIRMED_TEST',
          days_since_onset_of_symptoms: -2,
        },
        {
          keyData: 'ABEiM0RVZneImaq7zN3u/w==',
          rollingStartIntervalNumber: 2642832,
          rollingPeriod: 144,
          transmissionRiskLevel: TRL_NOT_PROVIDED,
          visitedCountries: [],
          origin: 'NL',
          reportType: 'CONFIRMED_TEST',
          days_since_onset_of_symptoms: 2000,
        },
      ],
    });
  });

  it('omits proto3 default values, as Java and C# serialisers do', () => {
    expect(hex(sut({ keys: [emptyKey] }))).toBe('0a00');
  });

  it('gives no bytes for an empty batch', () => {
    expect(sut({ keys: [] })).toHaveLength(0);
  });

  it('refuses values that do not fit their wire type instead of truncating them', () => {
    expect(() => sut({ keys: [{ ...workedKeyA, rollingStartIntervalNumber: -1 }] })).toThrow(RangeError);
    expect(() => sut({ keys: [{ ...workedKeyA, transmissionRiskLevel: 2 ** 31 }] })).toThrow(RangeError);
    expect(() => sut({ keys: [{ ...workedKeyA, daysSinceOnsetOfSymptoms: 1.5 }] })).toThrow(RangeError);
  });
});

describe(decodeBatchProtobuf.name, () => {
  const sut = decodeBatchProtobuf;

  it('round-trips the worked keys, including negative and large DSOS and TRL 0x7FFFFFFF', () => {
    const keys = [workedKeyA, workedKeyB, { ...workedKeyA, daysSinceOnsetOfSymptoms: 4000 }];

    expect(sut(encodeBatchProtobuf({ keys }))).toEqual({ keys });
  });

  it('keeps uint32 values above 2^31 unsigned', () => {
    const key = { ...workedKeyA, rollingStartIntervalNumber: 0xfffffff0 };

    expect(sut(encodeBatchProtobuf({ keys: [key] })).keys[0].rollingStartIntervalNumber).toBe(0xfffffff0);
  });

  it('fills omitted fields with proto3 defaults', () => {
    expect(sut(Buffer.from('0a00', 'hex'))).toEqual({ keys: [emptyKey] });
    expect(sut(new Uint8Array(0))).toEqual({ keys: [] });
  });

  it('reads bytes written from the .proto by another encoder, ignoring unknown fields', () => {
    const foreign = oracle
      .encode(
        oracle.fromObject({
          keys: [
            { keyData: Buffer.alloc(16, 7), origin: 'FR', reportType: 2, days_since_onset_of_symptoms: -14 },
          ],
        }),
      )
      .finish();
    const withUnknownField = Buffer.concat([foreign, Buffer.from('4801', 'hex')]); // field 9, varint 1

    const batch = sut(withUnknownField);

    expect(batch.keys[0]).toMatchObject({
      origin: 'FR',
      reportType: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
      daysSinceOnsetOfSymptoms: -14,
    });
  });

  it('keeps an unknown report type number (proto3 enums are open) so the signature still verifies', () => {
    const bytes = Buffer.from('0a023809', 'hex'); // key { reportType: 9 }

    expect(sut(bytes).keys[0].reportType).toBe(9);
  });

  it('copies keyData out of the request buffer', () => {
    const body = encodeBatchProtobuf({ keys: [workedKeyA] });

    const batch = sut(body);
    body.fill(0);

    expect(hex(batch.keys[0].keyData)).toBe('75c734c6dd1a782de7a965da5eb93125');
  });

  it('answers 400 for a truncated body', () => {
    expectFormatError(() => sut(Buffer.from('0a0518ffffffff', 'hex')), /^Invalid protobuf body/);
  });
});

describe(encodeBatchJson.name, () => {
  const sut = encodeBatchJson;

  it('writes proto field names, base64 keyData and the report type name', () => {
    expect(JSON.parse(sut({ keys: [workedKeyA] }))).toEqual({
      keys: [
        {
          keyData: 'dcc0xt0aeC3nqWXaXrkxJQ==',
          rollingStartIntervalNumber: 2642976,
          rollingPeriod: 144,
          transmissionRiskLevel: 1,
          visitedCountries: ['DE', 'FR'],
          origin: 'NL',
          reportType: 'CONFIRMED_TEST',
          days_since_onset_of_symptoms: -2,
        },
      ],
    });
  });

  it('writes an unknown report type as its number', () => {
    expect(
      JSON.parse(sut({ keys: [{ ...workedKeyA, reportType: 9 as ReportType }] })).keys[0].reportType,
    ).toBe(9);
  });
});

describe(decodeBatchJson.name, () => {
  const sut = decodeBatchJson;

  it('round-trips the worked keys', () => {
    const keys = [workedKeyA, workedKeyB];

    expect(sut(encodeBatchJson({ keys }))).toEqual({ keys });
  });

  it('reads what the Irish JavaScript client sends', () => {
    const body = JSON.stringify({
      keys: [
        {
          keyData: 'dcc0xt0aeC3nqWXaXrkxJQ==',
          rollingStartIntervalNumber: 2642976,
          rollingPeriod: 144,
          transmissionRiskLevel: 1,
          visitedCountries: ['DE', 'FR'],
          origin: 'NL',
          reportType: 'CONFIRMED_TEST',
          days_since_onset_of_symptoms: -2,
        },
      ],
    });

    expect(sut(Buffer.from(body))).toEqual({ keys: [workedKeyA] });
  });

  it('takes defaults for omitted or null fields, as EFGS writes proto3 JSON without them', () => {
    expect(sut('{"keys":[{}]}')).toEqual({ keys: [emptyKey] });
    expect(sut('{"keys":[{"keyData":null,"visitedCountries":null,"reportType":null}]}')).toEqual({
      keys: [emptyKey],
    });
    expect(sut('{}')).toEqual({ keys: [] });
  });

  it('accepts the lowerCamel DSOS name, numeric strings and report type numbers', () => {
    const batch = sut(
      '{"keys":[{"daysSinceOnsetOfSymptoms":"-3","rollingPeriod":"144","reportType":2,"unknownField":true}]}',
    );

    expect(batch.keys[0]).toMatchObject({
      daysSinceOnsetOfSymptoms: -3,
      rollingPeriod: 144,
      reportType: ReportType.CONFIRMED_CLINICAL_DIAGNOSIS,
    });
  });

  it('accepts unpadded base64 as Java’s decoder does', () => {
    expect(hex(sut('{"keys":[{"keyData":"dcc0xt0aeC3nqWXaXrkxJQ"}]}').keys[0].keyData)).toBe(
      '75c734c6dd1a782de7a965da5eb93125',
    );
  });

  it.each(['dcc0xt0aeC3nqWXaXrkxJQ=', 'dcc0xt0a eC3nqWXaXrkxJQ==', 'dcc0xt0a_C3nqWXaXrkxJQ==', 'a', 42])(
    'answers "Invalid Base64 in JSON object" for keyData %p',
    (keyData) => {
      expectFormatError(() => sut(JSON.stringify({ keys: [{ keyData }] })), 'Invalid Base64 in JSON object');
    },
  );

  it.each([
    ['not JSON', '{"keys":', 'Invalid JSON body'],
    ['a top-level array', '[]', 'Invalid JSON body'],
    ['keys that are not a list', '{"keys":{}}', 'Invalid value for keys in JSON object'],
    ['a key that is not an object', '{"keys":[1]}', 'Invalid key in JSON object'],
    ['an unknown report type name', '{"keys":[{"reportType":"POSITIVE"}]}', /reportType/],
    ['an unknown report type number', '{"keys":[{"reportType":9}]}', /reportType/],
    ['a fractional number', '{"keys":[{"rollingPeriod":1.5}]}', /rollingPeriod/],
    ['a negative uint32', '{"keys":[{"rollingStartIntervalNumber":-1}]}', /rollingStartIntervalNumber/],
    ['an int32 overflow', '{"keys":[{"transmissionRiskLevel":2147483648}]}', /transmissionRiskLevel/],
    ['a non-string country', '{"keys":[{"visitedCountries":["DE",1]}]}', /visitedCountries/],
    ['a non-string origin', '{"keys":[{"origin":49}]}', /origin/],
  ])('answers 400 for %s', (_case, body, message) => {
    expectFormatError(() => sut(body), message);
  });

  it('answers 400 for a body that is not UTF-8', () => {
    expectFormatError(() => sut(Uint8Array.from([0x7b, 0xff, 0x7d])), 'Invalid JSON body');
  });
});

describe(decodeBase64Strict.name, () => {
  const sut = decodeBase64Strict;

  it.each([
    ['', ''],
    ['AA==', '00'],
    ['AA', '00'],
    ['AAA=', '0000'],
    ['AAAA', '000000'],
  ])('decodes %p', (text, expected) => {
    expect(hex(sut(text)!)).toBe(expected);
  });

  it.each(['A', 'A===', 'AA=', 'AA=A', '-_AA', 'AA AA'])('refuses %p', (text) => {
    expect(sut(text)).toBeUndefined();
  });
});

describe('decodeBatch / encodeBatch', () => {
  it('dispatch on the negotiated format', () => {
    const batch = { keys: [workedKeyA] };

    expect(decodeBatch('protobuf', encodeBatch('protobuf', batch))).toEqual(batch);
    expect(decodeBatch('json', encodeBatch('json', batch))).toEqual(batch);
    expect(Buffer.from(encodeBatch('json', batch)).toString('utf8')).toBe(encodeBatchJson(batch));
  });
});
