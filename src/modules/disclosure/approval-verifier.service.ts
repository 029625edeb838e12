import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import {
  createCrlSource,
  createUziRolePolicy,
  describeCertificate,
  parseCertificate,
  pemToDerAll,
  TrustStore,
  type CrlSource,
  type UziRolePolicy,
} from '../../protocol/cms';
import {
  verifyDisclosureApproval,
  type BackendExpectation,
  type VerifiedApproval,
} from '../../protocol/disclosure';
import { DEV_ROOT_COMMON_NAME, ensureDevPki } from './dev-pki';

interface Loaded {
  readonly trust: TrustStore;
  readonly crls: CrlSource;
  readonly policy: UziRolePolicy;
}

/**
 * The backend's approval check, the same one the phone runs plus revocation: CMS signature, path to the
 * configured roots at the signing time, CRLs (files or URLs, cached until nextUpdate), the UZI role policy,
 * and the signed reference and upload hash. Trust is loaded once: at start-up, so bad configuration stops
 * the server; under NODE_ENV=test on first use, so the many test apps that never verify an approval do
 * not each generate a development PKI.
 */
@Injectable()
export class ApprovalVerifier implements OnApplicationBootstrap {
  private readonly logger = new Logger('Disclosure');
  private loaded: Promise<Loaded> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.env !== 'test') await this.ready();
  }

  /**
   * Loads the trust configuration (generating the development PKI first when that is the default).
   * @throws Error for unreadable files, invalid certificates, or the development root in production.
   */
  ready(): Promise<Loaded> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  /**
   * Verifies a GP's approval package for the backend (reference + upload hash), with revocation.
   * @throws RefusalError with a `DisclosureRefusalReason`
   * It checks what the phone will check, so a bad package is refused while the GP is still there
   * (docs/protocols/dp3t-backoffice.md §D8). Spec: RFC 5652, RFC 5280, docs/protocols/uzi.md §U7.
   */
  async verify(cms: Uint8Array, expected: BackendExpectation): Promise<VerifiedApproval> {
    const { trust, crls, policy } = await this.ready();
    const revocation = this.config.disclosure.trust.revocation;
    return verifyDisclosureApproval(cms, {
      trust,
      policy,
      now: this.clock.now(),
      ...(revocation === 'off' ? { revocation } : { revocation, crls: await crls.current() }),
      expected,
    });
  }

  private async load(): Promise<Loaded> {
    const { trust, policy } = this.config.disclosure;
    let files = { roots: trust.roots, intermediates: trust.intermediates, crls: trust.crlLocations };
    if (trust.devPkiDir) {
      const dev = await ensureDevPki(trust.devPkiDir, this.clock.now());
      files = {
        roots: dev.roots,
        intermediates: dev.intermediates,
        crls: trust.crlLocations.length ? trust.crlLocations : dev.crls,
      };
      this.logger.warn(
        { dir: trust.devPkiDir, generated: dev.generated },
        'disclosure: trusting the DEVELOPMENT PKI (configure DISCLOSURE_TRUSTED_ROOTS for real UZI roots)',
      );
    }
    const roots = (await Promise.all(files.roots.map(readCertificates))).flat();
    if (this.config.isProduction) {
      for (const der of roots) {
        const details = await describeCertificate(parseCertificate(der), der);
        if (details.subject.fields.CN === DEV_ROOT_COMMON_NAME)
          throw new Error('DISCLOSURE_TRUSTED_ROOTS: the development PKI root is refused in production');
      }
    }
    const store = await TrustStore.create({
      roots,
      intermediates: (await Promise.all(files.intermediates.map(readCertificates))).flat(),
    });
    const crls = createCrlSource({
      locations: files.crls,
      fetch: (url, init) => fetch(url, init),
      readFile: async (path) => new Uint8Array(await readFile(path)),
      now: () => this.clock.now(),
      onError: (location, error) =>
        this.logger.warn(
          { location, error: error instanceof Error ? error.message : String(error) },
          'disclosure: CRL could not be loaded',
        ),
    });
    // Load CRLs now so a bad location shows in the log at start-up, not at the first signature.
    await crls.current();
    return {
      trust: store,
      crls,
      policy: createUziRolePolicy({
        allowedProfessions: policy.allowedProfessions,
        allowedRoles: policy.allowedRoles,
      }),
    };
  }
}

async function readCertificates(path: string): Promise<Uint8Array[]> {
  const bytes = new Uint8Array(await readFile(path));
  const text = new TextDecoder().decode(bytes);
  return text.includes('-----BEGIN') ? pemToDerAll(text, 'CERTIFICATE') : [bytes];
}
