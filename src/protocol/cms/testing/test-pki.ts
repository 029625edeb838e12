/**
 * An UZI-like test PKI generated in-process with pkijs + WebCrypto (no files, no openssl):
 * root → "TEST UZI-register Zorgverlener CA" → professional certificates, plus the awkward cases the
 * signature checks must refuse. Used by tests (once per test file), the benchmark and `npm run pki:dev`.
 * Pure TypeScript over WebCrypto, so a browser test could create it too.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bufferSource } from '../bytes';
import { type KeyUsageName, KEY_USAGE_NAMES } from '../certificate';
import { cmsCrypto } from '../crypto-engine';
import { OID } from '../oids';
import { type CmsSigner, cryptoKeySigner } from '../sign';
import type { UziCardType } from '../uzi';

export type KeyAlgorithm = 'RSA' | 'ECDSA';

/** `[shortName, value]` pairs in encoded order, most significant first (`C` … `CN`). */
export type NameSpec = readonly (readonly [keyof typeof NAME_OIDS, string])[];

const NAME_OIDS = {
  C: '2.5.4.6',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  serialNumber: '2.5.4.5',
  title: '2.5.4.12',
  givenName: '2.5.4.42',
  surname: '2.5.4.4',
  organizationIdentifier: '2.5.4.97',
  L: '2.5.4.7',
} as const;

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/**
 * Generates a WebCrypto signing key pair: RSA-2048 (PKCS#1 v1.5, SHA-256, e = 65537) or ECDSA P-256.
 * Extractable, because the PKI writes PKCS#12 and PEM files. Spec: docs/protocols/uzi.md §U2 (RSA 2048); RFC
 * 5480 (P-256).
 */
export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const params =
    algorithm === 'RSA'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  return cmsCrypto().generateKey(params, true, ['sign', 'verify']);
}

/** A generated certificate with its key pair. */
export interface IssuedCertificate {
  readonly der: Uint8Array;
  readonly cert: pkijs.Certificate;
  readonly keys: CryptoKeyPair;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly subjectKeyIdentifier: Uint8Array;
}

/** What to put in a certificate. Times are Dates. */
export interface CertificateSpec {
  readonly subject: NameSpec;
  /** The issuing CA; omit for a self-signed root. */
  readonly issuer?: IssuedCertificate;
  readonly keys: CryptoKeyPair;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** CA certificate with an optional path length constraint. */
  readonly ca?: { readonly pathLength?: number };
  readonly keyUsage: readonly KeyUsageName[];
  readonly extendedKeyUsage?: readonly string[];
  readonly policies?: readonly string[];
  /** subjectAltName otherNames as IA5Strings: `[typeId, value]`. */
  readonly otherNames?: readonly (readonly [string, string])[];
  readonly crlDistributionPoint?: string;
  /** Positive serial bytes; random 16 bytes when omitted. */
  readonly serialNumber?: Uint8Array;
}

/**
 * Issues (signs) an X.509 v3 certificate with SHA-256 (RFC 5280 §4.1), key identifiers included so
 * path building can match issuers by key.
 */
export async function issueCertificate(spec: CertificateSpec): Promise<IssuedCertificate> {
  const crypto = cmsCrypto();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: spec.serialNumber ?? randomSerial() });
  cert.subject = buildName(spec.subject);
  cert.issuer = spec.issuer ? spec.issuer.cert.subject : cert.subject;
  cert.notBefore = timeOf(spec.notBefore);
  cert.notAfter = timeOf(spec.notAfter);
  await cert.subjectPublicKeyInfo.importKey(spec.keys.publicKey, crypto);
  const ski = new Uint8Array(
    await crypto.digest(
      'SHA-1',
      bufferSource(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    ),
  );
  const aki = spec.issuer ? spec.issuer.subjectKeyIdentifier : ski;

  const extensions: pkijs.Extension[] = [
    extension(
      OID.basicConstraints,
      true,
      new asn1js.Sequence({
        value: spec.ca
          ? [
              new asn1js.Boolean({ value: true }),
              ...(spec.ca.pathLength !== undefined
                ? [new asn1js.Integer({ value: spec.ca.pathLength })]
                : []),
            ]
          : [],
      }),
    ),
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ski })),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new asn1js.Sequence({
        value: [new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: aki })],
      }),
    ),
  ];
  if (spec.extendedKeyUsage?.length) {
    extensions.push(
      extension(
        OID.extKeyUsage,
        false,
        new asn1js.Sequence({
          value: spec.extendedKeyUsage.map((o) => new asn1js.ObjectIdentifier({ value: o })),
        }),
      ),
    );
  }
  if (spec.policies?.length) {
    extensions.push(
      extension(
        OID.certificatePolicies,
        false,
        new asn1js.Sequence({
          value: spec.policies.map(
            (p) => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: p })] }),
          ),
        }),
      ),
    );
  }
  if (spec.otherNames?.length) {
    const names = spec.otherNames.map(
      ([typeId, value]) =>
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [
            new asn1js.ObjectIdentifier({ value: typeId }),
            new asn1js.Constructed({
              idBlock: { tagClass: 3, tagNumber: 0 },
              value: [new asn1js.IA5String({ value })],
            }),
          ],
        }),
    );
    extensions.push(extension(OID.subjectAltName, false, new asn1js.Sequence({ value: names })));
  }
  if (spec.crlDistributionPoint) {
    // DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] } } }
    const uri = new asn1js.Primitive({
      idBlock: { tagClass: 3, tagNumber: 6 },
      valueHex: new TextEncoder().encode(spec.crlDistributionPoint),
    });
    const point = new asn1js.Sequence({
      value: [
        new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [uri] })],
        }),
      ],
    });
    extensions.push(extension(OID.crlDistributionPoints, false, new asn1js.Sequence({ value: [point] })));
  }
  cert.extensions = extensions;

  await cert.sign(spec.issuer ? spec.issuer.keys.privateKey : spec.keys.privateKey, 'SHA-256', crypto);
  const der = new Uint8Array(cert.toSchema(true).toBER(false));
  return {
    der,
    cert: pkijs.Certificate.fromBER(der),
    keys: spec.keys,
    keyAlgorithm: spec.keyAlgorithm,
    subjectKeyIdentifier: ski,
  };
}

/** One revoked certificate for `issueCrl`. */
export interface RevokedEntry {
  readonly certificate: IssuedCertificate;
  readonly revokedAt: Date;
}

/** Issues a CRL v2 signed with SHA-256, with authorityKeyIdentifier and cRLNumber (RFC 5280 §5). */
export async function issueCrl(options: {
  readonly issuer: IssuedCertificate;
  readonly revoked: readonly RevokedEntry[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber?: number;
}): Promise<Uint8Array> {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = options.issuer.cert.subject;
  crl.thisUpdate = timeOf(options.thisUpdate);
  crl.nextUpdate = timeOf(options.nextUpdate);
  if (options.revoked.length) {
    crl.revokedCertificates = options.revoked.map(
      (r) =>
        new pkijs.RevokedCertificate({
          userCertificate: r.certificate.cert.serialNumber,
          revocationDate: timeOf(r.revokedAt),
        }),
    );
  }
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      extension(
        OID.authorityKeyIdentifier,
        false,
        new asn1js.Sequence({
          value: [
            new asn1js.Primitive({
              idBlock: { tagClass: 3, tagNumber: 0 },
              valueHex: options.issuer.subjectKeyIdentifier,
            }),
          ],
        }),
      ),
      extension(OID.crlNumber, false, new asn1js.Integer({ value: options.crlNumber ?? 1 })),
    ],
  });
  await crl.sign(options.issuer.keys.privateKey, 'SHA-256', cmsCrypto());
  return new Uint8Array((crl.toSchema(true) as asn1js.Sequence).toBER(false));
}

/**
 * Builds the UZI otherName value (docs/protocols/uzi.md §U5):
 * `<OID CA>-1-<UZI number>-<card>-<subscriber>-<role>-<AGB>`.
 */
export function uziOtherNameValue(fields: {
  caOid?: string;
  uziNumber: string;
  cardType: UziCardType;
  subscriberNumber?: string;
  role: string;
  agbCode?: string;
}): string {
  return [
    fields.caOid ?? OID.uziZorgverlenerCa,
    '1',
    fields.uziNumber,
    fields.cardType,
    fields.subscriberNumber ?? '90000123',
    fields.role,
    fields.agbCode ?? '00000000',
  ].join('-');
}

/** A signing identity of the test PKI. */
export interface TestSigner {
  readonly name: TestSignerName;
  /** What this identity is for, e.g. "huisarts (01.015), RSA-2048". */
  readonly description: string;
  readonly certificate: IssuedCertificate;
  /** DER of the intermediate(s), issuer first. */
  readonly chain: readonly Uint8Array[];
  /** The UZI otherName value, when the certificate has one. */
  readonly uziName: string | undefined;
  /** A `CmsSigner` for `signCms`, with the chain. */
  signer(): CmsSigner;
}

/** The identities of the test PKI. */
export const TEST_SIGNER_NAMES = [
  'huisarts',
  'huisartsEcdsa',
  'arts',
  'verpleegkundige',
  'apotheker',
  'dietist',
  'logopedist',
  'medewerker',
  'authentication',
  'expired',
  'revoked',
  'impostor',
] as const;
export type TestSignerName = (typeof TEST_SIGNER_NAMES)[number];

/** The generated PKI. All DER. */
export interface TestPki {
  /** The clock the PKI was generated against. */
  readonly now: Date;
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  /** CRL of the intermediate (lists `revoked`), valid 48 h from `now - 1 h` unless configured. */
  readonly intermediateCrl: Uint8Array;
  /** CRL of the root (lists no intermediates), for `revocation: 'chain'`. */
  readonly rootCrl: Uint8Array;
  /** A root with the *same names* as `root` but other keys, with its intermediate: the impostor hierarchy. */
  readonly impostorRoot: IssuedCertificate;
  readonly impostorIntermediate: IssuedCertificate;
  readonly signers: Readonly<Record<TestSignerName, TestSigner>>;
  /** Trust configuration for `TrustStore.create`: the genuine root only. */
  readonly trust: { readonly roots: readonly Uint8Array[]; readonly intermediates: readonly Uint8Array[] };
}

/** Options of `createTestPki`. */
export interface TestPkiOptions {
  /** The clock to generate against. Default: now. */
  readonly now?: Date;
  /**
   * Validity of the CRLs from `now - 1 h`. Default 48 h (the UZI-register's window,
   * docs/protocols/uzi.md §U3).
   */
  readonly crlValidityMs?: number;
  /** Base for CRL distribution point URLs. */
  readonly crlBaseUrl?: string;
}

interface Profile {
  readonly name: TestSignerName;
  readonly description: string;
  readonly givenName: string;
  readonly surname: string;
  readonly title: string;
  readonly uziNumber: string;
  readonly role: string;
  readonly cardType: UziCardType;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly kind?: 'authentication' | 'expired' | 'revoked' | 'impostor';
}

const PROFILES: readonly Profile[] = [
  {
    name: 'huisarts',
    description: 'huisarts (01.015), Z card signature certificate, RSA-2048',
    givenName: 'Anna',
    surname: 'de Vries',
    title: 'Huisarts',
    uziNumber: '900000101',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'huisartsEcdsa',
    description: 'huisarts (01.015), Z card signature certificate, ECDSA P-256',
    givenName: 'Bram',
    surname: 'Jansen',
    title: 'Huisarts',
    uziNumber: '900000102',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'ECDSA',
  },
  {
    name: 'arts',
    description: 'arts without specialism (01.000)',
    givenName: 'Chris',
    surname: 'Bakker',
    title: 'Arts',
    uziNumber: '900000103',
    role: '01.000',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'verpleegkundige',
    description: 'verpleegkundige (30.000)',
    givenName: 'Dewi',
    surname: 'Visser',
    title: 'Verpleegkundige',
    uziNumber: '900000104',
    role: '30.000',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'apotheker',
    description: 'openbaar apotheker (17.075)',
    givenName: 'Emre',
    surname: 'Smit',
    title: 'Apotheker',
    uziNumber: '900000105',
    role: '17.075',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'dietist',
    description: 'diëtist (89.000), not article 3',
    givenName: 'Fleur',
    surname: 'Meijer',
    title: 'Diëtist',
    uziNumber: '900000106',
    role: '89.000',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'logopedist',
    description: 'logopedist (91.000), not article 3',
    givenName: 'Gijs',
    surname: 'de Boer',
    title: 'Logopedist',
    uziNumber: '900000107',
    role: '91.000',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'medewerker',
    description: 'medewerker op naam, N card (00.000)',
    givenName: 'Hanna',
    surname: 'Mulder',
    title: 'Doktersassistent',
    uziNumber: '900000108',
    role: '00.000',
    cardType: 'N',
    keyAlgorithm: 'RSA',
  },
  {
    name: 'authentication',
    description: 'huisarts authentication certificate (digitalSignature only)',
    givenName: 'Anna',
    surname: 'de Vries',
    title: 'Huisarts',
    uziNumber: '900000101',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
    kind: 'authentication',
  },
  {
    name: 'expired',
    description: 'huisarts, certificate expired yesterday',
    givenName: 'Ivo',
    surname: 'de Groot',
    title: 'Huisarts',
    uziNumber: '900000109',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
    kind: 'expired',
  },
  {
    name: 'revoked',
    description: 'huisarts, certificate revoked (listed in the CRL)',
    givenName: 'Jet',
    surname: 'Bos',
    title: 'Huisarts',
    uziNumber: '900000110',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
    kind: 'revoked',
  },
  {
    name: 'impostor',
    description: 'huisarts under an impostor root with the same names',
    givenName: 'Karel',
    surname: 'Vos',
    title: 'Huisarts',
    uziNumber: '900000111',
    role: '01.015',
    cardType: 'Z',
    keyAlgorithm: 'RSA',
    kind: 'impostor',
  },
];

const ROOT_NAME: NameSpec = [
  ['C', 'NL'],
  ['O', 'Veilig test PKI'],
  ['CN', 'TEST Veilig Zorg Root CA'],
];
const INTERMEDIATE_NAME: NameSpec = [
  ['C', 'NL'],
  ['organizationIdentifier', 'NTRNL-50000535'],
  ['O', 'CIBG (test)'],
  ['CN', 'TEST UZI-register Zorgverlener CA G3'],
];

/**
 * Creates the whole test PKI in-process (about 1–3 s on two cores: RSA key generation dominates). Every
 * certificate is relative to `options.now`, so tests control time. Spec: docs/protocols/uzi.md §U2–§U5
 * (profile, chain, subject, otherName); RFC 5280.
 */
export async function createTestPki(options: TestPkiOptions = {}): Promise<TestPki> {
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const base = options.crlBaseUrl ?? 'http://crl.veilig.test';
  const at = (offset: number): Date => new Date(now.getTime() + offset);

  const keyAlgorithms: KeyAlgorithm[] = ['RSA', 'RSA', 'RSA', 'RSA', ...PROFILES.map((p) => p.keyAlgorithm)];
  const keys = await Promise.all(keyAlgorithms.map(generateKeyPair));
  const [rootKeys, intermediateKeys, impostorRootKeys, impostorIntermediateKeys] = keys;
  const leafKeys = keys.slice(4);

  const caUsage: KeyUsageName[] = ['keyCertSign', 'cRLSign'];
  const root = await issueCertificate({
    subject: ROOT_NAME,
    keys: rootKeys,
    keyAlgorithm: 'RSA',
    notBefore: at(-YEAR),
    notAfter: at(20 * YEAR),
    ca: {},
    keyUsage: caUsage,
  });
  const intermediate = await issueCertificate({
    subject: INTERMEDIATE_NAME,
    issuer: root,
    keys: intermediateKeys,
    keyAlgorithm: 'RSA',
    notBefore: at(-YEAR),
    notAfter: at(10 * YEAR),
    ca: { pathLength: 0 },
    keyUsage: caUsage,
    crlDistributionPoint: `${base}/root.crl`,
  });
  const impostorRoot = await issueCertificate({
    subject: ROOT_NAME,
    keys: impostorRootKeys,
    keyAlgorithm: 'RSA',
    notBefore: at(-YEAR),
    notAfter: at(20 * YEAR),
    ca: {},
    keyUsage: caUsage,
  });
  const impostorIntermediate = await issueCertificate({
    subject: INTERMEDIATE_NAME,
    issuer: impostorRoot,
    keys: impostorIntermediateKeys,
    keyAlgorithm: 'RSA',
    notBefore: at(-YEAR),
    notAfter: at(10 * YEAR),
    ca: { pathLength: 0 },
    keyUsage: caUsage,
  });

  const signers = {} as Record<TestSignerName, TestSigner>;
  for (const [i, profile] of PROFILES.entries()) {
    const issuer = profile.kind === 'impostor' ? impostorIntermediate : intermediate;
    const authentication = profile.kind === 'authentication';
    const caOid = profile.cardType === 'N' ? OID.uziMedewerkerOpNaamCa : OID.uziZorgverlenerCa;
    const uziName = uziOtherNameValue({
      caOid,
      uziNumber: profile.uziNumber,
      cardType: profile.cardType,
      role: profile.role,
    });
    const otherNames: [string, string][] = [[OID.uziOtherName, uziName]];
    if (authentication) otherNames.push([OID.microsoftUpn, `${profile.uziNumber}@90000123`]);
    const notBefore = profile.kind === 'expired' ? at(-3 * YEAR - DAY) : at(-30 * DAY);
    const notAfter = profile.kind === 'expired' ? at(-DAY) : at(3 * YEAR - 30 * DAY);
    const certificate = await issueCertificate({
      subject: [
        ['C', 'NL'],
        ['O', 'Huisartsenpraktijk Test'],
        ['CN', `${profile.givenName} ${profile.surname}`],
        ['serialNumber', profile.uziNumber],
        ['title', profile.title],
        ['givenName', profile.givenName],
        ['surname', profile.surname],
      ],
      issuer,
      keys: leafKeys[i],
      keyAlgorithm: profile.keyAlgorithm,
      notBefore,
      notAfter,
      keyUsage: authentication ? ['digitalSignature'] : ['nonRepudiation'],
      extendedKeyUsage: authentication ? ['1.3.6.1.5.5.7.3.2'] : [OID.emailProtection, OID.documentSigning],
      policies: [authentication ? OID.uziAuthenticationPolicy : OID.uziSignaturePolicy],
      otherNames,
      crlDistributionPoint: `${base}/zorgverlener.crl`,
    });
    const chain = [issuer.der];
    signers[profile.name] = {
      name: profile.name,
      description: profile.description,
      certificate,
      chain,
      uziName,
      signer: () => cryptoKeySigner(certificate.keys.privateKey, certificate.der, chain),
    };
  }

  const crlWindow = options.crlValidityMs ?? 48 * 3600_000;
  const intermediateCrl = await issueCrl({
    issuer: intermediate,
    revoked: [{ certificate: signers.revoked.certificate, revokedAt: at(-DAY) }],
    thisUpdate: at(-3600_000),
    nextUpdate: at(-3600_000 + crlWindow),
  });
  const rootCrl = await issueCrl({
    issuer: root,
    revoked: [],
    thisUpdate: at(-3600_000),
    nextUpdate: at(-3600_000 + crlWindow),
  });

  return {
    now,
    root,
    intermediate,
    intermediateCrl,
    rootCrl,
    impostorRoot,
    impostorIntermediate,
    signers,
    trust: { roots: [root.der], intermediates: [intermediate.der] },
  };
}

const memo = new Map<string, Promise<TestPki>>();

/**
 * `createTestPki` memoised per process and `now` (rounded to the minute): test files share one PKI instead of
 * generating ~16 RSA keys per `describe`. Spec: docs/protocols/uzi.md §U3 (a chain shaped like the
 * UZI-register's).
 */
export function sharedTestPki(now: Date = new Date()): Promise<TestPki> {
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  const key = minute.toISOString();
  let pki = memo.get(key);
  if (!pki) memo.set(key, (pki = createTestPki({ now: minute })));
  return pki;
}

function buildName(spec: NameSpec): pkijs.RelativeDistinguishedNames {
  // pkijs would put all attributes into one multi-valued RDN; real CAs use one attribute per RDN.
  const sequence = new asn1js.Sequence({
    value: spec.map(
      ([name, value]) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: NAME_OIDS[name] }),
                name === 'C' || name === 'serialNumber'
                  ? new asn1js.PrintableString({ value })
                  : new asn1js.Utf8String({ value }),
              ],
            }),
          ],
        }),
    ),
  });
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(sequence.toBER(false)).result });
}

function timeOf(date: Date): pkijs.Time {
  return new pkijs.Time({ type: date.getUTCFullYear() >= 2050 ? 1 : 0, value: date });
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

function keyUsageBits(usages: readonly KeyUsageName[]): asn1js.BitString {
  const indices = usages.map((u) => KEY_USAGE_NAMES.indexOf(u));
  const highest = Math.max(...indices);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const i of indices) bytes[i >> 3] |= 0x80 >> (i & 7);
  // DER (X.690 §11.2.2): no trailing zero bits, so the unused-bit count follows the highest set bit.
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest & 7) });
}

function randomSerial(): Uint8Array {
  const bytes = cmsCrypto().getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes;
}
