import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../../config/app-config';
import { SystemClock } from '../../infrastructure/clock';
import { derToPem, readPkcs12 } from '../../protocol/cms';
import { sharedTestPki } from '../../protocol/cms/testing';
import { ApprovalVerifier } from './approval-verifier.service';
import { DEV_PKI_PASSWORD } from './dev-pki';
import { disclosureConfig } from './disclosure.config';

const core = {
  dataDir: '/data',
  isProduction: false,
  demoSimulators: true,
  publicUrl: 'http://localhost:3000',
};
const env = (vars: Record<string, string> = {}) => z.object(disclosureConfig.shape).parse(vars);
const configWith = (disclosure: ReturnType<typeof disclosureConfig.map>, isProduction = false) =>
  ({ env: 'test', isProduction, disclosure }) as unknown as AppConfig;

describe('disclosure configuration', () => {
  it('defaults to the development PKI under DATA_DIR/pki outside production, article 3 professions and 1 h codes', () => {
    const sut = disclosureConfig.map(env(), core);

    expect(sut.trust.devPkiDir).toBe('/data/pki');
    expect(sut.policy.allowedProfessions).toEqual([
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
    expect(sut.requestTtlMs).toBe(3_600_000);
    expect(disclosureConfig.check!(env(), { isProduction: false })).toEqual([]);
  });

  it('makes production configure roots and CRLs, check revocation and keep the bridge on loopback', () => {
    const problems = disclosureConfig.check!(
      env({ DISCLOSURE_REVOCATION: 'off', DISCLOSURE_SMARTCARD_BRIDGE_URL: 'http://bridge.example:8765' }),
      { isProduction: true },
    );

    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'DISCLOSURE_TRUSTED_ROOTS',
      'DISCLOSURE_CRL_LOCATIONS',
      'DISCLOSURE_REVOCATION',
      'DISCLOSURE_SMARTCARD_BRIDGE_URL',
    ]);
    expect(disclosureConfig.map(env(), { ...core, isProduction: true }).trust.devPkiDir).toBeNull();
  });

  it('names invalid profession and role codes', () => {
    expect(
      disclosureConfig.check!(
        env({ DISCLOSURE_ALLOWED_PROFESSIONS: '01,1', DISCLOSURE_ALLOWED_ROLES: '01.015,01.15' }),
        { isProduction: false },
      ),
    ).toEqual(['DISCLOSURE_ALLOWED_PROFESSIONS: invalid 1', 'DISCLOSURE_ALLOWED_ROLES: invalid 01.15']);
  });
});

describe('ApprovalVerifier trust loading', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('generates the development PKI once (with PKCS#12 files for the portal) and reuses it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'veilig-devpki-'));
    const config = configWith(disclosureConfig.map(env(), { ...core, dataDir }));

    await new ApprovalVerifier(config, new SystemClock()).ready();
    const manifest = readFileSync(join(dataDir, 'pki', 'manifest.json'), 'utf8');
    await new ApprovalVerifier(config, new SystemClock()).ready();

    expect(readFileSync(join(dataDir, 'pki', 'manifest.json'), 'utf8')).toBe(manifest);
    expect(existsSync(join(dataDir, 'pki', 'intermediate.crl'))).toBe(true);
    const token = await readPkcs12(readFileSync(join(dataDir, 'pki', 'huisarts.p12')), DEV_PKI_PASSWORD);
    expect(token.keyAlgorithm).toBe('RSA');
  }, 60_000);

  it('refuses the development root in production', async () => {
    const pki = await sharedTestPki();
    const dir = mkdtempSync(join(tmpdir(), 'veilig-prodpki-'));
    writeFileSync(join(dir, 'root.pem'), derToPem(pki.root.der, 'CERTIFICATE'));
    writeFileSync(join(dir, 'ca.crl'), pki.intermediateCrl);
    const disclosure = disclosureConfig.map(
      env({ DISCLOSURE_TRUSTED_ROOTS: join(dir, 'root.pem'), DISCLOSURE_CRL_LOCATIONS: join(dir, 'ca.crl') }),
      { ...core, isProduction: true },
    );

    await expect(
      new ApprovalVerifier(configWith(disclosure, true), new SystemClock()).ready(),
    ).rejects.toThrow(/development PKI root is refused in production/);
    await expect(
      new ApprovalVerifier(configWith(disclosure, false), new SystemClock()).ready(),
    ).resolves.toBeDefined();
  }, 60_000);
});
