import { z } from 'zod';
import { parseKeyring } from '../../common/crypto/envelope';
import { defineConfigSection, envInt, envSecret } from '../../config/env';

// Development defaults only: production refuses them (see envSecret).
const DEV_DATA_KEYS = 'dev1:ZGV2LW9ubHktZGF0YS1rZXktMzItYnl0ZXMtbG9uZyE=';
const DEV_DTMF_PEPPER = 'dev-only-dtmf-pepper-change-me-in-production';
const DEV_IRMA_TOKEN = 'dev-only-irma-requestor-token-change-me';
const DEV_TWILIO_TOKEN = 'dev-only-twilio-auth-token-change-me-now';

/** Veilig bellen: IRMA/Yivi server, phone exchange defaults, encryption at rest and data lifetime. */
export const veiligBellenConfig = defineConfigSection({
  key: 'veiligBellen',
  title: 'Veilig bellen',
  shape: {
    VEILIG_BELLEN_IRMA_URL: z
      .url()
      .optional()
      .describe(
        'Requestor API base URL of the IRMA/Yivi server. Unset with DEMO_SIMULATORS: the built-in simulator at PUBLIC_URL/sim/irma.',
      ),
    VEILIG_BELLEN_IRMA_AUTH: z
      .enum(['token', 'hmac'])
      .default('token')
      .describe('Requestor authentication: `token` (Authorization header) or `hmac` (HS256 JWT).'),
    VEILIG_BELLEN_IRMA_REQUESTOR: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .default('veilig-bellen')
      .describe('Requestor name the IRMA server knows (JWT `iss`/`kid`).'),
    VEILIG_BELLEN_IRMA_TOKEN: envSecret(
      DEV_IRMA_TOKEN,
      'Requestor token (token auth) or base64 HMAC key (hmac auth) for the IRMA server.',
      16,
    ),
    VEILIG_BELLEN_IRMA_SESSION_SECONDS: envInt(300, 30, 3600).describe(
      'IRMA session timeout: how long the citizen has to scan and disclose.',
    ),
    VEILIG_BELLEN_IRMA_POLL_MS: envInt(1000, 50, 10_000).describe(
      'How often the backend polls the IRMA session status while it is open.',
    ),
    VEILIG_BELLEN_IRMA_STATUS_UPDATES: z
      .enum(['poll', 'events', 'callback'])
      .default('poll')
      .describe(
        "How the backend learns a disclosure is done: `poll` the session status every VEILIG_BELLEN_IRMA_POLL_MS; `events`: the IRMA server's server-sent events (`irma server --sse`); `callback`: the IRMA server POSTs to our callback URL (needs its `jwt_privkey` or `allow_unsigned_callbacks`). With `events` or `callback` the backend still polls every VEILIG_BELLEN_IRMA_FALLBACK_POLL_MS, and falls back to VEILIG_BELLEN_IRMA_POLL_MS when the event stream fails.",
      ),
    VEILIG_BELLEN_IRMA_FALLBACK_POLL_MS: envInt(30_000, 1000, 300_000).describe(
      'Safety-net polling interval while IRMA status events or callbacks are in use.',
    ),
    VEILIG_BELLEN_CALL_WITHIN_MINUTES: envInt(10, 1, 60).describe(
      'After disclosure the citizen must call within this time, else the data is deleted.',
    ),
    VEILIG_BELLEN_MAX_AGE_MINUTES: envInt(60, 5, 24 * 60).describe(
      'Anything of a caller older than this is deleted by a job, whatever happened.',
    ),
    VEILIG_BELLEN_DATA_KEYS: envSecret(
      DEV_DATA_KEYS,
      'Encryption at rest: comma-separated `id:base64(32 bytes)`; the first encrypts, all decrypt (add a new key in front to rotate).',
    ),
    VEILIG_BELLEN_DTMF_PEPPER: envSecret(
      DEV_DTMF_PEPPER,
      'HMAC key under which DTMF codes are stored (the database holds no usable code).',
    ),
    VEILIG_BELLEN_WRONG_CODES_PER_CALLER: envInt(5, 1, 100).describe(
      'Wrong DTMF codes allowed per calling number per 15 minutes.',
    ),
    VEILIG_BELLEN_TWILIO_API_URL: z
      .url()
      .optional()
      .describe(
        'Twilio REST base URL (default https://api.twilio.com; with DEMO_SIMULATORS and no account: the simulator).',
      ),
    VEILIG_BELLEN_TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/)
      .optional()
      .describe('Default Twilio account (a municipality may configure its own).'),
    VEILIG_BELLEN_TWILIO_AUTH_TOKEN: envSecret(
      DEV_TWILIO_TOKEN,
      'Auth token of the default Twilio account (REST calls and webhook signatures).',
    ),
    VEILIG_BELLEN_CONNECT_ENDPOINT: z
      .url()
      .optional()
      .describe(
        'Amazon Connect API endpoint override (e.g. a VPC interface endpoint); unset: the regional endpoint of each instance. Credentials come from the AWS SDK default chain (environment, IAM role, AWS_PROFILE).',
      ),
    VEILIG_BELLEN_EXCHANGE_KEY_GRACE_MINUTES: envInt(60, 0, 24 * 60).describe(
      'After a new exchange key is issued the previous one still works this long, so calls already waiting at the exchange finish.',
    ),
    VEILIG_BELLEN_EXCHANGE_PORT: z.coerce
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe(
        'When set, the generic exchange API (DTMF lookup) answers only on this extra, internal port.',
      ),
  },
  map: (env, core) => {
    const demoIrma = !env.VEILIG_BELLEN_IRMA_URL && core.demoSimulators;
    const demoTwilio = !env.VEILIG_BELLEN_TWILIO_ACCOUNT_SID && core.demoSimulators;
    return {
      irma: {
        url:
          env.VEILIG_BELLEN_IRMA_URL ?? (demoIrma ? `${core.publicUrl.replace(/\/$/, '')}/sim/irma` : null),
        simulated: demoIrma,
        auth: env.VEILIG_BELLEN_IRMA_AUTH,
        requestor: env.VEILIG_BELLEN_IRMA_REQUESTOR,
        token: env.VEILIG_BELLEN_IRMA_TOKEN,
        sessionSeconds: env.VEILIG_BELLEN_IRMA_SESSION_SECONDS,
        pollMs: env.VEILIG_BELLEN_IRMA_POLL_MS,
        statusUpdates: env.VEILIG_BELLEN_IRMA_STATUS_UPDATES,
        fallbackPollMs: env.VEILIG_BELLEN_IRMA_FALLBACK_POLL_MS,
      },
      callWithinMs: env.VEILIG_BELLEN_CALL_WITHIN_MINUTES * 60_000,
      maxAgeMs: env.VEILIG_BELLEN_MAX_AGE_MINUTES * 60_000,
      dataKeys: parseKeyring(env.VEILIG_BELLEN_DATA_KEYS),
      dtmfPepper: env.VEILIG_BELLEN_DTMF_PEPPER,
      wrongCodesPerCaller: env.VEILIG_BELLEN_WRONG_CODES_PER_CALLER,
      twilio: {
        apiUrl:
          env.VEILIG_BELLEN_TWILIO_API_URL ??
          (demoTwilio ? 'https://twilio.simulator.invalid' : 'https://api.twilio.com'),
        simulated: demoTwilio,
        accountSid: env.VEILIG_BELLEN_TWILIO_ACCOUNT_SID ?? (demoTwilio ? `AC${'0'.repeat(31)}1` : null),
        authToken: env.VEILIG_BELLEN_TWILIO_AUTH_TOKEN,
      },
      exchangePort: env.VEILIG_BELLEN_EXCHANGE_PORT ?? null,
      exchangeKeyGraceMs: env.VEILIG_BELLEN_EXCHANGE_KEY_GRACE_MINUTES * 60_000,
      connect: { endpoint: env.VEILIG_BELLEN_CONNECT_ENDPOINT ?? null },
    };
  },
  check: (env, core) => {
    const problems: string[] = [];
    try {
      parseKeyring(env.VEILIG_BELLEN_DATA_KEYS);
    } catch (e) {
      problems.push(`VEILIG_BELLEN_DATA_KEYS: ${(e as Error).message}`);
    }
    if (
      env.VEILIG_BELLEN_IRMA_AUTH === 'hmac' &&
      Buffer.from(env.VEILIG_BELLEN_IRMA_TOKEN, 'base64').length < 32
    ) {
      problems.push('VEILIG_BELLEN_IRMA_TOKEN: with hmac auth it must be a base64 key of at least 32 bytes');
    }
    if (core.isProduction) {
      if (!env.VEILIG_BELLEN_IRMA_URL)
        problems.push(
          'VEILIG_BELLEN_IRMA_URL: production needs the real IRMA server (the simulator is refused)',
        );
      if (!env.VEILIG_BELLEN_TWILIO_ACCOUNT_SID)
        problems.push(
          'VEILIG_BELLEN_TWILIO_ACCOUNT_SID: production needs a Twilio account (the simulator is refused)',
        );
    }
    return problems;
  },
});
