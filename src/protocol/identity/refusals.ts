/**
 * Every answer of the identity-based flow that is not "verified", as the app receives it: problem+json
 * (RFC 9457) whose `type` ends in the slug and whose `reason` the app maps to its message. One table, used
 * by the server to build the problems and by the app (and docs/identity-verification.md) to explain them.
 */
export const IDENTITY_REFUSALS = {
  'identity-not-verified': {
    status: 403,
    reason: 'no-positive-test',
    title: 'Not verified',
    detail:
      'No positive test with a recent sample was found for you. You cannot notify your contacts through the app.',
  },
  'identity-blocked': {
    status: 429,
    reason: 'too-many-verifications',
    title: 'Blocked for now',
    detail: 'You verified too often in the last 24 hours; notifying is blocked for now. Try again later.',
  },
  'identity-too-young': {
    status: 403,
    reason: 'too-young',
    title: 'Too young',
    detail: 'You must be 16 or older to notify your contacts through the app.',
  },
  'identity-test-too-old': {
    status: 403,
    reason: 'test-too-old',
    title: 'Test too old',
    detail: 'Your positive test was taken more than 14 days ago; notifying is no longer useful.',
  },
  'identity-registry-unavailable': {
    status: 503,
    reason: 'registry-unavailable',
    title: 'Test results unavailable',
    detail: 'The test result registry did not answer. Please try again in a few minutes.',
  },
  'identity-login-failed': {
    status: 401,
    reason: 'login-failed',
    title: 'Login failed',
    detail: 'Logging in with the national identity provider failed or was cancelled.',
  },
} as const;

export type IdentityRefusal = keyof typeof IDENTITY_REFUSALS;

/** Slug of each eligibility reason (see rules.ts). */
export const REFUSAL_OF_REASON = {
  'no-positive-test': 'identity-not-verified',
  'too-young': 'identity-too-young',
  'test-too-old': 'identity-test-too-old',
} as const satisfies Record<string, IdentityRefusal>;

/** True for a slug from the table above. */
export function isIdentityRefusal(slug: string): slug is IdentityRefusal {
  return Object.prototype.hasOwnProperty.call(IDENTITY_REFUSALS, slug);
}
