import { z } from 'zod';
import { parseKeyring } from '../../common/crypto/envelope';
import { defineConfigSection, envInt, envList, envSecret } from '../../config/env';

// Development defaults only: production refuses them (see envSecret).
const DEV_CLIENT_SECRET = 'dev-only-oidc-client-secret-change-me-0000';
const DEV_LAB_API_KEY = 'dev-only-lab-registry-api-key-change-me-000';
const DEV_SUBJECT_KEY = 'dev-only-identity-subject-hmac-key-change-me-000';
const DEV_TOKEN_KEYS = 'dev1:ZGV2LW9ubHktdG9rZW4ta2V5LWtleS0zMi1ieXRlcyE=';

/** Identity-based verification (issue 7): national eID login, lab registry, limits, anonymous upload tokens. */
export const identityVerificationConfig = defineConfigSection({
  key: 'identity',
  title: 'Identity-based verification',
  shape: {
    IDENTITY_OIDC_ISSUER: z
      .url()
      .optional()
      .describe(
        'Issuer URL of the national identity provider (OpenID Connect discovery). Unset with DEMO_SIMULATORS: a simulator on loopback.',
      ),
    IDENTITY_OIDC_CLIENT_ID: z
      .string()
      .min(1)
      .max(200)
      .default('veilig-verification')
      .describe('Client id of the verification service at the identity provider.'),
    IDENTITY_OIDC_CLIENT_SECRET: envSecret(
      DEV_CLIENT_SECRET,
      'Client secret at the identity provider (client_secret_basic).',
      16,
    ),
    IDENTITY_OIDC_SCOPE: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e ]+$/)
      .default('openid')
      .describe('Scopes requested at login; must include `openid`.'),
    IDENTITY_OIDC_IDENTIFIER_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .default('pid')
      .describe('ID-token claim with the national identifier (ID-porten: `pid`); `sub` is the pseudonym.'),
    IDENTITY_OIDC_ACR_VALUES: envList().describe(
      'Comma-separated acceptable `acr` levels; when set they are requested and the ID token must carry one.',
    ),
    IDENTITY_OIDC_TIMEOUT_MS: envInt(5000, 100, 60_000).describe(
      'Timeout of each request to the identity provider (discovery, JWKS, token).',
    ),
    IDENTITY_APP_REDIRECT_URIS: envList().describe(
      'Redirect URIs of the app the login may return to (exact match). Default `nl.veilig.app:/identity-callback`.',
    ),
    IDENTITY_LOGIN_TTL_MINUTES: envInt(10, 1, 60).describe(
      'A login, and then its result, must be completed within this time.',
    ),
    IDENTITY_LOGINS_PER_IP_PER_MINUTE: envInt(60, 1, 100_000).describe(
      'Logins one client address may start per minute.',
    ),
    IDENTITY_MIN_AGE_YEARS: envInt(16, 0, 120).describe('Minimum age for verification.'),
    IDENTITY_MAX_SAMPLE_AGE_DAYS: envInt(14, 0, 60).describe(
      'A positive sample taken at most this many days ago verifies.',
    ),
    IDENTITY_MAX_VERIFICATIONS: envInt(3, 1, 1000).describe(
      'Verifications per person within the window; one more is refused (blocked).',
    ),
    IDENTITY_VERIFICATION_WINDOW_HOURS: envInt(24, 1, 24 * 30).describe(
      'Window of IDENTITY_MAX_VERIFICATIONS; verification times older than this are deleted.',
    ),
    IDENTITY_MAX_KEYS: envInt(15, 1, 30).describe('Keys one verified upload may hold (14 days plus today).'),
    IDENTITY_SUBJECT_HMAC_KEY: envSecret(
      DEV_SUBJECT_KEY,
      'HMAC key under which the identity provider pseudonym is stored for the verification limit.',
    ),
    IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS: envSecret(
      DEV_TOKEN_KEYS,
      'Encrypts the RSA token-signing keys at rest: comma-separated `id:base64(32 bytes)`; the first encrypts, all decrypt.',
    ),
    LAB_REGISTRY_URL: z
      .url()
      .optional()
      .describe('Base URL of the lab registry API. Unset with DEMO_SIMULATORS: a simulator on loopback.'),
    LAB_REGISTRY_API_KEY: envSecret(DEV_LAB_API_KEY, 'Bearer API key for the lab registry.', 16),
    LAB_REGISTRY_TIMEOUT_MS: envInt(5000, 100, 60_000).describe(
      'The registry counts as unavailable when it has not answered within this time.',
    ),
  },
  check: (env, core) => {
    const problems: string[] = [];
    try {
      parseKeyring(env.IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS);
    } catch (e) {
      problems.push(`IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS: ${(e as Error).message}`);
    }
    if (!env.IDENTITY_OIDC_SCOPE.split(' ').includes('openid'))
      problems.push('IDENTITY_OIDC_SCOPE: must include openid');
    if (core.isProduction) {
      for (const name of ['IDENTITY_OIDC_ISSUER', 'LAB_REGISTRY_URL'] as const) {
        if (env[name] && !env[name].startsWith('https://'))
          problems.push(`${name}: production requires https`);
      }
    }
    return problems;
  },
  map: (env, core) => {
    const demo = core.demoSimulators && !core.isProduction;
    return {
      oidc: {
        issuer: env.IDENTITY_OIDC_ISSUER ?? null,
        simulated: !env.IDENTITY_OIDC_ISSUER && demo,
        clientId: env.IDENTITY_OIDC_CLIENT_ID,
        clientSecret: env.IDENTITY_OIDC_CLIENT_SECRET,
        scope: env.IDENTITY_OIDC_SCOPE,
        identifierClaim: env.IDENTITY_OIDC_IDENTIFIER_CLAIM,
        acrValues: env.IDENTITY_OIDC_ACR_VALUES,
        timeoutMs: env.IDENTITY_OIDC_TIMEOUT_MS,
        redirectUri: `${core.publicUrl.replace(/\/$/, '')}/api/v1/identity/callback`,
      },
      lab: {
        url: env.LAB_REGISTRY_URL ?? null,
        simulated: !env.LAB_REGISTRY_URL && demo,
        apiKey: env.LAB_REGISTRY_API_KEY,
        timeoutMs: env.LAB_REGISTRY_TIMEOUT_MS,
      },
      appRedirectUris: env.IDENTITY_APP_REDIRECT_URIS.length
        ? env.IDENTITY_APP_REDIRECT_URIS
        : ['nl.veilig.app:/identity-callback'],
      loginTtlMs: env.IDENTITY_LOGIN_TTL_MINUTES * 60_000,
      loginsPerIpPerMinute: env.IDENTITY_LOGINS_PER_IP_PER_MINUTE,
      rules: { minAgeYears: env.IDENTITY_MIN_AGE_YEARS, maxSampleAgeDays: env.IDENTITY_MAX_SAMPLE_AGE_DAYS },
      limit: {
        maxVerifications: env.IDENTITY_MAX_VERIFICATIONS,
        windowMs: env.IDENTITY_VERIFICATION_WINDOW_HOURS * 3_600_000,
      },
      maxKeys: env.IDENTITY_MAX_KEYS,
      subjectHmacKey: env.IDENTITY_SUBJECT_HMAC_KEY,
      tokenKeyEncryptionKeys: parseKeyring(env.IDENTITY_TOKEN_KEY_ENCRYPTION_KEYS),
    };
  },
});

export type IdentityVerificationConfig = ReturnType<typeof identityVerificationConfig.map>;
