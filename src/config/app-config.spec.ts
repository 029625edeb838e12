import { ConfigError, loadConfig } from './app-config';

/** The problems loadConfig names for `env`, none when it is valid. */
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

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
    expect(problems({ S3_ENDPOINT: s3.S3_ENDPOINT })).toEqual([
      'S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set all or none',
    ]);
    expect(problems({ ...s3, S3_BUCKET: 'Not_A_Bucket' })[0]).toMatch(
      /^S3_BUCKET: must be an S3 bucket name/,
    );
    expect(problems({ ...s3, S3_PREFIX: 'nl' })[0]).toMatch(/^S3_PREFIX: must be empty or end with \//);
  });
});

describe('TLS to PostgreSQL and Redis', () => {
  it('maps the Redis TLS files and names what does not fit together', () => {
    const tls = { REDIS_CA_FILE: '/ca.pem', REDIS_CERT_FILE: '/app.crt', REDIS_KEY_FILE: '/app.key' };
    expect(loadConfig({ REDIS_URL: 'rediss://redis.internal:6380', ...tls }).redis).toEqual({
      url: 'rediss://redis.internal:6380',
      prefix: 'veilig',
      caFile: '/ca.pem',
      certFile: '/app.crt',
      keyFile: '/app.key',
    });
    expect(problems({ REDIS_URL: 'redis://redis.internal', REDIS_CA_FILE: '/ca.pem' })).toEqual([
      'REDIS_CA_FILE, REDIS_CERT_FILE, REDIS_KEY_FILE: need a rediss:// REDIS_URL',
    ]);
    expect(problems({ REDIS_URL: 'rediss://redis.internal', REDIS_CERT_FILE: '/app.crt' })).toEqual([
      'REDIS_CERT_FILE and REDIS_KEY_FILE: set both or neither',
    ]);
  });

  it('leaves TLS to DATABASE_SSL, not to parameters in DATABASE_URL', () => {
    expect(problems({ DATABASE_URL: 'postgres://db.internal/veilig?sslmode=disable' })).toEqual([
      'DATABASE_URL: set TLS with DATABASE_SSL and DATABASE_CA_FILE, not in the URL',
    ]);
  });

  it('requires verified TLS to the database and TLS to Redis in production', () => {
    const prod = {
      NODE_ENV: 'production',
      DEMO_SIMULATORS: 'false',
      DATABASE_URL: 'postgres://veilig@db.internal/veilig',
      REDIS_URL: 'redis://redis.internal',
    };
    expect(problems(prod)).toEqual(
      expect.arrayContaining([
        'DATABASE_SSL: production requires verify-full',
        'REDIS_URL: production requires TLS (rediss://)',
      ]),
    );
    const tls = {
      ...prod,
      DATABASE_SSL: 'verify-full',
      DATABASE_CA_FILE: '/ca.pem',
      REDIS_URL: 'rediss://r',
    };
    expect(problems(tls).filter((p) => /^(DATABASE|REDIS)_/.test(p))).toEqual([]);
  });
});
