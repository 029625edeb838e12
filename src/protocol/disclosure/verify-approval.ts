/**
 * Verifying a GP's disclosure approval: an attached CMS signature by an UZI card holder allowed by the role
 * policy, over an approval that holds exactly the expected upload hash and code. The phone checks the full
 * 6 + 4 digits; the backend, which never learns the last 4 digits from the phone, checks the 6-digit reference.
 */
import { type BytesLike, constantTimeEqual, utf8 } from '../cms/bytes';
import { OID } from '../cms/oids';
import { type UziVerification, type VerifyUziOptions, verifyUziSignature } from '../cms/uzi';
import { type DisclosureApproval, parseApproval } from './approval';
import { type DisclosureCode, disclosureCodesEqual } from './code';
import { refuseDisclosure } from './errors';
import { uploadHashesEqual } from './upload-payload';

/** What the phone expects: its own upload hash and full code. */
export interface PhoneExpectation {
  readonly uploadHash: Uint8Array;
  readonly code: DisclosureCode;
}

/** What the backend expects: the upload hash and the 6-digit reference it stored. */
export interface BackendExpectation {
  readonly uploadHash: Uint8Array;
  readonly reference: string;
}

/** Options of `verifyDisclosureApproval`: UZI verification options (trust, CRLs, policy, clock) plus the expectation. */
export interface VerifyApprovalOptions extends Omit<VerifyUziOptions, 'content'> {
  readonly expected: PhoneExpectation | BackendExpectation;
}

/** A verified approval with the signer's verification details. */
export interface VerifiedApproval {
  readonly approval: DisclosureApproval;
  readonly signature: UziVerification;
}

/** Default upper bound on the age of an approval signature: 72 hours (phones may be offline for a weekend). */
export const DEFAULT_APPROVAL_MAX_AGE_MS = 72 * 3600_000;

/**
 * Verifies an approval package (RFC 5652 CMS, docs/protocols/uzi.md §U7 role policy,
 * docs/protocols/dp3t-backoffice.md §D6 content check). Order: signature and signer first (a broken or
 * unauthorised signature says nothing about its content), then the approval format, then the code, then the
 * upload hash. The approval must be encapsulated (attached); a detached package is refused with
 * CONTENT_MISSING.
 * @throws RefusalError with a `DisclosureRefusalReason`
 */
export async function verifyDisclosureApproval(
  cms: BytesLike,
  options: VerifyApprovalOptions,
): Promise<VerifiedApproval> {
  const { expected, ...rest } = options;
  const signature = await verifyUziSignature(cms, {
    ...rest,
    requireSigningTime: true,
    maxSignatureAgeMs: rest.maxSignatureAgeMs ?? DEFAULT_APPROVAL_MAX_AGE_MS,
  });
  if (signature.contentType !== OID.data)
    throw refuseDisclosure('MALFORMED_APPROVAL', `eContentType ${signature.contentType}, expected id-data`);
  const approval = parseApproval(signature.content);
  const codeMatches =
    'code' in expected
      ? disclosureCodesEqual(approval.code, expected.code)
      : constantTimeEqual(utf8(approval.code.reference), utf8(expected.reference));
  if (!codeMatches) throw refuseDisclosure('CODE_MISMATCH');
  if (!uploadHashesEqual(approval.uploadHash, expected.uploadHash))
    throw refuseDisclosure('UPLOAD_HASH_MISMATCH');
  return { approval, signature };
}
