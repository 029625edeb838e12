/**
 * The PKCS#11 layer against SoftHSM2, a real PKCS#11 module: tokens made by the test in a temp dir, an
 * UZI-shaped RSA-2048 signature certificate and an ECDSA P-256 one from the test PKI, and OpenSSL
 * (node:crypto) checking every signature the token makes.
 */
import { verify, X509Certificate } from 'node:crypto';
import { utf8 } from '../cms/bytes';
import { signCms } from '../cms/sign';
import { sharedTestPki, type TestPki } from '../cms/testing';
import { TrustStore } from '../cms/trust-store';
import { verifyUziSignature } from '../cms/uzi';
import { pkcs11CmsSigner } from './cms-signer';
import { Pkcs11Error, toPkcs11Error } from './errors';
import { SoftHsm } from './testing/softhsm';
import { Pkcs11Module, type Pkcs11Session } from './token';

const PIN = '482913';
/** Unique in this run's SoftHSM2 (other test files add their own tokens). */
const LABEL = `UZI-pas ${process.pid}-${Date.now() % 100000}`;
const RSA_ID = Uint8Array.of(0x01);
const EC_ID = Uint8Array.of(0x02);

const failure = (code: string, extra: Record<string, unknown> = {}) =>
  expect.objectContaining({ name: 'Pkcs11Error', code, ...extra });

describe('PKCS#11 layer (SoftHSM2)', () => {
  let pki: TestPki;
  let hsm: SoftHsm;
  let sut: Pkcs11Module;

  beforeAll(async () => {
    pki = await sharedTestPki();
    hsm = SoftHsm.ofThisProcess();
    await hsm.createToken({
      label: LABEL,
      pin: PIN,
      keys: [
        {
          id: RSA_ID,
          label: 'Handtekening',
          privateKey: pki.signers.huisarts.certificate.keys.privateKey,
          certificate: pki.signers.huisarts.certificate.der,
        },
        {
          id: EC_ID,
          label: 'Handtekening EC',
          privateKey: pki.signers.huisartsEcdsa.certificate.keys.privateKey,
          certificate: pki.signers.huisartsEcdsa.certificate.der,
        },
      ],
    });
  }, 120_000);

  describe('with a token', () => {
    let session: Pkcs11Session;

    beforeAll(() => {
      sut = Pkcs11Module.load(hsm.modulePath);
      session = sut.openSession({ label: LABEL });
    });
    afterAll(() => {
      session?.close();
      sut?.close();
    });

    it('lists the token and finds it by label or slot', () => {
      const token = sut.tokens().find((t) => t.label === LABEL);

      expect(token).toMatchObject({
        model: 'SoftHSM v2',
        pinLocked: false,
        protectedAuthenticationPath: false,
      });
      expect(sut.findToken({ slot: token!.slot }).label).toBe(LABEL);
      expect(sut.info().manufacturer).toBe('SoftHSM');
    });

    it('refuses an unknown label or slot with NO_TOKEN', () => {
      expect(() => sut.findToken({ label: 'other card' })).toThrow(failure('NO_TOKEN'));
      expect(() => sut.openSession({ slot: 4242 })).toThrow(failure('NO_TOKEN'));
    });

    it('lists the certificates before login; the private keys only after', () => {
      const certificates = session.certificates();

      expect(certificates.map((c) => [c.label, Buffer.from(c.id).toString('hex')])).toEqual(
        expect.arrayContaining([
          ['Handtekening', '01'],
          ['Handtekening EC', '02'],
        ]),
      );
      expect(certificates.find((c) => c.label === 'Handtekening')?.der).toEqual(
        pki.signers.huisarts.certificate.der,
      );
      expect(() => session.privateKey({ id: RSA_ID })).toThrow(failure('KEY_NOT_FOUND'));
    });

    it('maps a wrong PIN to PIN_INCORRECT with the tries the token reports, then logs in', () => {
      expect(() => session.login('000000')).toThrow(
        failure('PIN_INCORRECT', { ckr: 'CKR_PIN_INCORRECT', pinStatus: 'count-low' }),
      );
      session.login(PIN);
      session.login(PIN); // already logged in is fine

      expect(session.privateKey({ label: 'Handtekening' })).toMatchObject({ keyType: 'RSA' });
      expect(session.privateKeyFor(session.certificates()[0]).id).toEqual(session.certificates()[0].id);
    });

    it.each([
      ['RSA-PKCS1', RSA_ID, 'huisarts'],
      ['RSA-PSS', RSA_ID, 'huisarts'],
      ['ECDSA', EC_ID, 'huisartsEcdsa'],
    ] as const)('signs with %s; OpenSSL verifies the signature', async (name, id, signer) => {
      session.login(PIN);
      const data = utf8(`to be signed with ${name}`);

      const signature = await session.sign(session.privateKey({ id }), { name }, data);

      const { publicKey } = new X509Certificate(Buffer.from(pki.signers[signer].certificate.der));
      const key =
        name === 'RSA-PSS'
          ? { key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 }
          : name === 'ECDSA'
            ? { key: publicKey, dsaEncoding: 'der' as const }
            : publicKey;
      expect(verify('sha256', data, key, signature)).toBe(true);
    });

    it('refuses a mechanism that does not fit the key', async () => {
      session.login(PIN);

      await expect(
        session.sign(session.privateKey({ id: EC_ID }), { name: 'RSA-PKCS1' }, utf8('x')),
      ).rejects.toEqual(failure('UNSUPPORTED_MECHANISM'));
    });

    it('signs a CMS approval that verifies as the huisarts UZI signature', async () => {
      session.login(PIN);
      const [certificate] = session.certificates().filter((c) => c.label === 'Handtekening');
      const signer = pkcs11CmsSigner(session, session.privateKeyFor(certificate), certificate.der, [
        pki.intermediate.der,
      ]);

      const cms = await signCms({ content: utf8('veilig approval'), signer });

      await expect(
        verifyUziSignature(cms, { trust: await TrustStore.create(pki.trust), now: new Date() }),
      ).resolves.toMatchObject({ uzi: { uziNumber: '900000101', role: '01.015' } });
    });
  });

  it('refuses a library that is not a PKCS#11 module (MODULE_LOAD_FAILED)', () => {
    expect(() => Pkcs11Module.load('/nonexistent/libcardos11.so')).toThrow(failure('MODULE_LOAD_FAILED'));
  });

  it.each([
    ['CKR_PIN_LOCKED', 'PIN_LOCKED'],
    ['CKR_USER_PIN_NOT_INITIALIZED', 'PIN_LOCKED'],
    ['CKR_PIN_LEN_RANGE', 'PIN_INVALID'],
    ['CKR_FUNCTION_CANCELED', 'CANCELLED'],
    ['CKR_DEVICE_REMOVED', 'NO_TOKEN'],
    ['CKR_TOKEN_NOT_PRESENT', 'NO_TOKEN'],
    ['CKR_DEVICE_ERROR', 'DEVICE_ERROR'],
  ])('maps %s to %s', (ckr, code) => {
    const sut = toPkcs11Error(new Error(`${ckr}:42`), 'C_Login');

    expect(sut).toBeInstanceOf(Pkcs11Error);
    expect(sut).toMatchObject({ code, ckr });
  });
});
