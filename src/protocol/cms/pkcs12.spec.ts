import { utf8 } from './bytes';
import { Pkcs12Error, readPkcs12, writePkcs12 } from './pkcs12';
import { cryptoKeySigner, signCms } from './sign';
import { sharedTestPki, type TestPki } from './testing';
import { TrustStore } from './trust-store';
import { verifyUziSignature } from './uzi';

describe('PKCS#12', () => {
  let pki: TestPki;
  let trust: TrustStore;

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
  }, 120_000);

  it.each(['huisarts', 'huisartsEcdsa'] as const)(
    'round-trips the %s key and chain, and the key signs verifiable approvals',
    async (name) => {
      const signer = pki.signers[name];
      const p12 = await writePkcs12({
        privateKey: signer.certificate.keys.privateKey,
        certificate: signer.certificate.der,
        chain: [pki.intermediate.der, pki.root.der],
        password: 'correct horse',
        friendlyName: 'Anna de Vries',
      });

      const sut = await readPkcs12(p12, 'correct horse');

      expect(sut.certificate).toEqual(signer.certificate.der);
      expect(sut.chain).toEqual([pki.intermediate.der, pki.root.der]);
      expect(sut.keyAlgorithm).toBe(name === 'huisarts' ? 'RSA' : 'ECDSA');
      expect(sut.friendlyName).toBe('Anna de Vries');
      expect(sut.privateKey.extractable).toBe(false);
      const cms = await signCms({
        content: utf8('approval'),
        signer: cryptoKeySigner(sut.privateKey, sut.certificate, sut.chain),
      });
      await expect(verifyUziSignature(cms, { trust, now: new Date() })).resolves.toMatchObject({
        uzi: { role: '01.015' },
      });
    },
  );

  it('orders the chain from the leaf upwards whatever the file order', async () => {
    const signer = pki.signers.arts;
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      chain: [pki.root.der, pki.intermediate.der],
      password: 'pw',
    });

    const sut = await readPkcs12(p12, 'pw');

    expect(sut.chain).toEqual([pki.intermediate.der, pki.root.der]);
  });

  it('supports non-ASCII passwords', async () => {
    const signer = pki.signers.huisartsEcdsa;
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      password: 'wachtwoord-ë€',
    });

    await expect(readPkcs12(p12, 'wachtwoord-ë€')).resolves.toMatchObject({ keyAlgorithm: 'ECDSA' });
  });

  it('reports a wrong password as WRONG_PASSWORD', async () => {
    const signer = pki.signers.huisartsEcdsa;
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      password: 'right',
    });

    await expect(readPkcs12(p12, 'wrong')).rejects.toBeInstanceOf(Pkcs12Error);
    await expect(readPkcs12(p12, 'wrong')).rejects.toMatchObject({ code: 'WRONG_PASSWORD' });
  });

  it('reports garbage as MALFORMED_PKCS12', async () => {
    await expect(readPkcs12(utf8('not a p12 file'), 'x')).rejects.toMatchObject({ code: 'MALFORMED_PKCS12' });
    await expect(readPkcs12(new Uint8Array(0), 'x')).rejects.toMatchObject({ code: 'MALFORMED_PKCS12' });
  });

  it('can hand out an extractable key when asked', async () => {
    const signer = pki.signers.huisartsEcdsa;
    const p12 = await writePkcs12({
      privateKey: signer.certificate.keys.privateKey,
      certificate: signer.certificate.der,
      password: 'pw',
    });

    await expect(readPkcs12(p12, 'pw', { extractable: true })).resolves.toMatchObject({
      privateKey: { extractable: true },
    });
  });
});
