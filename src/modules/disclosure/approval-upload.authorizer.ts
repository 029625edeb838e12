import { badRequest, ProblemException } from '../../common/http/problem';
import type { Clock } from '../../infrastructure/clock';
import { base64ToBytes, fromHex, isRefusal } from '../../protocol/cms';
import {
  computeUploadHash,
  DISCLOSURE_REPORT_TYPE,
  DISCLOSURE_VERIFICATION_TYPE,
  uploadHashesEqual,
  UploadPayloadError,
  uploadPayloadOf,
  type DisclosureRefusalReason,
  type DisclosureUploadVerification,
} from '../../protocol/disclosure';
import type { AuditService } from '../audit/audit.service';
import type { UploadAuthorizer, UploadContext, UploadGrant } from '../key-store/upload-authorization';
import type { ApprovalVerifier } from './approval-verifier.service';
import { codeUsed, type DisclosureService } from './disclosure.service';
import { approvalRefused } from './refusals';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64 = /^[A-Za-z0-9+/]{4,87384}={0,2}$/;
const notAuthorised = (slug: string, detail: string) =>
  new ProblemException(401, slug, 'Upload not authorised', detail, { reason: slug });

/**
 * Uploads with a GP's approval (`verification.type = disclosure-approval`): the request must be signed and
 * unused; the approval is verified again in full (signature, chain, validity at signing time, revocation,
 * role policy, reference); the SHA-256 of the canonical payload re-encoded from exactly what the app sent
 * must equal the signed hash and the registered one. The request is marked used in the keys' transaction.
 */
export class ApprovalUploadAuthorizer implements UploadAuthorizer {
  readonly name = 'disclosure-approval';

  constructor(
    private readonly disclosures: DisclosureService,
    private readonly verifier: ApprovalVerifier,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly options: { homeRegion: string; maxKeys: number },
  ) {}

  accepts(ctx: UploadContext): boolean {
    return (ctx.body.verification as { type?: unknown } | undefined)?.type === DISCLOSURE_VERIFICATION_TYPE;
  }

  async authorize(ctx: UploadContext): Promise<UploadGrant> {
    const v = ctx.body.verification as Partial<DisclosureUploadVerification>;
    const extra = Object.keys(v).filter((k) => !['type', 'requestId', 'approval'].includes(k));
    if (
      extra.length ||
      typeof v.requestId !== 'string' ||
      !UUID.test(v.requestId) ||
      typeof v.approval !== 'string' ||
      !BASE64.test(v.approval) ||
      v.approval.length % 4 !== 0
    ) {
      throw badRequest(
        'invalid-verification',
        'verification must be { type: "disclosure-approval", requestId (uuid), approval (base64 CMS) }.',
        { reason: 'bad-verification' },
      );
    }
    const requestId = v.requestId;
    const row = await this.disclosures.findRequest(requestId);
    if (!row)
      throw notAuthorised(
        'disclosure-request-not-found',
        'No such disclosure request; start again in the app.',
      );
    const status = this.disclosures.effectiveStatus(row);
    if (status === 'used') throw codeUsed();
    if (status !== 'signed' || !row.reference) {
      throw notAuthorised(
        status === 'open' ? 'disclosure-not-signed' : 'disclosure-request-closed',
        status === 'open'
          ? 'No professional has signed this request yet.'
          : 'This request has expired or was cancelled; start again in the app.',
      );
    }

    let uploadHash: Uint8Array;
    try {
      uploadHash = await computeUploadHash(
        uploadPayloadOf(ctx.body, this.options.homeRegion, DISCLOSURE_REPORT_TYPE),
      );
    } catch (e) {
      if (e instanceof UploadPayloadError)
        throw badRequest(
          'disclosure-upload-not-canonical',
          `The upload cannot be hashed canonically: ${e.message}.`,
          { reason: 'not-canonical', field: e.field },
        );
      throw e;
    }
    try {
      await this.verifier.verify(base64ToBytes(v.approval), { uploadHash, reference: row.reference });
      // The approval matches what arrived; it must also be the upload the phone registered.
      if (!uploadHashesEqual(uploadHash, fromHex(row.uploadHash))) throw new UploadHashMismatch();
    } catch (e) {
      const reason: DisclosureRefusalReason | null =
        e instanceof UploadHashMismatch
          ? 'UPLOAD_HASH_MISMATCH'
          : isRefusal<DisclosureRefusalReason>(e)
            ? e.reason
            : null;
      if (!reason) throw e;
      await this.audit.record(
        { kind: 'app' },
        {
          action: 'disclosure.upload',
          outcome: 'denied',
          objectType: 'disclosure-request',
          objectId: row.id,
          details: { reason },
        },
      );
      throw approvalRefused(reason, 'upload');
    }

    return {
      flow: 'professional-signed',
      reportType: DISCLOSURE_REPORT_TYPE,
      maxKeys: this.options.maxKeys,
      spend: this.disclosures.spendStatement(requestId),
      alsoInTransaction: (em) =>
        this.audit.record(
          { kind: 'app', organisationId: row.organisationId },
          {
            action: 'disclosure.upload',
            outcome: 'success',
            objectType: 'disclosure-request',
            objectId: row.id,
            details: { keys: ctx.keys.length },
          },
          em,
        ),
    };
  }
}

class UploadHashMismatch extends Error {}
