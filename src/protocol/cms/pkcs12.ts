/**
 * PKCS#12 (RFC 7292) soft tokens for the browser portal: read a `.p12` + password into a WebCrypto
 * `CryptoKey` and certificate chain, and write one (the test PKI and `npm run pki:dev` use this).
 *
 * We write password-privacy PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) for both the key and the certificates
 * and an HMAC-SHA256 integrity MAC — the OpenSSL 3 defaults — because WebCrypto (and so pkijs in the browser)
 * has no RC2 or 3DES for the legacy PKCS#12 PBE schemes. Reading refuses those legacy files with a
 * message saying how to re-export them.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodeDer } from './asn1';
import { type BytesLike, bufferSource, bytesEqual, toArrayBuffer, toBytes, utf8 } from './bytes';
import { parseCertificate } from './certificate';
import { cmsCrypto } from './crypto-engine';
import { OID } from './oids';

/** What a PKCS#12 file yielded: a signing key, its certificate and the other certificates (issuer first). */
export interface Pkcs12Contents {
  readonly privateKey: CryptoKey;
  readonly keyAlgorithm: 'RSA' | 'ECDSA';
  /** DER of the certificate belonging to the key. */
  readonly certificate: Uint8Array;
  /** DER of the other certificates, issuer of `certificate` first when present. */
  readonly chain: readonly Uint8Array[];
  readonly friendlyName: string | undefined;
}

export type Pkcs12ErrorCode =
  'MALFORMED_PKCS12' | 'WRONG_PASSWORD' | 'UNSUPPORTED_PKCS12' | 'NO_PRIVATE_KEY' | 'NO_MATCHING_CERTIFICATE';

/** Thrown by `readPkcs12`; `code` is what the portal shows ("wrong password", "re-export the file"). */
export class Pkcs12Error extends Error {
  override readonly name = 'Pkcs12Error';

  constructor(
    readonly code: Pkcs12ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Upper bound on KDF iterations we run for a file, so a crafted file cannot freeze the browser. */
export const MAX_PKCS12_ITERATIONS = 2_000_000;

/** Options of `readPkcs12`. */
export interface ReadPkcs12Options {
  /** Make the imported private key extractable. Default false: the key stays inside WebCrypto. */
  readonly extractable?: boolean;
}

interface Bag {
  readonly localKeyId?: Uint8Array;
  readonly friendlyName?: string;
}

/**
 * Opens a password-protected PKCS#12 file and imports its private key for signing (RFC 7292 §4–§5).
 * @throws Pkcs12Error
 */
export async function readPkcs12(
  p12: BytesLike,
  password: string,
  options: ReadPkcs12Options = {},
): Promise<Pkcs12Contents> {
  const crypto = cmsCrypto();
  const pw = toArrayBuffer(utf8(password));
  let pfx: pkijs.PFX;
  try {
    pfx = new pkijs.PFX({ schema: decodeDer(p12, 'PKCS#12') });
  } catch (error) {
    throw new Pkcs12Error('MALFORMED_PKCS12', `not a PKCS#12 file: ${message(error)}`);
  }
  if (pfx.authSafe.contentType !== OID.data)
    throw new Pkcs12Error('UNSUPPORTED_PKCS12', 'only password-integrity PKCS#12 files are supported');
  if (!pfx.macData) throw new Pkcs12Error('UNSUPPORTED_PKCS12', 'the file has no integrity MAC');
  checkIterations(pfx.macData.iterations ?? 1);
  try {
    await pfx.parseInternalValues({ password: pw, checkIntegrity: true }, crypto);
  } catch (error) {
    if (/integrity/i.test(message(error)))
      throw new Pkcs12Error('WRONG_PASSWORD', 'the password is wrong (integrity check failed)');
    throw new Pkcs12Error('MALFORMED_PKCS12', message(error));
  }

  const authenticatedSafe = pfx.parsedValue!.authenticatedSafe!;
  const perContent = authenticatedSafe.safeContents.map((ci) => {
    if (ci.contentType === OID.data) return {};
    if (ci.contentType === OID.encryptedData) {
      // Parse a copy: pkijs' fromSchema annotates the block it reads, and parseInternalValues reads it again below.
      const copy = decodeDer((ci.content as asn1js.AsnType).toBER(false), 'EncryptedData');
      checkPbes2(new pkijs.EncryptedData({ schema: copy }).encryptedContentInfo.contentEncryptionAlgorithm);
      return { password: pw };
    }
    throw new Pkcs12Error(
      'UNSUPPORTED_PKCS12',
      `safe contents of type ${ci.contentType} (public-key privacy) are not supported`,
    );
  });
  try {
    await authenticatedSafe.parseInternalValues({ safeContents: perContent }, crypto);
  } catch (error) {
    throw new Pkcs12Error('WRONG_PASSWORD', `cannot decrypt the certificates: ${message(error)}`);
  }

  const keys: (Bag & { info: pkijs.PrivateKeyInfo })[] = [];
  const certs: (Bag & { der: Uint8Array })[] = [];
  for (const { value } of (authenticatedSafe.parsedValue as { safeContents: { value: pkijs.SafeContents }[] })
    .safeContents) {
    for (const bag of value.safeBags) {
      const attrs = bagAttributes(bag);
      if (bag.bagId === OID.pkcs8ShroudedKeyBag) {
        const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
        checkPbes2(shrouded.encryptionAlgorithm);
        let info: pkijs.PrivateKeyInfo;
        try {
          const encrypted = new pkijs.EncryptedData({
            encryptedContentInfo: new pkijs.EncryptedContentInfo({
              contentEncryptionAlgorithm: shrouded.encryptionAlgorithm,
              encryptedContent: shrouded.encryptedData,
            }),
          });
          info = pkijs.PrivateKeyInfo.fromBER(await encrypted.decrypt({ password: pw }, crypto));
        } catch (error) {
          throw new Pkcs12Error('WRONG_PASSWORD', `cannot decrypt the private key: ${message(error)}`);
        }
        keys.push({ ...attrs, info });
      } else if (bag.bagId === OID.keyBag) {
        keys.push({ ...attrs, info: bag.bagValue as pkijs.PrivateKeyInfo });
      } else if (bag.bagId === OID.certBag) {
        const certBag = bag.bagValue as pkijs.CertBag;
        if (certBag.certId === OID.x509Certificate) {
          certs.push({
            ...attrs,
            der: new Uint8Array((certBag.certValue as asn1js.OctetString).valueBlock.valueHexView),
          });
        }
      }
    }
  }
  if (keys.length === 0) throw new Pkcs12Error('NO_PRIVATE_KEY', 'the file contains no private key');

  for (const key of keys) {
    const match =
      certs.find((c) => key.localKeyId && c.localKeyId && bytesEqual(key.localKeyId, c.localKeyId)) ??
      certs.find((c) => samePublicKey(key.info, c.der));
    if (!match) continue;
    const { privateKey, keyAlgorithm } = await importPrivateKey(key.info, options.extractable ?? false);
    return {
      privateKey,
      keyAlgorithm,
      certificate: match.der,
      chain: orderChain(
        match.der,
        certs.filter((c) => c !== match).map((c) => c.der),
      ),
      friendlyName: key.friendlyName ?? match.friendlyName,
    };
  }
  throw new Pkcs12Error('NO_MATCHING_CERTIFICATE', 'no certificate in the file belongs to the private key');
}

/** Options of `writePkcs12`. */
export interface WritePkcs12Options {
  /** An extractable private key (exported as PKCS#8). */
  readonly privateKey: CryptoKey;
  readonly certificate: BytesLike;
  /** Issuer certificates, issuer first. */
  readonly chain?: readonly BytesLike[];
  readonly password: string;
  readonly friendlyName?: string;
  /** PBKDF2 and MAC iterations. Default 2048 (the OpenSSL default). */
  readonly iterations?: number;
}

/**
 * Writes a PKCS#12 file: PBES2/AES-256-CBC + PBKDF2-HMAC-SHA256 for key and certificates, HMAC-SHA256 MAC
 * (RFC 7292, RFC 8018), readable by pkijs in the browser and by `openssl pkcs12`.
 */
export async function writePkcs12(options: WritePkcs12Options): Promise<Uint8Array> {
  const crypto = cmsCrypto();
  const password = toArrayBuffer(utf8(options.password));
  const iterations = options.iterations ?? 2048;
  const certificate = toBytes(options.certificate);
  const pkcs8 = await crypto.exportKey('pkcs8', options.privateKey);
  const localKeyId = new Uint8Array(await crypto.digest('SHA-1', bufferSource(certificate)));
  const attributes = [
    ...(options.friendlyName
      ? [
          new pkijs.Attribute({
            type: OID.friendlyName,
            values: [new asn1js.BmpString({ value: options.friendlyName })],
          }),
        ]
      : []),
    new pkijs.Attribute({ type: OID.localKeyId, values: [new asn1js.OctetString({ valueHex: localKeyId })] }),
  ];
  const encryption = {
    password,
    // pkijs draws the IV itself; its type nevertheless asks for one.
    contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as pkijs.ContentEncryptionAlgorithm,
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: iterations,
  };

  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(pkcs8) });
  await keyBag.makeInternalValues(encryption, crypto);
  const certBags = [certificate, ...(options.chain ?? []).map(toBytes)].map(
    (der, i) =>
      new pkijs.SafeBag({
        bagId: OID.certBag,
        bagValue: new pkijs.CertBag({ parsedValue: parseCertificate(der) }),
        ...(i === 0 ? { bagAttributes: attributes } : {}),
      }),
  );
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            {
              privacyMode: 0,
              value: new pkijs.SafeContents({
                safeBags: [
                  new pkijs.SafeBag({
                    bagId: OID.pkcs8ShroudedKeyBag,
                    bagValue: keyBag,
                    bagAttributes: attributes,
                  }),
                ],
              }),
            },
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
          ],
        },
      }),
    },
  });
  await pfx.parsedValue!.authenticatedSafe!.makeInternalValues({ safeContents: [{}, encryption] }, crypto);
  await pfx.makeInternalValues(
    { password, iterations, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' },
    crypto,
  );
  return new Uint8Array(pfx.toSchema().toBER(false));
}

function checkIterations(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PKCS12_ITERATIONS)
    throw new Pkcs12Error('UNSUPPORTED_PKCS12', `iteration count ${n} is out of range`);
}

function checkPbes2(algorithm: pkijs.AlgorithmIdentifier): void {
  if (algorithm.algorithmId !== OID.pbes2) {
    throw new Pkcs12Error(
      'UNSUPPORTED_PKCS12',
      `legacy encryption ${algorithm.algorithmId}; re-export with: openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256`,
    );
  }
  try {
    const pbes2 = new pkijs.PBES2Params({ schema: algorithm.algorithmParams });
    const pbkdf2 = new pkijs.PBKDF2Params({ schema: pbes2.keyDerivationFunc.algorithmParams });
    checkIterations(pbkdf2.iterationCount);
  } catch (error) {
    if (error instanceof Pkcs12Error) throw error;
    throw new Pkcs12Error('MALFORMED_PKCS12', `bad PBES2 parameters: ${message(error)}`);
  }
}

function bagAttributes(bag: pkijs.SafeBag): Bag {
  let localKeyId: Uint8Array | undefined;
  let friendlyName: string | undefined;
  for (const attribute of bag.bagAttributes ?? []) {
    const value = attribute.values[0] as asn1js.AsnType | undefined;
    if (attribute.type === OID.localKeyId && value instanceof asn1js.OctetString)
      localKeyId = new Uint8Array(value.valueBlock.valueHexView);
    if (attribute.type === OID.friendlyName && value instanceof asn1js.BmpString)
      friendlyName = value.valueBlock.value;
  }
  return { localKeyId, friendlyName };
}

function samePublicKey(info: pkijs.PrivateKeyInfo, certDer: Uint8Array): boolean {
  try {
    const spki = parseCertificate(certDer).subjectPublicKeyInfo;
    const parsed = info.parsedKey;
    if (parsed instanceof pkijs.RSAPrivateKey && spki.parsedKey instanceof pkijs.RSAPublicKey) {
      return bytesEqual(
        parsed.modulus.valueBlock.valueHexView,
        spki.parsedKey.modulus.valueBlock.valueHexView,
      );
    }
    if (parsed instanceof pkijs.ECPrivateKey && parsed.publicKey) {
      return bytesEqual(parsed.publicKey.toSchema().toBER(false), spki.subjectPublicKey.toBER(false));
    }
  } catch {
    return false;
  }
  return false;
}

async function importPrivateKey(
  info: pkijs.PrivateKeyInfo,
  extractable: boolean,
): Promise<{ privateKey: CryptoKey; keyAlgorithm: 'RSA' | 'ECDSA' }> {
  const pkcs8 = info.toSchema().toBER(false);
  const oid = info.privateKeyAlgorithm.algorithmId;
  try {
    if (oid === OID.rsaEncryption) {
      const privateKey = await cmsCrypto().importKey(
        'pkcs8',
        pkcs8,
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        extractable,
        ['sign'],
      );
      return { privateKey, keyAlgorithm: 'RSA' };
    }
    if (oid === OID.ecPublicKey) {
      const params = info.privateKeyAlgorithm.algorithmParams as asn1js.AsnType | undefined;
      const curveOid = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
      const namedCurve = curveOid === OID.p256 ? 'P-256' : curveOid === OID.p384 ? 'P-384' : undefined;
      if (namedCurve) {
        const privateKey = await cmsCrypto().importKey(
          'pkcs8',
          pkcs8,
          { name: 'ECDSA', namedCurve },
          extractable,
          ['sign'],
        );
        return { privateKey, keyAlgorithm: 'ECDSA' };
      }
    }
  } catch (error) {
    throw new Pkcs12Error('UNSUPPORTED_PKCS12', `cannot import the private key: ${message(error)}`);
  }
  throw new Pkcs12Error('UNSUPPORTED_PKCS12', `private key algorithm ${oid} is not RSA or EC P-256/P-384`);
}

/** Orders the other certificates as a chain from the leaf's issuer upwards; leftovers keep their order at the end. */
function orderChain(leafDer: Uint8Array, others: readonly Uint8Array[]): Uint8Array[] {
  const parsed = others.map((der) => ({ der, cert: parseCertificate(der) }));
  const ordered: Uint8Array[] = [];
  let current = parseCertificate(leafDer);
  for (;;) {
    if (current.subject.isEqual(current.issuer)) break;
    const issuer = parsed.find((p) => !ordered.includes(p.der) && p.cert.subject.isEqual(current.issuer));
    if (!issuer) break;
    ordered.push(issuer.der);
    current = issuer.cert;
  }
  return [...ordered, ...parsed.map((p) => p.der).filter((der) => !ordered.includes(der))];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
