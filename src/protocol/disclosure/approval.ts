/**
 * The exact content a GP signs to approve a disclosure: the upload hash and the 6 + 4 digits, nothing else
 * (docs/protocols/dp3t-backoffice.md §D5).
 *
 * Format `veilig-disclosure-approval/1`: ASCII text, LF line endings, exactly three lines, each ending in LF:
 *
 * ```
 * veilig-disclosure-approval/1
 * upload-sha256: <64 lower-case hex digits>
 * code: <6 digits>-<4 digits>
 * ```
 *
 * Text rather than DER because smart-card signing software shows the signer what they sign. The first
 * line is a domain-separation label and version, so a signature over this can never be mistaken for a
 * signature over anything else a GP signs, and the parser accepts only this exact byte layout (no BOM,
 * no CR, no extra spaces or lines, lower-case hex only): one approval has exactly one encoding.
 */
import { fromHex, toHex, utf8 } from '../cms/bytes';
import type { RefusalError } from '../cms/refusal';
import { type DisclosureCode, formatDisclosureCode } from './code';
import { type DisclosureRefusalReason, refuseDisclosure } from './errors';

/** First line of an approval: label and format version. */
export const APPROVAL_LABEL = 'veilig-disclosure-approval/1';

/** What the GP approves. */
export interface DisclosureApproval {
  /** 32-byte SHA-256 of the canonical upload payload (`computeUploadHash`). */
  readonly uploadHash: Uint8Array;
  readonly code: DisclosureCode;
}

const LAYOUT = /^veilig-disclosure-approval\/1\nupload-sha256: ([0-9a-f]{64})\ncode: (\d{6})-(\d{4})\n$/;
const LENGTH = APPROVAL_LABEL.length + 1 + 'upload-sha256: '.length + 64 + 1 + 'code: '.length + 11 + 1;

/**
 * Encodes an approval as the bytes to sign (format `veilig-disclosure-approval/1`).
 * @throws RangeError when the hash is not 32 bytes; DisclosureInputError for a malformed code.
 * Spec: format `veilig-disclosure-approval/1` (file header); docs/protocols/dp3t-backoffice.md §D5, §D8.
 */
export function encodeApproval(approval: DisclosureApproval): Uint8Array {
  if (approval.uploadHash.length !== 32) throw new RangeError('an upload hash has 32 bytes');
  return utf8(
    `${APPROVAL_LABEL}\nupload-sha256: ${toHex(approval.uploadHash)}\ncode: ${formatDisclosureCode(approval.code)}\n`,
  );
}

/**
 * Parses signed content back into an approval, accepting only the exact canonical bytes.
 * @throws RefusalError MALFORMED_APPROVAL for anything else.
 * Spec: format `veilig-disclosure-approval/1` (file header).
 */
export function parseApproval(content: Uint8Array): DisclosureApproval {
  if (content.length !== LENGTH) throw malformed(`length ${content.length}, expected ${LENGTH}`);
  for (const b of content)
    if (b > 0x7e || (b < 0x20 && b !== 0x0a)) throw malformed('non-printable or non-ASCII byte');
  const match = LAYOUT.exec(new TextDecoder().decode(content));
  if (!match) throw malformed('layout differs from veilig-disclosure-approval/1');
  return { uploadHash: fromHex(match[1]), code: { reference: match[2], secret: match[3] } };
}

function malformed(detail: string): RefusalError<DisclosureRefusalReason> {
  return refuseDisclosure('MALFORMED_APPROVAL', detail);
}
