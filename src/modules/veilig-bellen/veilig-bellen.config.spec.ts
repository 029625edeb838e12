import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../config/app-config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('Veilig bellen configuration', () => {
  it('runs the IRMA and Twilio simulators in development by default', () => {
    const config = loadConfig({ NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:3000' });
    expect(config.veiligBellen.irma).toMatchObject({
      simulated: true,
      url: 'http://localhost:3000/sim/irma',
    });
    expect(config.veiligBellen.twilio.simulated).toBe(true);
    expect(config.veiligBellen.maxAgeMs).toBe(3_600_000);
  });

  it('refuses the simulators and development secrets in production', () => {
    const found = problems({
      NODE_ENV: 'production',
      DEMO_SIMULATORS: 'false',
      DATABASE_URL: 'postgres://x@y/z',
    });
    for (const name of [
      'VEILIG_BELLEN_IRMA_URL',
      'VEILIG_BELLEN_TWILIO_ACCOUNT_SID',
      'VEILIG_BELLEN_DATA_KEYS',
      'VEILIG_BELLEN_DTMF_PEPPER',
      'VEILIG_BELLEN_IRMA_TOKEN',
    ]) {
      expect(found.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it('names a malformed key ring and a short HMAC key without echoing them', () => {
    const found = problems({
      VEILIG_BELLEN_DATA_KEYS: 'k1:c2hvcnQtc2hvcnQtc2hvcnQtc2hvcnQ=',
      VEILIG_BELLEN_IRMA_AUTH: 'hmac',
      VEILIG_BELLEN_IRMA_TOKEN: 'dG9vLXNob3J0LWtleQ==',
    });
    expect(found.find((p) => p.startsWith('VEILIG_BELLEN_DATA_KEYS'))).toMatch(/key k1: must be 32 bytes/);
    expect(found.find((p) => p.startsWith('VEILIG_BELLEN_IRMA_TOKEN'))).toMatch(/at least 32 bytes/);
    expect(found.join(' ')).not.toContain('c2hvcnQ');
  });

  it('accepts a production configuration with real servers and own secrets', () => {
    const key = () => randomBytes(32).toString('base64');
    const env = {
      NODE_ENV: 'production',
      DEMO_SIMULATORS: 'false',
      DATABASE_URL: 'postgres://x@y/z',
      VEILIG_BELLEN_IRMA_URL: 'https://irma.nijmegen.nl',
      VEILIG_BELLEN_IRMA_TOKEN: key(),
      VEILIG_BELLEN_DATA_KEYS: `k2:${key()},k1:${key()}`,
      VEILIG_BELLEN_DTMF_PEPPER: key(),
      VEILIG_BELLEN_TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
      VEILIG_BELLEN_TWILIO_AUTH_TOKEN: key(),
    };
    expect(problems(env).filter((p) => p.startsWith('VEILIG_BELLEN'))).toEqual([]);
  });
});
