import { ConfigError, loadConfig } from './app-config';

describe('file storage configuration', () => {
  const s3 = {
    S3_ENDPOINT: 'https://s3.example.test',
    S3_BUCKET: 'veilig-exports',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    S3_SECRET_ACCESS_KEY: 'secret',
  };

  it('keeps files under DATA_DIR unless an S3-compatible store is configured', () => {
    expect(loadConfig({ DATA_DIR: '/srv/veilig' }).files).toEqual({
      kind: 'local',
      dir: '/srv/veilig/files',
    });
    expect(loadConfig({ ...s3, S3_PREFIX: 'nl/' }).files).toEqual({
      kind: 's3',
      endpoint: 'https://s3.example.test',
      bucket: 'veilig-exports',
      region: 'us-east-1',
      prefix: 'nl/',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret',
    });
  });

  it('names what is missing or malformed in an S3 configuration', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ S3_ENDPOINT: s3.S3_ENDPOINT })).toEqual([
      'S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set all or none',
    ]);
    expect(problems({ ...s3, S3_BUCKET: 'Not_A_Bucket' })[0]).toMatch(
      /^S3_BUCKET: must be an S3 bucket name/,
    );
    expect(problems({ ...s3, S3_PREFIX: 'nl' })[0]).toMatch(/^S3_PREFIX: must be empty or end with \//);
  });

  it('keeps key receipt times to a period that divides the day', () => {
    expect(loadConfig({}).keyStore.receiptResolutionMs).toBe(3_600_000);
    expect(loadConfig({ KEY_RECEIPT_RESOLUTION_MINUTES: '240' }).keyStore.receiptResolutionMs).toBe(
      4 * 3_600_000,
    );
    expect(() => loadConfig({ KEY_RECEIPT_RESOLUTION_MINUTES: '50' })).toThrow(
      /KEY_RECEIPT_RESOLUTION_MINUTES: must divide a day/,
    );
  });
});
