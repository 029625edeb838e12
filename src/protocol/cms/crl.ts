/**
 * Revocation checking against CRLs (RFC 5280 §5, §6.3), as a pure function of CRL bytes and a clock.
 *
 * Rules, and why:
 * - A CRL counts only if its issuer name matches, its signature verifies with the issuing CA's key (our
 *   algorithm policy), the CA may sign CRLs (keyUsage cRLSign when present), `thisUpdate` is not in the
 *   future and `nextUpdate` has not passed *now*. Freshness is judged at "now", not at signing time: a
 *   stale list says nothing about today.
 * - Any usable CRL listing the certificate refuses it, whatever the revocation date: the signing time is
 *   chosen by the signer, so a stolen card could otherwise backdate signatures before its revocation.
 * - CRLs with a critical extension we do not implement (delta CRLs, issuing distribution points that
 *   narrow the scope, indirect entries) are not usable: treating them as complete could miss a revocation.
 */
import * as pkijs from 'pkijs';
import { importVerifyKey, signatureSchemeOf, verifySignatureValue } from './algorithms';
import { decodeDer } from './asn1';
import { type BytesLike, toBytes } from './bytes';
import { describeName, extensionFacts, fastNames } from './certificate';
import { OID } from './oids';
import { pemToDer } from './pem';
import { refuse } from './refusal';
import type { KnownCertificate } from './trust-store';

/** What must be covered by a usable CRL: nothing, the signer certificate, or every non-root certificate. */
export type RevocationMode = 'off' | 'leaf' | 'chain';

/** A parsed CRL with its DER. */
export interface ParsedCrl {
  readonly crl: pkijs.CertificateRevocationList;
  readonly der: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | null;
}

const HANDLED_CRL_EXTENSIONS = new Set<string>([OID.crlNumber, OID.authorityKeyIdentifier]);
const HANDLED_ENTRY_EXTENSIONS = new Set<string>([OID.crlReason, OID.invalidityDate]);

/**
 * Parses a CRL from DER or PEM (RFC 5280 §5.1).
 * @throws TypeError when the bytes are not one CRL.
 */
export function parseCrl(input: BytesLike | string): ParsedCrl {
  const der =
    typeof input === 'string'
      ? pemToDer(input, 'X509 CRL')
      : looksLikePem(toBytes(input))
        ? pemToDer(new TextDecoder().decode(toBytes(input)), 'X509 CRL')
        : toBytes(input);
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = new pkijs.CertificateRevocationList({ schema: decodeDer(der, 'CRL') });
  } catch (error) {
    throw new TypeError(`CRL: ${error instanceof Error ? error.message : String(error)}`);
  }
  crl.issuer = fastNames(crl.issuer);
  return { crl, der, thisUpdate: crl.thisUpdate.value, nextUpdate: crl.nextUpdate?.value ?? null };
}

function looksLikePem(bytes: Uint8Array): boolean {
  return bytes.length > 10 && new TextDecoder().decode(bytes.subarray(0, 64)).includes('-----BEGIN');
}

/**
 * A set of parsed CRLs that remembers which issuer verified which CRL, so the CRL signature costs one
 * verification per (CRL, issuer) for as long as the set is reused (the backend keeps one per refresh).
 * Spec: RFC 5280 §6.3.
 */
export class CrlSet {
  private readonly verified = new WeakMap<ParsedCrl, WeakMap<pkijs.Certificate, Promise<boolean>>>();

  constructor(readonly crls: readonly ParsedCrl[]) {}

  /**
   * Builds a set from DER/PEM CRLs.
   * @throws TypeError naming the first unparsable entry.
   */
  static from(inputs: readonly (BytesLike | string | ParsedCrl)[]): CrlSet {
    return new CrlSet(
      inputs.map((input, i) => {
        if (typeof input === 'object' && 'crl' in input) return input;
        try {
          return parseCrl(input);
        } catch (error) {
          throw new TypeError(`CRL #${i}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
  }

  /** Whether `issuer`'s key verifies the CRL signature (RFC 5280 §6.3.3 (f)); memoised per issuer object. */
  isSignedBy(entry: ParsedCrl, issuer: pkijs.Certificate): Promise<boolean> {
    let inner = this.verified.get(entry);
    if (!inner) this.verified.set(entry, (inner = new WeakMap()));
    let result = inner.get(issuer);
    if (!result) inner.set(issuer, (result = verifyCrlSignature(entry, issuer)));
    return result;
  }
}

async function verifyCrlSignature(entry: ParsedCrl, issuer: pkijs.Certificate): Promise<boolean> {
  try {
    const { crl } = entry;
    if (crl.signature.algorithmId !== crl.signatureAlgorithm.algorithmId) return false;
    const scheme = signatureSchemeOf(crl.signatureAlgorithm.algorithmId);
    const key = await importVerifyKey(issuer, scheme);
    return await verifySignatureValue(key, scheme, crl.signatureValue.valueBlock.valueHexView, crl.tbsView);
  } catch {
    return false;
  }
}

/** Options of `checkRevocation`. */
export interface RevocationCheckOptions {
  readonly mode: RevocationMode;
  /** The current time (not the signing time): CRL freshness is about today. */
  readonly now: Date;
  /** Tolerated clock difference for `thisUpdate` (ms). */
  readonly maxClockSkewMs: number;
}

/**
 * Checks the certificates of a validated path (leaf first, trust anchor last) against CRLs
 * (RFC 5280 §6.3). Trust anchors themselves are not checked: they are configuration.
 * @throws RefusalError CERTIFICATE_REVOKED, or REVOCATION_UNKNOWN when `mode` requires a usable CRL that is missing.
 */
export async function checkRevocation(
  path: readonly KnownCertificate[],
  crls: CrlSet,
  options: RevocationCheckOptions,
): Promise<void> {
  for (let i = 0; i < path.length - 1; i++) {
    const cert = path[i].cert;
    const issuer = path[i + 1].cert;
    const who = (): string => describeName(cert.subject).fields.CN ?? 'certificate';
    const problems: string[] = [];
    let covered = false;
    for (const entry of crls.crls) {
      if (!entry.crl.issuer.isEqual(cert.issuer)) continue;
      const problem = await unusable(entry, issuer, crls, options);
      if (problem) {
        problems.push(problem);
        continue;
      }
      covered = true;
      const revoked = (entry.crl.revokedCertificates ?? []).find((r) =>
        r.userCertificate.isEqual(cert.serialNumber),
      );
      if (revoked) {
        throw refuse('CERTIFICATE_REVOKED', `${who()} revoked ${revoked.revocationDate.value.toISOString()}`);
      }
    }
    const required = options.mode === 'chain' || (options.mode === 'leaf' && i === 0);
    if (required && !covered) {
      throw refuse(
        'REVOCATION_UNKNOWN',
        `${who()}: ${problems.length ? problems.join('; ') : 'no CRL from its issuer'}`,
      );
    }
  }
}

async function unusable(
  entry: ParsedCrl,
  issuer: pkijs.Certificate,
  crls: CrlSet,
  options: RevocationCheckOptions,
): Promise<string | null> {
  const { crl } = entry;
  // Only for messages; describing the name on every call would cost more than the check itself.
  const issuerName = (): string => describeName(crl.issuer).fields.CN ?? 'issuer';
  if (entry.thisUpdate.getTime() > options.now.getTime() + options.maxClockSkewMs)
    return `CRL of ${issuerName()} issued in the future`;
  if (!entry.nextUpdate) return `CRL of ${issuerName()} has no nextUpdate`;
  if (entry.nextUpdate.getTime() < options.now.getTime())
    return `CRL of ${issuerName()} is stale since ${entry.nextUpdate.toISOString()}`;
  for (const ext of crl.crlExtensions?.extensions ?? []) {
    if (ext.critical && !HANDLED_CRL_EXTENSIONS.has(ext.extnID))
      return `CRL of ${issuerName()} has unsupported critical extension ${ext.extnID}`;
  }
  for (const revoked of crl.revokedCertificates ?? []) {
    for (const ext of revoked.crlEntryExtensions?.extensions ?? []) {
      if (ext.critical && !HANDLED_ENTRY_EXTENSIONS.has(ext.extnID))
        return `CRL of ${issuerName()} has unsupported critical entry extension ${ext.extnID}`;
      if (ext.extnID === OID.certificateIssuer) return `CRL of ${issuerName()} is an indirect CRL`;
    }
  }
  const keyUsage = safeKeyUsage(issuer);
  if (keyUsage === undefined) return `issuer of CRL ${issuerName()} has malformed extensions`;
  if (keyUsage && !keyUsage.has('cRLSign')) return `issuer of CRL ${issuerName()} may not sign CRLs`;
  if (!(await crls.isSignedBy(entry, issuer))) return `CRL of ${issuerName()} has an invalid signature`;
  return null;
}

function safeKeyUsage(cert: pkijs.Certificate): ReturnType<typeof extensionFacts>['keyUsage'] | undefined {
  try {
    return extensionFacts(cert).keyUsage;
  } catch {
    return undefined;
  }
}
