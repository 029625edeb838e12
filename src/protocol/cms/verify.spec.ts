import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bufferSource, sha256, toHex, utf8 } from './bytes';
import { CrlSet } from './crl';
import type { CmsRefusalReason } from './refusal';
import { CmsSigningError, cryptoKeySigner, signCms } from './sign';
import {
  generateKeyPair,
  issueCertificate,
  issueCrl,
  mutateSignedData,
  rsaKeyWithSha1,
  sharedTestPki,
  signWithPkijsDefaults,
  type TestPki,
} from './testing';
import { TrustStore } from './trust-store';
import { verifyCms } from './verify';

const content = utf8('veilig test content');
const HOUR = 3600_000;

describe('verifyCms', () => {
  let pki: TestPki;
  let trust: TrustStore;

  beforeAll(async () => {
    pki = await sharedTestPki();
    trust = await TrustStore.create(pki.trust);
  }, 120_000);

  const refusal = (reason: CmsRefusalReason) => expect.objectContaining({ name: 'RefusalError', reason });

  describe('round trips', () => {
    it.each([
      ['huisarts', false],
      ['huisarts', true],
      ['huisartsEcdsa', false],
      ['huisartsEcdsa', true],
    ] as const)('verifies what %s signs (detached: %s)', async (name, detached) => {
      const signer = pki.signers[name];
      const cms = await signCms({ content, signer: signer.signer(), detached, signingTime: pki.now });

      const sut = await verifyCms(cms, { trust, content: detached ? content : undefined, now: pki.now });

      expect(sut.signatureVerified).toBe(true);
      expect(sut.detached).toBe(detached);
      expect(sut.content).toEqual(content);
      expect(sut.signingTime).toEqual(pki.now);
      expect(sut.digestAlgorithm).toBe('SHA-256');
      expect(sut.signer.subject.fields.CN).toBe(
        signer.certificate.cert.subject.typesAndValues.find((t) => t.type === '2.5.4.3')?.value.valueBlock
          .value,
      );
      expect(sut.signer.country).toBe('NL');
      expect(sut.signer.thumbprintSha256).toBe(toHex(await sha256(signer.certificate.der)));
      expect(sut.signer.serialNumber).toBe(
        toHex(signer.certificate.cert.serialNumber.valueBlock.valueHexView),
      );
      expect(sut.chain.map((c) => c.subject.fields.CN)).toEqual([
        sut.signer.subject.fields.CN,
        'TEST UZI-register Zorgverlener CA G3',
        'TEST Veilig Zorg Root CA',
      ]);
    });

    it('builds the path from configured intermediates when the CMS carries only the signer certificate', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer(), includeChain: false });

      await expect(verifyCms(cms, { trust, now: pki.now })).resolves.toMatchObject({
        signatureVerified: true,
      });
    });

    it('uses intermediates carried in the CMS when none are configured', async () => {
      const rootsOnly = await TrustStore.create({ roots: pki.trust.roots });
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });

      await expect(verifyCms(cms, { trust: rootsOnly, now: pki.now })).resolves.toMatchObject({
        signatureVerified: true,
      });
    });

    it('accepts a valid signature checked against a current CRL that does not list the signer', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });

      await expect(
        verifyCms(cms, {
          trust,
          now: pki.now,
          crls: [pki.intermediateCrl, pki.rootCrl],
          revocation: 'chain',
        }),
      ).resolves.toMatchObject({ signatureVerified: true });
    });

    it('emits DER with sorted signed attributes and SHA-256 everywhere', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(bufferSource(cms)).content });

      const sut = sd.signerInfos[0];

      expect(sd.digestAlgorithms.map((a) => a.algorithmId)).toEqual(['2.16.840.1.101.3.4.2.1']);
      expect(sut.digestAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.1');
      expect(sut.signatureAlgorithm.algorithmId).toBe('1.2.840.113549.1.1.11');
      expect(sut.signedAttrs?.attributes.map((a) => a.type)).toEqual([
        '1.2.840.113549.1.9.3',
        '1.2.840.113549.1.9.5',
        '1.2.840.113549.1.9.4',
      ]);
      expect(new Uint8Array(pkijs.ContentInfo.fromBER(bufferSource(cms)).toSchema().toBER(false))).toEqual(
        cms,
      );
    });
  });

  describe('refusals', () => {
    it('MALFORMED_CMS for garbage, truncation, trailing bytes and other content types', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const dataContentInfo = new Uint8Array(
        new pkijs.ContentInfo({
          contentType: '1.2.840.113549.1.7.1',
          content: new asn1js.OctetString({ valueHex: content }),
        })
          .toSchema()
          .toBER(false),
      );

      for (const sut of [
        new Uint8Array(0),
        utf8('not a CMS'),
        cms.subarray(0, cms.length - 10),
        Uint8Array.of(...cms, 0),
        dataContentInfo,
      ]) {
        await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('MALFORMED_CMS'));
      }
    });

    it('MALFORMED_CMS for two signers, missing signed attributes, or a contentType attribute that differs', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const twoSigners = mutateSignedData(cms, (sd) => sd.signerInfos.push(sd.signerInfos[0]));
      const noAttrs = await signWithPkijsDefaults({
        content,
        privateKey: pki.signers.huisarts.certificate.keys.privateKey,
        certificate: pki.signers.huisarts.certificate.der,
        hash: 'SHA-256',
        signedAttributes: false,
      });
      const otherType = mutateSignedData(cms, (sd) => {
        sd.encapContentInfo.eContentType = '1.2.840.113549.1.9.16.1.4';
      });

      for (const sut of [twoSigners, noAttrs, otherType]) {
        await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('MALFORMED_CMS'));
      }
    });

    it('UNSUPPORTED_ALGORITHM for a valid SHA-1 signature (the pkijs default)', async () => {
      const signer = pki.signers.huisarts;
      const sut = await signWithPkijsDefaults({
        content,
        privateKey: await rsaKeyWithSha1(signer.certificate.keys.privateKey),
        certificate: signer.certificate.der,
        signingTime: pki.now,
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('UNSUPPORTED_ALGORITHM'));
    });

    it('UNSUPPORTED_ALGORITHM for an RSA key under 2048 bits', async () => {
      const keys = await crypto.subtle.generateKey(
        {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 1024,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        },
        true,
        ['sign', 'verify'],
      );
      const weak = await issueCertificate({
        subject: [['CN', 'weak key']],
        issuer: pki.intermediate,
        keys,
        keyAlgorithm: 'RSA',
        notBefore: new Date(pki.now.getTime() - HOUR),
        notAfter: new Date(pki.now.getTime() + HOUR),
        keyUsage: ['nonRepudiation'],
      });
      const sut = await signWithPkijsDefaults({
        content,
        privateKey: keys.privateKey,
        certificate: weak.der,
        hash: 'SHA-256',
        signingTime: pki.now,
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('UNSUPPORTED_ALGORITHM'));
    });

    it('SIGNER_CERTIFICATE_NOT_FOUND when the signer certificate is not included', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const sut = mutateSignedData(cms, (sd) => {
        sd.certificates = sd.certificates?.slice(1);
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(
        refusal('SIGNER_CERTIFICATE_NOT_FOUND'),
      );
    });

    it('CONTENT_MISSING for a detached signature without content', async () => {
      const sut = await signCms({ content, signer: pki.signers.huisarts.signer(), detached: true });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('CONTENT_MISSING'));
    });

    it('CONTENT_MISMATCH for other detached content, or supplied content differing from the encapsulated one', async () => {
      const detached = await signCms({ content, signer: pki.signers.huisarts.signer(), detached: true });
      const attached = await signCms({ content, signer: pki.signers.huisarts.signer() });

      await expect(
        verifyCms(detached, { trust, now: pki.now, content: utf8('other content') }),
      ).rejects.toEqual(refusal('CONTENT_MISMATCH'));
      await expect(
        verifyCms(attached, { trust, now: pki.now, content: utf8('other content') }),
      ).rejects.toEqual(refusal('CONTENT_MISMATCH'));
    });

    it('CONTENT_MISMATCH when the encapsulated content was altered', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const sut = mutateSignedData(cms, (sd) => {
        sd.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: utf8('veilig test CONTENT') });
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('CONTENT_MISMATCH'));
    });

    it.each(['huisarts', 'huisartsEcdsa'] as const)(
      'BAD_SIGNATURE when the %s signature value is altered',
      async (name) => {
        const cms = await signCms({ content, signer: pki.signers[name].signer() });
        const sut = mutateSignedData(cms, (sd) => {
          const sig = new Uint8Array(sd.signerInfos[0].signature.valueBlock.valueHexView);
          sig[sig.length - 3] ^= 0x01;
          sd.signerInfos[0].signature = new asn1js.OctetString({ valueHex: sig });
        });

        await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('BAD_SIGNATURE'));
      },
    );

    it('BAD_SIGNATURE when another key signed (signer certificate swapped)', async () => {
      const mine = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const other = pki.signers.arts.certificate;
      const sut = mutateSignedData(mine, (sd) => {
        sd.certificates = [other.cert];
        sd.signerInfos[0].sid = new pkijs.IssuerAndSerialNumber({
          issuer: other.cert.issuer,
          serialNumber: other.cert.serialNumber,
        });
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('BAD_SIGNATURE'));
    });

    it('SIGNING_TIME_MISSING unless explicitly allowed', async () => {
      const signer = pki.signers.huisarts;
      const sut = await signWithPkijsDefaults({
        content,
        privateKey: signer.certificate.keys.privateKey,
        certificate: signer.certificate.der,
        hash: 'SHA-256',
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('SIGNING_TIME_MISSING'));
      await expect(verifyCms(sut, { trust, now: pki.now, requireSigningTime: false })).resolves.toMatchObject(
        { signingTime: null },
      );
    });

    it('SIGNING_TIME_IN_FUTURE beyond the clock skew, SIGNATURE_TOO_OLD beyond the maximum age', async () => {
      const future = await signCms({
        content,
        signer: pki.signers.huisarts.signer(),
        signingTime: new Date(pki.now.getTime() + HOUR),
      });
      const old = await signCms({
        content,
        signer: pki.signers.huisarts.signer(),
        signingTime: new Date(pki.now.getTime() - 2 * HOUR),
      });

      await expect(verifyCms(future, { trust, now: pki.now })).rejects.toEqual(
        refusal('SIGNING_TIME_IN_FUTURE'),
      );
      await expect(verifyCms(old, { trust, now: pki.now, maxSignatureAgeMs: HOUR })).rejects.toEqual(
        refusal('SIGNATURE_TOO_OLD'),
      );
      await expect(verifyCms(old, { trust, now: pki.now })).resolves.toMatchObject({
        signatureVerified: true,
      });
    });

    it('UNTRUSTED_CHAIN for a certificate under an impostor root with the same names', async () => {
      const sut = await signCms({ content, signer: pki.signers.impostor.signer() });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('UNTRUSTED_CHAIN'));
    });

    it('UNTRUSTED_CHAIN for a self-signed signer and for a trust store holding another root', async () => {
      const keys = await generateKeyPair('ECDSA');
      const self = await issueCertificate({
        subject: [['CN', 'self']],
        keys,
        keyAlgorithm: 'ECDSA',
        notBefore: new Date(pki.now.getTime() - HOUR),
        notAfter: new Date(pki.now.getTime() + HOUR),
        keyUsage: ['nonRepudiation'],
      });
      const selfSigned = await signCms({ content, signer: cryptoKeySigner(keys.privateKey, self.der) });
      const otherTrust = await TrustStore.create({ roots: [pki.impostorRoot.der] });
      const genuine = await signCms({ content, signer: pki.signers.huisarts.signer() });

      await expect(verifyCms(selfSigned, { trust, now: pki.now })).rejects.toEqual(
        refusal('UNTRUSTED_CHAIN'),
      );
      await expect(verifyCms(genuine, { trust: otherTrust, now: pki.now })).rejects.toEqual(
        refusal('UNTRUSTED_CHAIN'),
      );
    });

    it('CERTIFICATE_EXPIRED when the signer certificate had expired at the signing time', async () => {
      const sut = await signCms({ content, signer: pki.signers.expired.signer(), signingTime: pki.now });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(refusal('CERTIFICATE_EXPIRED'));
    });

    it('CERTIFICATE_NOT_YET_VALID when the signing time lies before the certificate validity', async () => {
      const sut = await signCms({
        content,
        signer: pki.signers.huisarts.signer(),
        signingTime: new Date(pki.now.getTime() - 40 * 24 * HOUR),
      });

      await expect(verifyCms(sut, { trust, now: pki.now })).rejects.toEqual(
        refusal('CERTIFICATE_NOT_YET_VALID'),
      );
    });

    it('CERTIFICATE_REVOKED when a current CRL lists the signer, even for a signature dated before the revocation', async () => {
      const sut = await signCms({
        content,
        signer: pki.signers.revoked.signer(),
        signingTime: new Date(pki.now.getTime() - 2 * 24 * HOUR),
      });

      await expect(verifyCms(sut, { trust, now: pki.now, crls: [pki.intermediateCrl] })).rejects.toEqual(
        refusal('CERTIFICATE_REVOKED'),
      );
    });

    it('REVOCATION_UNKNOWN without a usable CRL: none, stale, forged, or missing for the intermediate', async () => {
      const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
      const stale = await issueCrl({
        issuer: pki.intermediate,
        revoked: [],
        thisUpdate: new Date(pki.now.getTime() - 72 * HOUR),
        nextUpdate: new Date(pki.now.getTime() - 24 * HOUR),
      });
      // Same issuer name as the genuine CA, other key: must not count as a CRL of the genuine CA.
      const forged = await issueCrl({
        issuer: pki.impostorIntermediate,
        revoked: [],
        thisUpdate: pki.now,
        nextUpdate: new Date(pki.now.getTime() + HOUR),
      });

      await expect(verifyCms(cms, { trust, now: pki.now, revocation: 'leaf' })).rejects.toEqual(
        refusal('REVOCATION_UNKNOWN'),
      );
      await expect(verifyCms(cms, { trust, now: pki.now, crls: [stale] })).rejects.toEqual(
        refusal('REVOCATION_UNKNOWN'),
      );
      await expect(verifyCms(cms, { trust, now: pki.now, crls: [forged] })).rejects.toEqual(
        refusal('REVOCATION_UNKNOWN'),
      );
      await expect(
        verifyCms(cms, { trust, now: pki.now, crls: [pki.intermediateCrl], revocation: 'chain' }),
      ).rejects.toEqual(refusal('REVOCATION_UNKNOWN'));
    });

    it('a forged CRL listing nobody does not hide a revocation in the genuine CRL', async () => {
      const forged = await issueCrl({
        issuer: pki.impostorIntermediate,
        revoked: [],
        thisUpdate: pki.now,
        nextUpdate: new Date(pki.now.getTime() + HOUR),
      });
      const sut = await signCms({ content, signer: pki.signers.revoked.signer() });

      await expect(
        verifyCms(sut, { trust, now: pki.now, crls: CrlSet.from([forged, pki.intermediateCrl]) }),
      ).rejects.toEqual(refusal('CERTIFICATE_REVOKED'));
    });

    it('NOT_A_SIGNATURE_CERTIFICATE for an authentication certificate when nonRepudiation is required, and for a CA signer', async () => {
      const auth = await signCms({ content, signer: pki.signers.authentication.signer() });
      const byCa = await signCms({
        content,
        signer: cryptoKeySigner(pki.intermediate.keys.privateKey, pki.intermediate.der),
      });

      await expect(
        verifyCms(auth, { trust, now: pki.now, requiredKeyUsage: 'nonRepudiation' }),
      ).rejects.toEqual(refusal('NOT_A_SIGNATURE_CERTIFICATE'));
      await expect(verifyCms(auth, { trust, now: pki.now })).resolves.toMatchObject({
        signatureVerified: true,
      });
      await expect(verifyCms(byCa, { trust, now: pki.now })).rejects.toEqual(
        refusal('NOT_A_SIGNATURE_CERTIFICATE'),
      );
    });
  });

  describe('signCms', () => {
    it('refuses empty content and a key that does not belong to the certificate', async () => {
      const mismatched = cryptoKeySigner(
        pki.signers.arts.certificate.keys.privateKey,
        pki.signers.huisarts.certificate.der,
      );

      await expect(
        signCms({ content: new Uint8Array(0), signer: pki.signers.huisarts.signer() }),
      ).rejects.toMatchObject({ code: 'EMPTY_CONTENT' });
      await expect(signCms({ content, signer: mismatched })).rejects.toBeInstanceOf(CmsSigningError);
      await expect(signCms({ content, signer: mismatched })).rejects.toMatchObject({
        code: 'KEY_CERTIFICATE_MISMATCH',
      });
    });

    it('refuses an RSA key bound to SHA-1', async () => {
      const sha1Key = await rsaKeyWithSha1(pki.signers.huisarts.certificate.keys.privateKey);

      await expect(async () =>
        cryptoKeySigner(sha1Key, pki.signers.huisarts.certificate.der),
      ).rejects.toMatchObject({ code: 'UNSUPPORTED_KEY' });
    });
  });
});
