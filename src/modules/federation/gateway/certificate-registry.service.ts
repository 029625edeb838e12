import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, createPublicKey, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Repository } from 'typeorm';
import { safeEqual } from '../../../common/crypto/tokens';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../infrastructure/clock';
import {
  CERTIFICATE_TYPES,
  type CertificateType,
  FederationCertificate,
} from '../entities/federation-certificate.entity';

export type RegistryLookup = { found: false } | { found: true; revoked: boolean; row: FederationCertificate };

export interface RegisterCertificateInput {
  /** The certificate as PEM text, exactly the bytes the trust anchor signed. */
  pem: string;
  type: CertificateType;
  /** Base64 trust-anchor signature over `pem` (`openssl dgst -sha256 -sign anchor.key cert.pem | base64`). */
  signature: string;
  /** CALLBACK certificates: host of the member's callback URLs (default: the certificate's CN). */
  host?: string;
}

export class RegistryError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

const INTEGRITY_CACHE_SIZE = 1000;

/** Subject `C` of a certificate, from Node's one-attribute-per-line subject text. */
function subjectCountry(cert: X509Certificate): string | undefined {
  const countries = cert.subject
    .split('\n')
    .filter((line) => line.startsWith('C='))
    .map((line) => line.slice(2).trim().toUpperCase());
  return countries.length === 1 && /^[A-Z]{2}$/.test(countries[0]) ? countries[0] : undefined;
}

function subjectCommonName(cert: X509Certificate): string | undefined {
  return cert.subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice(3)
    .trim();
}

/** SHA-256 of the certificate DER as 64 lower-case hex: the EFGS thumbprint (docs/protocols/efgs.md §A6). */
export function certificateThumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

/**
 * The gateway's certificate registry (docs/protocols/efgs.md §A6): AUTHENTICATION, SIGNING and CALLBACK
 * certificates per country, revocable, each row counting only while its trust-anchor signature verifies. The
 * revoked flag is read on every lookup (so revocation applies at once on every instance); the integrity check
 * of a row is cached by its content, since it is pure.
 */
@Injectable()
export class CertificateRegistry {
  private readonly logger = new Logger('FederationRegistry');
  private anchor: KeyObject | undefined;
  private readonly integrity = new Map<string, boolean>();

  constructor(
    @InjectRepository(FederationCertificate) private readonly rows: Repository<FederationCertificate>,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Looks up a certificate by thumbprint, role and country, as EFGS's `CertificateService` does
   * (docs/protocols/efgs.md §A6). Rows that fail the integrity check are treated as absent.
   */
  async lookup(thumbprint: string, type: CertificateType, country: string): Promise<RegistryLookup> {
    const candidates = await this.rows.findBy({ thumbprint, type, country });
    const row = candidates.find((r) => this.isGenuine(r));
    return row ? { found: true, revoked: row.revoked, row } : { found: false };
  }

  /**
   * Valid, unrevoked CALLBACK certificates of a country (docs/protocols/efgs.md §A8): the hosts it may be
   * called at.
   */
  async callbackCertificates(country: string): Promise<{ host: string; thumbprint: string }[]> {
    const rows = await this.rows.findBy({ type: 'CALLBACK', country, revoked: false });
    return rows
      .filter((r) => r.host !== null && this.isGenuine(r))
      .map((r) => ({ host: r.host!.toLowerCase(), thumbprint: r.thumbprint }));
  }

  /**
   * Registers a certificate after checking it the way lookups will: PEM parses, subject carries one
   * country, and the trust anchor's signature over the PEM verifies. Operators only; audited by the caller.
   */
  async register(input: RegisterCertificateInput): Promise<FederationCertificate> {
    if (!CERTIFICATE_TYPES.includes(input.type))
      throw new RegistryError(400, `type must be one of ${CERTIFICATE_TYPES.join(', ')}`);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(input.pem);
    } catch {
      throw new RegistryError(400, 'pem is not an X.509 certificate');
    }
    const country = subjectCountry(cert);
    if (!country) throw new RegistryError(400, 'the certificate subject must carry exactly one country (C)');
    const host =
      input.type === 'CALLBACK' ? (input.host ?? subjectCommonName(cert))?.toLowerCase() : undefined;
    if (input.type === 'CALLBACK' && !host)
      throw new RegistryError(400, 'a CALLBACK certificate needs the host of its callback URLs');
    const row = Object.assign(new FederationCertificate(), {
      createdAt: this.clock.now(),
      thumbprint: certificateThumbprint(cert),
      country,
      type: input.type,
      revoked: false,
      host: host ?? null,
      signature: input.signature,
      rawData: input.pem,
    });
    if (!this.isGenuine(row))
      throw new RegistryError(400, 'the trust anchor signature does not verify over this PEM');
    if (await this.rows.existsBy({ thumbprint: row.thumbprint, type: row.type }))
      throw new RegistryError(409, 'this certificate is registered for this role already');
    await this.rows.insert(row);
    return row;
  }

  /**
   * Marks a certificate revoked (docs/protocols/efgs.md §A6: revocation = `revoked=1` on operator request).
   */
  async revoke(id: string): Promise<FederationCertificate> {
    const row = await this.rows.findOneBy({ id });
    if (!row) throw new RegistryError(404, 'no such certificate');
    await this.rows.update({ id }, { revoked: true });
    return { ...row, revoked: true };
  }

  /** Every row, with whether it passes the integrity check (for the operator's overview). */
  async list(): Promise<(FederationCertificate & { valid: boolean })[]> {
    const rows = await this.rows.find({ order: { country: 'ASC', type: 'ASC', createdAt: 'ASC' } });
    return rows.map((r) => ({ ...r, valid: this.isGenuine(r) }));
  }

  /**
   * PEM and trust-anchor signature of a registered certificate, for the audit endpoint
   * (docs/protocols/efgs.md §A9).
   */
  async evidence(
    thumbprint: string,
    type: CertificateType,
  ): Promise<{ pem: string; signature: string } | undefined> {
    const rows = await this.rows.findBy({ thumbprint, type });
    const row = rows.find((r) => this.isGenuine(r));
    return row ? { pem: row.rawData, signature: row.signature } : undefined;
  }

  /** PEM parses, thumbprint and country match the row, and the trust anchor signed exactly this PEM. */
  private isGenuine(row: FederationCertificate): boolean {
    const cacheKey = createHash('sha256')
      .update(JSON.stringify([row.id, row.thumbprint, row.country, row.signature, row.rawData]))
      .digest('hex');
    const cached = this.integrity.get(cacheKey);
    if (cached !== undefined) return cached;
    let genuine = false;
    try {
      const cert = new X509Certificate(row.rawData);
      genuine =
        safeEqual(certificateThumbprint(cert), row.thumbprint) &&
        subjectCountry(cert) === row.country &&
        verify(
          'sha256',
          Buffer.from(row.rawData, 'utf8'),
          this.trustAnchor(),
          Buffer.from(row.signature, 'base64'),
        );
    } catch {
      genuine = false;
    }
    // Logged once per content, by id only: a failing row is an onboarding or tampering problem.
    if (!genuine)
      this.logger.warn(
        { certificateId: row.id, type: row.type, country: row.country },
        'registry row fails its integrity check; ignored',
      );
    if (this.integrity.size >= INTEGRITY_CACHE_SIZE) this.integrity.clear();
    this.integrity.set(cacheKey, genuine);
    return genuine;
  }

  private trustAnchor(): KeyObject {
    if (!this.anchor) {
      const file = this.config.federation.gateway.trustAnchorFile;
      if (!file) throw new Error('FEDERATION_TRUST_ANCHOR is not configured');
      const pem = readFileSync(file, 'utf8');
      this.anchor = pem.includes('BEGIN CERTIFICATE')
        ? new X509Certificate(pem).publicKey
        : createPublicKey(pem);
    }
    return this.anchor;
  }
}
