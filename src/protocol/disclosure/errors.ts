/**
 * Errors of the disclosure domain: input errors (a GP typed a wrong code or word) and refusal reasons for
 * approvals, extending the CMS refusal reasons with the checks on the signed content.
 */
import { CMS_REFUSAL_MESSAGES, type CmsRefusalReason, RefusalError } from '../cms/refusal';

/** Why typed input is not a disclosure code. */
export type DisclosureInputErrorCode = 'NOT_A_CODE' | 'UNKNOWN_WORD' | 'WRONG_WORD_COUNT';

/** A code or trustwords could not be read; `code` lets the UI say which. */
export class DisclosureInputError extends Error {
  override readonly name = 'DisclosureInputError';

  constructor(
    readonly code: DisclosureInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Refusal reasons of `verifyDisclosureApproval`: every CMS/UZI reason plus the signed-content checks. */
export type DisclosureRefusalReason =
  CmsRefusalReason | 'MALFORMED_APPROVAL' | 'CODE_MISMATCH' | 'UPLOAD_HASH_MISMATCH';

/** Default human messages for the disclosure-specific reasons (CMS reasons use `CMS_REFUSAL_MESSAGES`). */
export const DISCLOSURE_REFUSAL_MESSAGES: Readonly<Record<DisclosureRefusalReason, string>> = {
  ...CMS_REFUSAL_MESSAGES,
  MALFORMED_APPROVAL: 'The signed document is not a disclosure approval in the expected format.',
  CODE_MISMATCH: 'The approval was signed for another code: check the 6 + 4 digits with the patient.',
  UPLOAD_HASH_MISMATCH: 'The approval does not match the keys being uploaded (the upload was changed).',
};

/**
 * Creates a disclosure refusal with its default message. Spec: docs/protocols/dp3t-backoffice.md §D6–§D7
 * (phone and backend checks).
 */
export function refuseDisclosure(
  reason: DisclosureRefusalReason,
  detail?: string,
): RefusalError<DisclosureRefusalReason> {
  return new RefusalError<DisclosureRefusalReason>(reason, DISCLOSURE_REFUSAL_MESSAGES[reason], detail);
}
