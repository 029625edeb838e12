import { startS3Simulator, type S3Simulator } from '../../test/support/s3-simulator';
import { S3FileStore } from './file-store';

describe(S3FileStore.name, () => {
  let s3: S3Simulator;
  const store = (over: Partial<ConstructorParameters<typeof S3FileStore>[0]> = {}) =>
    new S3FileStore({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: 'veilig/',
      ...s3.credentials,
      ...over,
    });

  beforeAll(async () => {
    s3 = await startS3Simulator();
  });
  afterAll(() => s3.close());

  it('puts, gets and deletes objects under its prefix, with signed requests', async () => {
    const sut = store();
    const data = Buffer.from('PK\u0003\u0004 export');
    await sut.put('exports/NL/NL-1 (2).zip', data);
    expect(s3.objects.get('veilig/exports/NL/NL-1 (2).zip')).toEqual(data);
    expect(await sut.get('exports/NL/NL-1 (2).zip')).toEqual(data);
    await sut.delete('exports/NL/NL-1 (2).zip');
    expect(await sut.get('exports/NL/NL-1 (2).zip')).toBeNull();
    await sut.delete('exports/NL/never-there.zip');
  });

  it("fails with S3's error code, and nothing else of the answer, when the store refuses", async () => {
    await expect(store({ secretAccessKey: 'wrong' }).put('a', Buffer.from('x'))).rejects.toThrow(
      'S3 PUT failed: 403 SignatureDoesNotMatch',
    );
    await expect(store({ bucket: 'other-bucket' }).get('a')).rejects.toThrow(
      'S3 GET failed: 404 NoSuchBucket',
    );
    const skewed = new S3FileStore(
      { endpoint: s3.endpoint, bucket: s3.bucket, prefix: '', ...s3.credentials },
      () => new Date(Date.now() - 3_600_000),
    );
    await expect(skewed.get('a')).rejects.toThrow('403 RequestTimeTooSkewed');
  });
});
