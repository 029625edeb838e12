import { z } from 'zod';
import { defineConfigSection, envInt, envList } from '../../config/env';
import { WET_BIG_ARTICLE_3_PROFESSIONS } from '../../protocol/cms/uzi';

/** Professional-signed disclosure: 6+4 codes, the GP backoffice, UZI signature checks. */
export const disclosureConfig = defineConfigSection({
  key: 'disclosure',
  title: 'Professional-signed disclosure',
  shape: {
    DISCLOSURE_TRUSTED_ROOTS: envList().describe(
      'Comma-separated PEM files with the roots a GP signature must chain to (production: the UZI roots; required). Unset outside production: a development PKI generated under DATA_DIR/pki (`npm run pki:dev` writes the same layout).',
    ),
    DISCLOSURE_INTERMEDIATES: envList().describe(
      'Comma-separated PEM files with intermediate CAs to use when a signature does not include them.',
    ),
    DISCLOSURE_CRL_LOCATIONS: envList().describe(
      'Comma-separated CRL files or http(s) URLs, cached until their nextUpdate (production: required). Unset with the development PKI: its CRL files.',
    ),
    DISCLOSURE_REVOCATION: z
      .enum(['leaf', 'chain', 'off'])
      .default('leaf')
      .describe(
        'Which certificates need a current CRL: `leaf` (the signer), `chain` (signer and intermediates) or `off` (refused in production).',
      ),
    DISCLOSURE_ALLOWED_PROFESSIONS: envList().describe(
      `UZI profession codes (\`NN\`) that may approve a disclosure. Default: Wet BIG article 3 (${WET_BIG_ARTICLE_3_PROFESSIONS.join(', ')}).`,
    ),
    DISCLOSURE_ALLOWED_ROLES: envList().describe(
      'When set, only these UZI roles (`NN.NNN`, e.g. `01.015,01.055`) may approve.',
    ),
    DISCLOSURE_REQUEST_TTL_MINUTES: envInt(60, 5, 24 * 60).describe(
      'A code the phone registered must be signed within this time; then it expires and its 6-digit reference is free again.',
    ),
    DISCLOSURE_UPLOAD_WINDOW_HOURS: envInt(24, 1, 72).describe(
      'After the GP signed, the phone must upload within this time (at most 72 h: older approvals are refused anyway).',
    ),
    DISCLOSURE_MAX_KEYS: envInt(15, 1, 30).describe(
      'Keys one approved upload may hold (14 days plus today).',
    ),
    DISCLOSURE_MAX_SIGNATURES_PER_REQUEST: envInt(3, 1, 10).describe(
      'Accepted signatures per request (a GP may correct a mistyped code); bounds guessing the 4 secret digits.',
    ),
    DISCLOSURE_LOOKUPS_PER_PROFESSIONAL_PER_HOUR: envInt(30, 1, 10_000).describe(
      'Code look-ups one clinician account may make per hour.',
    ),
    DISCLOSURE_LOOKUPS_PER_IP_PER_HOUR: envInt(120, 1, 100_000).describe(
      'Code look-ups one client address (a practice) may make per hour.',
    ),
    DISCLOSURE_REGISTRATIONS_PER_IP_PER_HOUR: envInt(60, 1, 100_000).describe(
      'Codes phones behind one address may register per hour (keeps the reference space from being filled).',
    ),
    DISCLOSURE_SMARTCARD_BRIDGE_URL: z
      .url()
      .default('http://127.0.0.1:8765')
      .describe(
        "Where the GP portal reaches the local smart-card signing bridge (docs/smartcard-bridge.md); allowed in the portal's Content-Security-Policy.",
      ),
  },
  check: (env, core) => {
    const problems: string[] = [];
    const bad = (name: string, values: string[], re: RegExp) => {
      const wrong = values.filter((v) => !re.test(v));
      if (wrong.length) problems.push(`${name}: invalid ${wrong.join(', ')}`);
    };
    bad('DISCLOSURE_ALLOWED_PROFESSIONS', env.DISCLOSURE_ALLOWED_PROFESSIONS, /^\d{2}$/);
    bad('DISCLOSURE_ALLOWED_ROLES', env.DISCLOSURE_ALLOWED_ROLES, /^\d{2}\.\d{3}$/);
    const bridge = new URL(env.DISCLOSURE_SMARTCARD_BRIDGE_URL);
    if (!['http:', 'https:'].includes(bridge.protocol))
      problems.push('DISCLOSURE_SMARTCARD_BRIDGE_URL: use http(s)');
    if (core.isProduction) {
      if (env.DISCLOSURE_TRUSTED_ROOTS.length === 0)
        problems.push(
          'DISCLOSURE_TRUSTED_ROOTS: production must configure the UZI roots (the development PKI is refused)',
        );
      if (env.DISCLOSURE_CRL_LOCATIONS.length === 0)
        problems.push('DISCLOSURE_CRL_LOCATIONS: production must check revocation (CRL files or URLs)');
      if (env.DISCLOSURE_REVOCATION === 'off')
        problems.push('DISCLOSURE_REVOCATION: production must check revocation');
      // A non-loopback bridge would be a signing service on the network.
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(bridge.hostname))
        problems.push('DISCLOSURE_SMARTCARD_BRIDGE_URL: must be a loopback address');
    }
    return problems;
  },
  map: (env, core) => {
    const devPki = env.DISCLOSURE_TRUSTED_ROOTS.length === 0 && !core.isProduction;
    return {
      trust: {
        roots: env.DISCLOSURE_TRUSTED_ROOTS,
        intermediates: env.DISCLOSURE_INTERMEDIATES,
        crlLocations: env.DISCLOSURE_CRL_LOCATIONS,
        revocation: env.DISCLOSURE_REVOCATION,
        /** Directory of the generated development PKI, when no roots are configured (never in production). */
        devPkiDir: devPki ? `${core.dataDir}/pki` : null,
      },
      policy: {
        allowedProfessions: env.DISCLOSURE_ALLOWED_PROFESSIONS.length
          ? env.DISCLOSURE_ALLOWED_PROFESSIONS
          : [...WET_BIG_ARTICLE_3_PROFESSIONS],
        allowedRoles: env.DISCLOSURE_ALLOWED_ROLES.length ? env.DISCLOSURE_ALLOWED_ROLES : null,
      },
      requestTtlMs: env.DISCLOSURE_REQUEST_TTL_MINUTES * 60_000,
      uploadWindowMs: env.DISCLOSURE_UPLOAD_WINDOW_HOURS * 3_600_000,
      maxKeys: env.DISCLOSURE_MAX_KEYS,
      maxSignaturesPerRequest: env.DISCLOSURE_MAX_SIGNATURES_PER_REQUEST,
      limits: {
        lookupsPerProfessionalPerHour: env.DISCLOSURE_LOOKUPS_PER_PROFESSIONAL_PER_HOUR,
        lookupsPerIpPerHour: env.DISCLOSURE_LOOKUPS_PER_IP_PER_HOUR,
        registrationsPerIpPerHour: env.DISCLOSURE_REGISTRATIONS_PER_IP_PER_HOUR,
      },
      smartCardBridgeUrl: env.DISCLOSURE_SMARTCARD_BRIDGE_URL.replace(/\/$/, ''),
    };
  },
});

export type DisclosureConfig = ReturnType<typeof disclosureConfig.map>;
