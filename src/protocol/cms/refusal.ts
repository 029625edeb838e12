/**
 * Machine-readable refusal reasons for signature checks. Each reason is a state the phone UI, the GP
 * portal and the backend can show or log; the human message is English and meant for logs and as a
 * fallback — UIs translate by `reason`.
 */

/** Why a CMS signature or its signer certificate was refused (RFC 5652, RFC 5280, docs/protocols/uzi.md). */
export const CMS_REFUSAL_REASONS = [
  'MALFORMED_CMS',
  'UNSUPPORTED_ALGORITHM',
  'SIGNER_CERTIFICATE_NOT_FOUND',
  'CONTENT_MISSING',
  'CONTENT_MISMATCH',
  'BAD_SIGNATURE',
  'SIGNING_TIME_MISSING',
  'SIGNING_TIME_IN_FUTURE',
  'SIGNATURE_TOO_OLD',
  'UNTRUSTED_CHAIN',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_REVOKED',
  'REVOCATION_UNKNOWN',
  'NOT_A_SIGNATURE_CERTIFICATE',
  'NOT_AN_UZI_CERTIFICATE',
  'MALFORMED_UZI_NAME',
  'NOT_A_CARE_PROVIDER_CARD',
  'NOT_ARTICLE_3_PROFESSIONAL',
  'ROLE_NOT_ALLOWED',
] as const;

export type CmsRefusalReason = (typeof CMS_REFUSAL_REASONS)[number];

/** Default human messages, one per reason; UIs should translate by reason code. */
export const CMS_REFUSAL_MESSAGES: Readonly<Record<CmsRefusalReason, string>> = {
  MALFORMED_CMS: 'The signed package is damaged or is not a CMS SignedData structure.',
  UNSUPPORTED_ALGORITHM:
    'The package uses an algorithm or key size we do not accept (SHA-1, small keys, unknown curves).',
  SIGNER_CERTIFICATE_NOT_FOUND: "The signer's certificate is not included in the package.",
  CONTENT_MISSING: 'The signature is detached and the signed data was not supplied.',
  CONTENT_MISMATCH:
    'The signature does not cover this data: the data was changed or belongs to another request.',
  BAD_SIGNATURE: 'The signature is not valid for the signer certificate.',
  SIGNING_TIME_MISSING: 'The signature carries no signing time.',
  SIGNING_TIME_IN_FUTURE: 'The signing time lies in the future; check the clock of the signing computer.',
  SIGNATURE_TOO_OLD: 'The signature is older than allowed; ask for a new signature.',
  UNTRUSTED_CHAIN: 'The signer certificate does not lead to a trusted root (not an accepted card issuer).',
  CERTIFICATE_NOT_YET_VALID: 'A certificate in the chain was not yet valid at the signing time.',
  CERTIFICATE_EXPIRED: 'A certificate in the chain had expired at the signing time.',
  CERTIFICATE_REVOKED: 'The signer certificate (or its issuer) has been revoked.',
  REVOCATION_UNKNOWN: 'The revocation status could not be checked (no current, valid revocation list).',
  NOT_A_SIGNATURE_CERTIFICATE:
    'The certificate is not meant for signing (e.g. the authentication certificate of the card was used).',
  NOT_AN_UZI_CERTIFICATE: 'The certificate carries no UZI registration (subjectAltName 2.5.5.5).',
  MALFORMED_UZI_NAME: 'The UZI registration in the certificate is malformed.',
  NOT_A_CARE_PROVIDER_CARD: 'The certificate is not from a care provider card (zorgverlenerpas).',
  NOT_ARTICLE_3_PROFESSIONAL: 'The signer is not a professional registered under article 3 of the Wet BIG.',
  ROLE_NOT_ALLOWED: 'The profession of the signer is not allowed to approve disclosures in this deployment.',
};

/**
 * A refusal: thrown by every check in `src/protocol/cms` and `src/protocol/disclosure`.
 * `reason` is stable and machine-readable; `detail` is diagnostic text for logs (never shown as the only
 * explanation, and free of secrets).
 */
export class RefusalError<R extends string = CmsRefusalReason> extends Error {
  override readonly name = 'RefusalError';

  constructor(
    readonly reason: R,
    message: string,
    readonly detail?: string,
  ) {
    super(detail ? `${message} (${detail})` : message);
  }
}

/** Creates a refusal with the default message for a CMS reason (RFC 5652 / RFC 5280 checks). */
export function refuse(reason: CmsRefusalReason, detail?: string): RefusalError<CmsRefusalReason> {
  return new RefusalError(reason, CMS_REFUSAL_MESSAGES[reason], detail);
}

/**
 * Type guard for refusals, optionally of specific reasons; keeps `catch (e: unknown)` blocks tidy.
 * Spec: RFC 5652 §5.6 / RFC 5280 §6 outcomes as refusals.
 */
export function isRefusal<R extends string = CmsRefusalReason>(
  error: unknown,
  ...reasons: R[]
): error is RefusalError<R> {
  return error instanceof RefusalError && (reasons.length === 0 || reasons.includes(error.reason as R));
}
