import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config';

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

describe('production configuration', () => {
  const production = { NODE_ENV: 'production', DEMO_SIMULATORS: 'false', DATABASE_URL: 'postgres://x@y/z' };
  const about = (found: string[], name: string) => found.filter((p) => p.startsWith(`${name}:`));

  it('needs https PUBLIC_URL, Redis and a metrics token', () => {
    const found = problems({ ...production, PUBLIC_URL: 'http://veilig.example.nl' });
    expect(about(found, 'PUBLIC_URL')).toHaveLength(1);
    expect(about(found, 'REDIS_URL')).toHaveLength(1);
    expect(about(found, 'METRICS_TOKEN')).toHaveLength(1);
    const fixed = problems({
      ...production,
      PUBLIC_URL: 'https://veilig.example.nl',
      REDIS_URL: 'rediss://redis.internal:6380',
      METRICS_TOKEN: randomBytes(32).toString('base64'),
    });
    for (const name of ['PUBLIC_URL', 'REDIS_URL', 'METRICS_TOKEN']) expect(about(fixed, name)).toEqual([]);
  });

  it('measures secrets: refuses a repeated character, a look-alike of the development default, weak tokens', () => {
    const found = problems({
      ...production,
      UPLOAD_TOKEN_SECRET: 'a'.repeat(32),
      EXPORT_PADDING_SECRET: 'dev-only-export-padding-secret-change-me-000000001',
      METRICS_TOKEN: 'abcabcabcabcabcabcabcabcabcabcabc!',
    });
    expect(about(found, 'UPLOAD_TOKEN_SECRET')).toEqual([
      'UPLOAD_TOKEN_SECRET: repeats a shorter pattern; use a random value, e.g. `openssl rand -base64 32`',
    ]);
    expect(about(found, 'EXPORT_PADDING_SECRET')[0]).toMatch(/variation of\) the development default/);
    expect(about(found, 'METRICS_TOKEN')[0]).toMatch(/too little variety/);
    expect(found.join(' ')).not.toContain('aaaa');
  });

  it('believes federation certificate headers only with a proxy address or secret', () => {
    const on = { ...production, FEDERATION_PROXY_CERT_HEADERS: 'true' };
    expect(about(problems(on), 'FEDERATION_PROXY_CERT_HEADERS')).toHaveLength(1);
    expect(
      about(problems({ ...on, FEDERATION_PROXY_ADDRESSES: '10.0.4.0/24' }), 'FEDERATION_PROXY_CERT_HEADERS'),
    ).toEqual([]);
    expect(
      about(
        problems({ ...on, FEDERATION_PROXY_SECRET: randomBytes(32).toString('base64') }),
        'FEDERATION_PROXY_CERT_HEADERS',
      ),
    ).toEqual([]);
    expect(
      about(problems({ ...on, FEDERATION_PROXY_ADDRESSES: '10.0.4.0/33' }), 'FEDERATION_PROXY_ADDRESSES'),
    ).toHaveLength(1);
    expect(loadConfig({}).federation.proxy.certificateHeaders).toBe(false);
  });
});

describe('export signing keys in an HSM', () => {
  const hsm = {
    EXPORT_SIGNING_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so',
    EXPORT_SIGNING_PKCS11_TOKEN: 'veilig-export',
    EXPORT_SIGNING_PKCS11_PIN_FILE: '/run/secrets/hsm-pin',
    EXPORT_SIGNING_PKCS11_KEYS: 'v1=veilig-export-v1,v2=veilig-export-v2',
  };

  it('maps the token and key labels by version, the last one active', () => {
    expect(loadConfig(hsm).keyStore.signing).toMatchObject({
      activeVersion: 'v2',
      keys: [],
      pkcs11: {
        module: hsm.EXPORT_SIGNING_PKCS11_MODULE,
        token: 'veilig-export',
        pinFile: '/run/secrets/hsm-pin',
        keys: [
          { version: 'v1', label: 'veilig-export-v1' },
          { version: 'v2', label: 'veilig-export-v2' },
        ],
      },
    });
  });

  it('names what is missing, doubled or not listed', () => {
    expect(problems({ EXPORT_SIGNING_PKCS11_MODULE: hsm.EXPORT_SIGNING_PKCS11_MODULE })).toEqual([
      'EXPORT_SIGNING_PKCS11_TOKEN: required with EXPORT_SIGNING_PKCS11_MODULE',
      'EXPORT_SIGNING_PKCS11_PIN_FILE: required with EXPORT_SIGNING_PKCS11_MODULE',
      'EXPORT_SIGNING_PKCS11_KEYS: required with EXPORT_SIGNING_PKCS11_MODULE',
    ]);
    expect(problems({ EXPORT_SIGNING_PKCS11_TOKEN: 'veilig-export' })).toEqual([
      'EXPORT_SIGNING_PKCS11_TOKEN: needs EXPORT_SIGNING_PKCS11_MODULE',
    ]);
    expect(problems({ ...hsm, EXPORT_SIGNING_KEYS: 'v1=/keys/v1.pem' })).toEqual([
      'EXPORT_SIGNING_KEYS and EXPORT_SIGNING_PKCS11_MODULE: keys come from files or from an HSM, not both',
    ]);
    expect(problems({ ...hsm, EXPORT_SIGNING_ACTIVE_VERSION: 'v3' })).toEqual([
      'EXPORT_SIGNING_ACTIVE_VERSION: not one of the versions in EXPORT_SIGNING_PKCS11_KEYS',
    ]);
  });
});
