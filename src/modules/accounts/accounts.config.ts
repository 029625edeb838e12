import { defineConfigSection, envInt } from '../../config/env';

/** Sessions and login back-off. */
export const accountsConfig = defineConfigSection({
  key: 'accounts',
  title: 'Accounts',
  shape: {
    SESSION_IDLE_MINUTES: envInt(30, 1, 24 * 60).describe(
      'A portal session ends after this many idle minutes.',
    ),
    SESSION_MAX_HOURS: envInt(12, 1, 24 * 7).describe('A portal session ends this many hours after sign-in.'),
    LOGIN_MAX_FAILURES: envInt(5, 1, 100).describe(
      'Consecutive failed sign-ins before an account is locked with exponential back-off.',
    ),
    LOGIN_LOCK_SECONDS: envInt(60, 1, 86400).describe(
      'First lock duration; doubles with every further failure, capped at one hour.',
    ),
    LOGIN_IP_LIMIT_PER_MINUTE: envInt(30, 1, 10000).describe(
      'Sign-in attempts allowed per client IP per minute.',
    ),
  },
  map: (env) => ({
    sessionIdleMs: env.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: env.SESSION_MAX_HOURS * 3_600_000,
    loginMaxFailures: env.LOGIN_MAX_FAILURES,
    loginLockMs: env.LOGIN_LOCK_SECONDS * 1000,
    loginIpLimitPerMinute: env.LOGIN_IP_LIMIT_PER_MINUTE,
  }),
});
