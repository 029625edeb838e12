import { envInt } from '../../config/env';

/** Sessions, login back-off and first-start admin. */
export const accountsEnv = {
  SESSION_IDLE_MINUTES: envInt(30, 1, 24 * 60).describe('A portal session ends after this many idle minutes.'),
  SESSION_MAX_HOURS: envInt(12, 1, 24 * 7).describe('A portal session ends this many hours after login.'),
  LOGIN_MAX_FAILURES: envInt(5, 1, 100).describe(
    'Consecutive failed logins before an account is locked with exponential back-off.',
  ),
  LOGIN_LOCK_SECONDS: envInt(60, 1, 86400).describe(
    'First lock duration; doubles with every further failure, capped at one hour.',
  ),
  LOGIN_IP_LIMIT_PER_MINUTE: envInt(30, 1, 10000).describe('Login attempts allowed per client IP per minute.'),
};
