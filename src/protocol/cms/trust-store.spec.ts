import { derToPem, pemToDer, pemToDerAll } from './pem';
import { sharedTestPki, type TestPki } from './testing';
import { TrustStore, TrustStoreConfigError } from './trust-store';

describe('TrustStore.create', () => {
  let pki: TestPki;

  beforeAll(async () => {
    pki = await sharedTestPki();
  }, 120_000);

  it('accepts self-signed CA roots and CA intermediates', async () => {
    const sut = await TrustStore.create(pki.trust);

    expect(sut.roots).toHaveLength(1);
    expect(sut.intermediates).toHaveLength(1);
  });

  it.each([
    ['no roots', () => ({ roots: [] })],
    ['a leaf as root', (p: TestPki) => ({ roots: [p.signers.huisarts.certificate.der] })],
    ['an intermediate as root', (p: TestPki) => ({ roots: [p.intermediate.der] })],
    ['garbage', () => ({ roots: [new Uint8Array([0x30, 0x03, 1, 2, 3])] })],
    [
      'a leaf as intermediate',
      (p: TestPki) => ({ roots: [p.root.der], intermediates: [p.signers.huisarts.certificate.der] }),
    ],
  ])('refuses %s', async (_label, config) => {
    await expect(TrustStore.create(config(pki))).rejects.toBeInstanceOf(TrustStoreConfigError);
  });

  it('reads PEM bundles', async () => {
    const bundle = derToPem(pki.root.der, 'CERTIFICATE') + derToPem(pki.impostorRoot.der, 'CERTIFICATE');

    const sut = await TrustStore.create({ roots: pemToDerAll(bundle, 'CERTIFICATE') });

    expect(sut.roots.map((r) => r.der)).toEqual([pki.root.der, pki.impostorRoot.der]);
    expect(pemToDer(bundle, 'CERTIFICATE')).toEqual(pki.root.der);
    expect(() => pemToDer(bundle, 'X509 CRL')).toThrow(TypeError);
  });
});
