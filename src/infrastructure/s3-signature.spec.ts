import { EMPTY_SHA256, encodeSegment, presignS3Url, signS3Request } from './s3-signature';

describe(signS3Request.name, () => {
  it('signs the GET Object example of the AWS documentation to its published signature', () => {
    // "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)", example GET Object.
    const sut = signS3Request(
      {
        method: 'GET',
        url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
        headers: { Range: 'bytes=0-9' },
        payloadSha256: EMPTY_SHA256,
      },
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
      },
      new Date('2013-05-24T00:00:00Z'),
    );

    expect(sut.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(sut['x-amz-date']).toBe('20130524T000000Z');
  });

  it('encodes path segments as SigV4 does: all but unreserved characters', () => {
    expect(encodeSegment("NL-1 (a)*!'~._-.zip")).toBe('NL-1%20%28a%29%2A%21%27~._-.zip');
  });
});

describe(presignS3Url.name, () => {
  it('presigns the example of the AWS documentation to its published signature', () => {
    // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example GET test.txt.
    const sut = presignS3Url(
      new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        region: 'us-east-1',
      },
      new Date('2013-05-24T00:00:00Z'),
      86400,
    );
    expect(Object.fromEntries(sut.searchParams)).toEqual({
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request',
      'X-Amz-Date': '20130524T000000Z',
      'X-Amz-Expires': '86400',
      'X-Amz-SignedHeaders': 'host',
      'X-Amz-Signature': 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    });
  });
});
