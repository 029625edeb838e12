import { ProblemException } from '../../common/http/problem';
import { DISCLOSURE_REFUSAL_MESSAGES, type DisclosureRefusalReason } from '../../protocol/disclosure';

const MALFORMED: readonly DisclosureRefusalReason[] = [
  'MALFORMED_CMS',
  'MALFORMED_APPROVAL',
  'CONTENT_MISSING',
];

/** `CERTIFICATE_REVOKED` → `certificate-revoked`: one problem slug per refusal reason. */
export function refusalSlug(reason: DisclosureRefusalReason): string {
  return reason.toLowerCase().replace(/_/g, '-');
}

/**
 * A refused approval as problem+json: 400 for a package that is not an approval at all; otherwise 422
 * when a clinician submits it, 401 when a phone uploads with it (the upload is not authorised).
 * The detail is the reason's fixed message, never the verifier's diagnostic text (it may quote names).
 */
export function approvalRefused(reason: DisclosureRefusalReason, at: 'submit' | 'upload'): ProblemException {
  const status = MALFORMED.includes(reason) ? 400 : at === 'submit' ? 422 : 401;
  const title = at === 'submit' ? 'Signature refused' : 'Upload not authorised';
  return new ProblemException(status, refusalSlug(reason), title, DISCLOSURE_REFUSAL_MESSAGES[reason], {
    reason,
  });
}
