/**
 * The node:crypto verify backend must reach the same verdicts as the default WebCrypto one: run the
 * round trips and the signature-level refusals through it.
 */
import * as asn1js from 'asn1js';
import { utf8 } from './bytes';
import { useWebCrypto, verifyBackend } from './crypto-engine';
import { useNodeCrypto } from './node-backend';
import type { CmsRefusalReason } from './refusal';
import { signCms } from './sign';
import { issueCrl, mutateSignedData, sharedTestPki, type TestPki } from './testing';
import { TrustStore } from './trust-store';
import { verifyUziSignature } from './uzi';

const refusal = (reason: CmsRefusalReason) => expect.objectContaining({ name: 'RefusalError', reason });

describe('node:crypto verify backend', () => {
  let pki: TestPki;
  let trust: TrustStore;
  const content = utf8('node backend');

  beforeAll(async () => {
    pki = await sharedTestPki();
    useNodeCrypto();
    trust = await TrustStore.create(pki.trust);
  }, 120_000);

  afterAll(() => useWebCrypto(globalThis.crypto));

  it('is installed', () => {
    expect(verifyBackend().name).toBe('node');
  });

  it.each([
    ['huisarts', false],
    ['huisartsEcdsa', true],
  ] as const)('verifies %s signatures (detached: %s) with CRLs', async (name, detached) => {
    const cms = await signCms({ content, signer: pki.signers[name].signer(), detached });

    await expect(
      verifyUziSignature(cms, {
        trust,
        now: pki.now,
        content: detached ? content : undefined,
        crls: [pki.intermediateCrl, pki.rootCrl],
        revocation: 'chain',
      }),
    ).resolves.toMatchObject({ uzi: { role: '01.015' } });
  });

  it.each(['huisarts', 'huisartsEcdsa'] as const)('refuses an altered %s signature', async (name) => {
    const cms = await signCms({ content, signer: pki.signers[name].signer() });
    const sut = mutateSignedData(cms, (sd) => {
      const sig = new Uint8Array(sd.signerInfos[0].signature.valueBlock.valueHexView);
      sig[10] ^= 0x40;
      sd.signerInfos[0].signature = new asn1js.OctetString({ valueHex: sig });
    });

    await expect(verifyUziSignature(sut, { trust, now: pki.now })).rejects.toEqual(refusal('BAD_SIGNATURE'));
  });

  it.each([
    ['impostor', 'UNTRUSTED_CHAIN'],
    ['revoked', 'CERTIFICATE_REVOKED'],
    ['expired', 'CERTIFICATE_EXPIRED'],
  ] as const)('refuses the %s with %s', async (name, reason) => {
    const cms = await signCms({ content, signer: pki.signers[name].signer(), signingTime: pki.now });

    await expect(
      verifyUziSignature(cms, { trust, now: pki.now, crls: [pki.intermediateCrl] }),
    ).rejects.toEqual(refusal(reason));
  });

  it('refuses a forged CRL', async () => {
    const cms = await signCms({ content, signer: pki.signers.huisarts.signer() });
    const forged = await issueCrl({
      issuer: pki.impostorIntermediate,
      revoked: [],
      thisUpdate: pki.now,
      nextUpdate: new Date(pki.now.getTime() + 3600_000),
    });

    await expect(verifyUziSignature(cms, { trust, now: pki.now, crls: [forged] })).rejects.toEqual(
      refusal('REVOCATION_UNKNOWN'),
    );
  });
});
