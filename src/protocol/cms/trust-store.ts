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
import { type PublicKeyHandle, type SignatureScheme, cmsCrypto, verifyBackend } from './crypto-engine';
import { refuse } from './refusal';

/** A certificate with the DER it was parsed from. */
export interface KnownCertificate {
  readonly cert: pkijs.Certificate;
  readonly der: Uint8Array;
}

/** Configuration of a trust store: DER certificates (use `pemToDer` for PEM files). */
export interface TrustStoreConfig {
  /**
   * Trust anchors. Only these end a path; production configures the real UZI roots
   * (docs/protocols/uzi.md §U3).
   */
  readonly roots: readonly BytesLike[];
  /** Intermediates to use when a CMS does not include them (they are never trusted on their own). */
  readonly intermediates?: readonly BytesLike[];
  /**
   * How many signer certificates to keep parsed, by exact DER (least recently used goes first). Parsing is a
   * pure function of the bytes, so this caches no decision: validity, revocation, path and both signatures
   * are checked on every verification. Default 256; 0 disables.
   */
  readonly signerCacheSize?: number;
}

/** Thrown by `TrustStore.create` for unusable configuration (never for untrusted input). */
export class TrustStoreConfigError extends Error {
  override readonly name = 'TrustStoreConfigError';
}

/** Upper bound on issuer look-ups per path; stops cross-signed loops in attacker-supplied certificates. */
const MAX_ISSUER_LOOKUPS = 12;

type KeyCache = Map<string, Promise<PublicKeyHandle>>;

/** Configured trust anchors and intermediates plus verification caches (RFC 5280 §6.1.1 "trust anchor information"). */
export class TrustStore {
  private readonly keyCache = new WeakMap<pkijs.Certificate, KeyCache>();
  private readonly edgeCache = new WeakMap<pkijs.Certificate, WeakMap<pkijs.Certificate, Promise<boolean>>>();
  private readonly stable: ReadonlySet<pkijs.Certificate>;
  /** Certificates whose imported public keys may be memoised: configured ones and cached signer certificates. */
  private readonly keyed = new WeakSet<pkijs.Certificate>();
  private readonly byLength = new Map<number, KnownCertificate[]>();
  private readonly signerCache = new Map<string, KnownCertificate>();

  private constructor(
    readonly roots: readonly KnownCertificate[],
    readonly intermediates: readonly KnownCertificate[],
    private readonly signerCacheSize: number,
  ) {
    this.stable = new Set([...roots, ...intermediates].map((k) => k.cert));
    for (const cert of this.stable) this.keyed.add(cert);
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
    const store = new TrustStore(roots, intermediates, config.signerCacheSize ?? 256);
    for (const [i, root] of roots.entries()) {
      if (!root.cert.subject.isEqual(root.cert.issuer) || !(await store.isIssuedBy(root.cert, root.cert))) {
        throw new TrustStoreConfigError(
          `root #${i} (${describeName(root.cert.subject).text}) is not a valid self-signed certificate`,
        );
      }
    }
    return store;
  }

  /**
   * A store without roots, for `verifyCms({ pinned })`: signer trust comes from the caller's registry
   * (docs/protocols/efgs.md §A6), and the store only parses certificates and caches their keys.
   */
  static forPinnedSigners(signerCacheSize = 256): TrustStore {
    return new TrustStore([], [], signerCacheSize);
  }

  /** The configured certificate with exactly this DER, if any (lets callers skip parsing it again). */
  lookup(der: Uint8Array): KnownCertificate | undefined {
    return (this.byLength.get(der.length) ?? []).find((candidate) => bytesEqual(candidate.der, der));
  }

  /**
   * The parsed certificate for DER found in a CMS: the configured object when it is one, else a cached or
   * freshly parsed signer certificate (RFC 5280 §4.1).
   * @throws TypeError when the bytes are not a certificate.
   */
  certificate(der: Uint8Array): KnownCertificate {
    const configured = this.lookup(der);
    if (configured) return configured;
    if (this.signerCacheSize <= 0) return { cert: parseCertificate(der), der };
    // The tail of a certificate is its signature: effectively unique, and cheap to turn into a key.
    const tail = new DataView(
      der.buffer,
      der.byteOffset + Math.max(0, der.length - 12),
      Math.min(12, der.length),
    );
    const key = `${der.length}:${tail.byteLength === 12 ? `${tail.getUint32(0)}.${tail.getUint32(4)}.${tail.getUint32(8)}` : toHex(der)}`;
    const cached = this.signerCache.get(key);
    if (cached && bytesEqual(cached.der, der)) {
      this.signerCache.delete(key);
      this.signerCache.set(key, cached);
      return cached;
    }
    const known = { cert: parseCertificate(der), der: Uint8Array.from(der) };
    if (cached) return known;
    this.signerCache.set(key, known);
    this.keyed.add(known.cert);
    if (this.signerCache.size > this.signerCacheSize)
      this.signerCache.delete(this.signerCache.keys().next().value!);
    return known;
  }

  /** Returns the configured object for a certificate with the same DER, so caches apply. */
  canonical(known: KnownCertificate): KnownCertificate {
    return this.lookup(known.der) ?? known;
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
   * Imports `cert`'s public key for a hash; memoised for configured and cached signer certificates.
   * @throws RefusalError UNSUPPORTED_ALGORITHM when the key is too weak or of the wrong type.
   */
  publicKey(cert: pkijs.Certificate, scheme: SignatureScheme): Promise<PublicKeyHandle> {
    if (!this.keyed.has(cert)) return importVerifyKey(cert, scheme);
    let perHash = this.keyCache.get(cert);
    if (!perHash) this.keyCache.set(cert, (perHash = new Map<string, Promise<PublicKeyHandle>>()));
    // Handles belong to the backend that imported them; a host may switch backends (tests, benchmarks).
    const id = `${verifyBackend().name}/${scheme.kind}/${scheme.hash}`;
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
  async validatePath(
    leaf: KnownCertificate,
    extra: readonly KnownCertificate[],
    checkDate: Date,
  ): Promise<KnownCertificate[]> {
    const all = new Map<pkijs.Certificate, KnownCertificate>();
    const rootCerts = this.roots.map((r) => r.cert);
    for (const r of this.roots) all.set(r.cert, r);
    const pool: KnownCertificate[] = [];
    for (const candidate of [
      ...extra.map((k) => (this.stable.has(k.cert) ? k : this.canonical(k))),
      ...this.intermediates,
    ]) {
      const duplicate = [leaf, ...this.roots, ...pool].some(
        (k) => k.cert === candidate.cert || bytesEqual(k.cert.tbsView, candidate.cert.tbsView),
      );
      if (!duplicate) pool.push(candidate);
    }
    for (const k of [leaf, ...pool]) all.set(k.cert, k);

    let lookups = 0;
    const findIssuer = async (
      cert: pkijs.Certificate,
      engine: pkijs.CertificateChainValidationEngine,
    ): Promise<pkijs.Certificate[]> => {
      if (++lookups > MAX_ISSUER_LOOKUPS) return [];
      const aki = extensionFactsOrNull(cert)?.authorityKeyIdentifier;
      const found: pkijs.Certificate[] = [];
      for (const candidate of [...engine.trustedCerts, ...engine.certs]) {
        if (candidate === cert || !namesMatch(cert.issuer, candidate.subject)) continue;
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
      if (cert.notAfter.value < checkDate)
        return refuse('CERTIFICATE_EXPIRED', `${who} expired ${cert.notAfter.value.toISOString()}`);
      if (cert.notBefore.value > checkDate)
        return refuse('CERTIFICATE_NOT_YET_VALID', `${who} valid from ${cert.notBefore.value.toISOString()}`);
    }
    return undefined;
  }

  private async computeIssuedBy(child: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
    try {
      const scheme = signatureSchemeOf(child.signatureAlgorithm.algorithmId);
      if (child.signature.algorithmId !== child.signatureAlgorithm.algorithmId) return false;
      const key = await this.publicKey(issuer, scheme);
      return await verifySignatureValue(
        key,
        scheme,
        child.signatureValue.valueBlock.valueHexView,
        child.tbsView,
      );
    } catch {
      // Unsupported algorithms and undecodable keys simply do not verify: the path search moves on.
      return false;
    }
  }
}

/**
 * RFC 5280 §7.1 name matching, with a byte comparison first: names are nearly always copied verbatim
 * from the issuer, and pkijs' comparison (string preparation + locale compare) is slow.
 */
function namesMatch(a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean {
  const x = a.valueBeforeDecode;
  const y = b.valueBeforeDecode;
  if (x.byteLength > 0 && y.byteLength > 0 && bytesEqual(x, y)) return true;
  return a.isEqual(b);
}

function extensionFactsOrNull(cert: pkijs.Certificate): ReturnType<typeof extensionFacts> | null {
  try {
    return extensionFacts(cert);
  } catch {
    return null;
  }
}
