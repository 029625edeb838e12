/**
 * Test PKI for federation: a trust anchor that signs registry rows (as EFGS's onboarding script does with
 * `openssl dgst -sha256 -sign`), self-signed per-country AUTHENTICATION / SIGNING / CALLBACK certificates,
 * and TLS server certificates with IP subjectAltNames for loopback HTTPS listeners. Files go to `dir`.
 */
import * as asn1js from 'asn1js';
import { createHash, generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { cmsCrypto, derToPem } from '../../src/protocol/cms';
import { generateKeyPair, issueCertificate, type IssuedCertificate } from '../../src/protocol/cms/testing';

const DAY = 86_400_000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
  /** SHA-256 of the DER, lower-case hex (EFGS thumbprint). */
  thumbprint: string;
  /** Subject DN as `C=…,CN=…`, for the X-SSL-Client-DN header. */
  dn: string;
  issued: IssuedCertificate;
}

export interface TrustAnchor {
  publicKeyFile: string;
  /** Base64 signature over the PEM text, as `openssl dgst -sha256 -sign anchor.key cert.pem | base64`. */
  sign(pem: string): string;
}

/** An RSA trust anchor key pair; its public key file is what FEDERATION_TRUST_ANCHOR points at. */
export function createTrustAnchor(dir: string): TrustAnchor {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyFile = join(dir, 'trust-anchor.pub.pem');
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    publicKeyFile,
    sign: (pem) => sign('sha256', Buffer.from(pem, 'utf8'), privateKey).toString('base64'),
  };
}

async function files(dir: string, name: string, issued: IssuedCertificate): Promise<TestCertificate> {
  const certPem = derToPem(issued.der, 'CERTIFICATE');
  const keyPem = derToPem(
    new Uint8Array(await cmsCrypto().exportKey('pkcs8', issued.keys.privateKey)),
    'PRIVATE KEY',
  );
  const certFile = join(dir, `${name}.crt.pem`);
  const keyFile = join(dir, `${name}.key.pem`);
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  const x509 = new X509Certificate(certPem);
  return {
    certPem,
    keyPem,
    certFile,
    keyFile,
    thumbprint: createHash('sha256').update(x509.raw).digest('hex'),
    dn: x509.subject.split('\n').join(','),
    issued,
  };
}

/** A self-signed ECDSA P-256 certificate for a country, as EFGS members use for AUTHENTICATION and SIGNING. */
export async function countryCertificate(
  dir: string,
  name: string,
  country: string,
  role: 'AUTHENTICATION' | 'SIGNING',
  options: { expired?: boolean } = {},
): Promise<TestCertificate> {
  const now = Date.now();
  const issued = await issueCertificate({
    subject: [
      ['C', country],
      ['O', `${country} health authority (test)`],
      ['CN', `${country} ${role.toLowerCase()} ${name}`],
    ],
    keys: await generateKeyPair('ECDSA'),
    keyAlgorithm: 'ECDSA',
    notBefore: new Date(now - (options.expired ? 400 : 1) * DAY),
    notAfter: new Date(now + (options.expired ? -1 : 365) * DAY),
    keyUsage: ['digitalSignature'],
    ...(role === 'AUTHENTICATION' ? { extendedKeyUsage: [CLIENT_AUTH] } : {}),
  });
  return files(dir, name, issued);
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function name(attributes: [string, string][]): pkijs.RelativeDistinguishedNames {
  const oids: Record<string, string> = { C: '2.5.4.6', O: '2.5.4.10', CN: '2.5.4.3' };
  // One attribute per RDN, as CAs write names (pkijs' own constructor would make one multi-valued RDN).
  const sequence = new asn1js.Sequence({
    value: attributes.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: oids[type] }),
                type === 'C' ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }),
              ],
            }),
          ],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(sequence.toBER(false)).result });
}

/**
 * A self-signed TLS certificate for loopback listeners: subjectAltName IP 127.0.0.1 (and DNS localhost), EKU
 * serverAuth and clientAuth, so it also serves as a CALLBACK certificate for host 127.0.0.1
 * (docs/protocols/efgs.md §A6: callback certificates carry the host in CN and SAN).
 */
export async function tlsCertificate(
  dir: string,
  fileName: string,
  country: string,
): Promise<TestCertificate> {
  const crypto = cmsCrypto();
  const keys = await generateKeyPair('ECDSA');
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({
    valueHex: crypto.getRandomValues(new Uint8Array(12)).map((b, i) => (i === 0 ? (b & 0x7f) | 0x40 : b)),
  });
  cert.subject = name([
    ['C', country],
    ['CN', '127.0.0.1'],
  ]);
  cert.issuer = cert.subject;
  cert.notBefore = new pkijs.Time({ type: 0, value: new Date(Date.now() - DAY) });
  cert.notAfter = new pkijs.Time({ type: 0, value: new Date(Date.now() + 365 * DAY) });
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, crypto);
  const ip = new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: 7 },
    valueHex: new Uint8Array([127, 0, 0, 1]),
  });
  const dns = new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: 2 },
    valueHex: new TextEncoder().encode('localhost'),
  });
  cert.extensions = [
    extension('2.5.29.19', true, new asn1js.Sequence({ value: [] })),
    extension('2.5.29.15', true, new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    extension(
      '2.5.29.37',
      false,
      new asn1js.Sequence({
        value: [SERVER_AUTH, CLIENT_AUTH].map((o) => new asn1js.ObjectIdentifier({ value: o })),
      }),
    ),
    extension('2.5.29.17', false, new asn1js.Sequence({ value: [ip, dns] })),
  ];
  await cert.sign(keys.privateKey, 'SHA-256', crypto);
  const der = new Uint8Array(cert.toSchema(true).toBER(false));
  return files(dir, fileName, {
    der,
    cert: pkijs.Certificate.fromBER(der),
    keys,
    keyAlgorithm: 'ECDSA',
    subjectKeyIdentifier: new Uint8Array(),
  });
}
