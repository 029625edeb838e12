/**
 * Test support: build and alter CMS structures the way other producers (or attackers) would, to prove the
 * verifier refuses them. Not for production use.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bufferSource, sha256 } from '../bytes';
import { parseCertificate } from '../certificate';
import { cmsCrypto } from '../crypto-engine';
import { OID } from '../oids';

/**
 * Parses a CMS, lets `mutate` change the pkijs SignedData, and re-encodes it (DER).
 * Spec: RFC 5652 §5.
 */
export function mutateSignedData(
  cms: Uint8Array,
  mutate: (signedData: pkijs.SignedData) => void,
): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(bufferSource(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  mutate(signedData);
  return new Uint8Array(
    new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) })
      .toSchema()
      .toBER(false),
  );
}

/** Options of `signWithPkijsDefaults`. */
export interface PkijsSignOptions {
  readonly content: Uint8Array;
  readonly privateKey: CryptoKey;
  readonly certificate: Uint8Array;
  /** Hash passed to pkijs `SignedData.sign` (pkijs' own default is SHA-1). */
  readonly hash?: 'SHA-1' | 'SHA-256';
  /** Which signed attributes to include. Default: contentType and messageDigest only (no signingTime). */
  readonly signingTime?: Date;
  readonly signedAttributes?: boolean;
}

/**
 * Signs the way a naive pkijs integration does: `SignedData.sign` with its defaults. Used to show that
 * SHA-1 and missing signing times are refused.
 * Spec: RFC 5652 §5.4 as pkijs implements it.
 */
export async function signWithPkijsDefaults(options: PkijsSignOptions): Promise<Uint8Array> {
  const crypto = cmsCrypto();
  const cert = parseCertificate(options.certificate);
  const hash = options.hash ?? 'SHA-1';
  const digest =
    hash === 'SHA-256'
      ? await sha256(options.content)
      : new Uint8Array(await crypto.digest('SHA-1', bufferSource(options.content)));
  const attributes = [
    new pkijs.Attribute({
      type: OID.contentTypeAttr,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    ...(options.signingTime
      ? [
          new pkijs.Attribute({
            type: OID.signingTimeAttr,
            values: [new asn1js.UTCTime({ valueDate: options.signingTime })],
          }),
        ]
      : []),
    new pkijs.Attribute({
      type: OID.messageDigestAttr,
      values: [new asn1js.OctetString({ valueHex: digest })],
    }),
  ];
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID.data,
      eContent: new asn1js.OctetString({ valueHex: bufferSource(options.content) }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        ...(options.signedAttributes === false
          ? {}
          : { signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }) }),
      }),
    ],
    certificates: [cert],
  });
  await signedData.sign(options.privateKey, 0, hash, undefined, crypto);
  return new Uint8Array(
    new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) })
      .toSchema()
      .toBER(false),
  );
}

/**
 * Imports a copy of an RSA private key bound to SHA-1 (only to build SHA-1 signatures in tests).
 * Spec: RFC 8017 §8.2; RFC 5754 (what we refuse).
 */
export async function rsaKeyWithSha1(privateKey: CryptoKey): Promise<CryptoKey> {
  const pkcs8 = await cmsCrypto().exportKey('pkcs8', privateKey);
  return cmsCrypto().importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['sign']);
}
