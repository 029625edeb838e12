/**
 * Trusted roots and known intermediates, with the caches that make repeated verifications cheap,
 * and certificate path validation on top of pkijs' CertificateChainValidationEngine (RFC 5280 §6).
 *
 * Caching rule: results are memoised per certificate *object*. Configured roots and intermediates are
 * parsed once and live as long as the store, so "intermediate X is signed by root R" and the imported
 * public keys of CA certificates are computed once. Certificates that arrive inside a CMS are fresh
 * objects on every call, so nothing about a signer certificate is ever reused across verifications;
 * a CMS copy of a configured intermediate is swapped for the configured object (same DER) to hit the cache.
 */
import * as pkijs from 'pkijs';
import { importVerifyKey, signatureSchemeOf, verifySignatureValue } from './algorithms';
import { type BytesLike, bytesEqual, toBytes, toHex } from './bytes';
import { describeName, extensionFacts, parseCertificate } from './certificate';
import { cmsCrypto } from './crypto-engine';
import { refuse } from './refusal';

/** A certificate with the DER it was parsed from. */
export interface KnownCertificate {
  readonly cert: pkijs.Certificate;
  readonly der: Uint8Array;
}

/** Configuration of a trust store: DER certificates (use `pemToDer` for PEM files). */
export interface TrustStoreConfig {
  /** Trust anchors. Only these end a path; production configures the real UZI roots (uzi.md). */
  readonly roots: readonly BytesLike[];
  /** Intermediates to use when a CMS does not include them (they are never trusted on their own). */
  readonly intermediates?: readonly BytesLike[];
}

/** Thrown by `TrustStore.create` for unusable configuration (never for untrusted input). */
export class TrustStoreConfigError extends Error {
  override readonly name = 'TrustStoreConfigError';
}

/** Upper bound on issuer look-ups per path; stops cross-signed loops in attacker-supplied certificates. */
const MAX_ISSUER_LOOKUPS = 12;

type KeyCache = Map<string, Promise<CryptoKey>>;

/** Configured trust anchors and intermediates plus verification caches (RFC 5280 §6.1.1 "trust anchor information"). */
export class TrustStore {
  private readonly keyCache = new WeakMap<pkijs.Certificate, KeyCache>();
  private readonly edgeCache = new WeakMap<pkijs.Certificate, WeakMap<pkijs.Certificate, Promise<boolean>>>();
  private readonly stable: ReadonlySet<pkijs.Certificate>;
  private readonly byLength = new Map<number, KnownCertificate[]>();

  private constructor(
    readonly roots: readonly KnownCertificate[],
    readonly intermediates: readonly KnownCertificate[],
  ) {
    this.stable = new Set([...roots, ...intermediates].map((k) => k.cert));
    for (const known of [...roots, ...intermediates]) {
      const list = this.byLength.get(known.der.length) ?? [];
      list.push(known);
      this.byLength.set(known.der.length, list);
    }
  }

  /**
   * Parses and checks the configuration: roots and intermediates must be CA certificates; roots must be
   * self-signed with a valid signature.
   * @throws TrustStoreConfigError naming the offending entry.
   */
  static async create(config: TrustStoreConfig): Promise<TrustStore> {
    if (config.roots.length === 0) throw new TrustStoreConfigError('at least one trusted root is required');
    const load = (der: BytesLike, what: string): KnownCertificate => {
      try {
        const bytes = toBytes(der);
        const cert = parseCertificate(bytes);
        if (!extensionFacts(cert).isCa) throw new TypeError('not a CA certificate (basicConstraints cA)');
        return { cert, der: bytes };
      } catch (error) {
        throw new TrustStoreConfigError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const roots = config.roots.map((der, i) => load(der, `root #${i}`));
    const intermediates = (config.intermediates ?? []).map((der, i) => load(der, `intermediate #${i}`));
    const store = new TrustStore(roots, intermediates);
    for (const [i, root] of roots.entries()) {
      if (!root.cert.subject.isEqual(root.cert.issuer) || !(await store.isIssuedBy(root.cert, root.cert))) {
        throw new TrustStoreConfigError(`root #${i} (${describeName(root.cert.subject).text}) is not a valid self-signed certificate`);
      }
    }
    return store;
  }

  /** Returns the configured object for a certificate with the same DER, so caches apply. */
  canonical(known: KnownCertificate): KnownCertificate {
    for (const candidate of this.byLength.get(known.der.length) ?? []) {
      if (bytesEqual(candidate.der, known.der)) return candidate;
    }
    return known;
  }

  /**
   * Whether `issuer`'s key verifies `child`'s signature, under our algorithm policy (RFC 5280 §6.1.3 (a)(1)).
   * Memoised only when both certificates are configured ones.
   */
  isIssuedBy(child: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
    const cacheable = this.stable.has(child) && this.stable.has(issuer);
    if (!cacheable) return this.computeIssuedBy(child, issuer);
    let inner = this.edgeCache.get(child);
    if (!inner) this.edgeCache.set(child, (inner = new WeakMap()));
    let result = inner.get(issuer);
    if (!result) inner.set(issuer, (result = this.computeIssuedBy(child, issuer)));
    return result;
  }

  /**
   * Imports `cert`'s public key for a hash; memoised for configured certificates.
   * @throws RefusalError UNSUPPORTED_ALGORITHM when the key is too weak or of the wrong type.
   */
  publicKey(cert: pkijs.Certificate, scheme: { kind: 'RSA' | 'ECDSA'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }): Promise<CryptoKey> {
    if (!this.stable.has(cert)) return importVerifyKey(cert, scheme);
    let perHash = this.keyCache.get(cert);
    if (!perHash) this.keyCache.set(cert, (perHash = new Map<string, Promise<CryptoKey>>()));
    const id = `${scheme.kind}/${scheme.hash}`;
    let key = perHash.get(id);
    if (!key) perHash.set(id, (key = importVerifyKey(cert, scheme)));
    return key;
  }

  /**
   * Builds and validates the path from `leaf` to a configured root at `checkDate` (RFC 5280 §6.1):
   * signatures, validity periods, CA flags, name chaining and policy processing. Revocation is checked
   * separately (see `crl.ts`), because pkijs' engine mixes signing time and "now" for CRL freshness.
   * @returns the path, leaf first, root last.
   * @throws RefusalError UNTRUSTED_CHAIN, CERTIFICATE_EXPIRED or CERTIFICATE_NOT_YET_VALID
   */
  async validatePath(leaf: KnownCertificate, extra: readonly KnownCertificate[], checkDate: Date): Promise<KnownCertificate[]> {
    const all = new Map<pkijs.Certificate, KnownCertificate>();
    const rootCerts = this.roots.map((r) => r.cert);
    for (const r of this.roots) all.set(r.cert, r);
    const pool: KnownCertificate[] = [];
    for (const candidate of [...extra.map((k) => this.canonical(k)), ...this.intermediates]) {
      const duplicate = [leaf, ...this.roots, ...pool].some((k) => k.cert === candidate.cert || bytesEqual(k.cert.tbsView, candidate.cert.tbsView));
      if (!duplicate) pool.push(candidate);
    }
    for (const k of [leaf, ...pool]) all.set(k.cert, k);

    let lookups = 0;
    const findIssuer = async (cert: pkijs.Certificate, engine: pkijs.CertificateChainValidationEngine): Promise<pkijs.Certificate[]> => {
      if (++lookups > MAX_ISSUER_LOOKUPS) return [];
      const aki = extensionFactsOrNull(cert)?.authorityKeyIdentifier;
      const found: pkijs.Certificate[] = [];
      for (const candidate of [...engine.trustedCerts, ...engine.certs]) {
        if (candidate === cert || !cert.issuer.isEqual(candidate.subject)) continue;
        const ski = extensionFactsOrNull(candidate)?.subjectKeyIdentifier;
        if (aki && ski && !bytesEqual(aki, ski)) continue;
        if (await this.isIssuedBy(cert, candidate)) found.push(candidate);
      }
      return found;
    };
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: rootCerts,
      // pkijs treats the last entry as the end-entity certificate.
      certs: [...pool.map((k) => k.cert), leaf.cert],
      checkDate,
      findIssuer,
    });
    let result: pkijs.CertificateChainValidationEngineVerifyResult;
    try {
      result = await engine.verify({}, cmsCrypto());
    } catch (error) {
      throw refuse('UNTRUSTED_CHAIN', error instanceof Error ? error.message : 'path validation failed');
    }
    if (!result.result) {
      const validityIssue = this.validityIssue([leaf, ...pool], checkDate);
      if (result.resultCode === 8 && validityIssue) throw validityIssue;
      throw refuse('UNTRUSTED_CHAIN', result.resultMessage);
    }
    const path = (result.certificatePath ?? []).map((c) => all.get(c));
    if (path.length < 2 || path.some((k) => k === undefined) || path[0] !== leaf) {
      throw refuse('UNTRUSTED_CHAIN', 'unexpected path shape');
    }
    return path as KnownCertificate[];
  }

  private validityIssue(certs: readonly KnownCertificate[], checkDate: Date): Error | undefined {
    for (const { cert } of [...certs, ...this.roots]) {
      const who = describeName(cert.subject).fields.CN ?? toHex(cert.serialNumber.valueBlock.valueHexView);
      if (cert.notAfter.value < checkDate) return refuse('CERTIFICATE_EXPIRED', `${who} expired ${cert.notAfter.value.toISOString()}`);
      if (cert.notBefore.value > checkDate) return refuse('CERTIFICATE_NOT_YET_VALID', `${who} valid from ${cert.notBefore.value.toISOString()}`);
    }
    return undefined;
  }

  private async computeIssuedBy(child: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
    try {
      const scheme = signatureSchemeOf(child.signatureAlgorithm.algorithmId);
      if (child.signature.algorithmId !== child.signatureAlgorithm.algorithmId) return false;
      const key = await this.publicKey(issuer, scheme);
      return await verifySignatureValue(key, scheme, child.signatureValue.valueBlock.valueHexView, child.tbsView);
    } catch {
      // Unsupported algorithms and undecodable keys simply do not verify: the path search moves on.
      return false;
    }
  }
}

function extensionFactsOrNull(cert: pkijs.Certificate): ReturnType<typeof extensionFacts> | null {
  try {
    return extensionFacts(cert);
  } catch {
    return null;
  }
}
