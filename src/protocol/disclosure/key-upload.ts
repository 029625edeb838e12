/**
 * How a professional-signed disclosure travels with the key upload (`POST /api/v1/diagnosis-keys`), shared
 * by the phone (which hashes the upload before the GP signs) and the backend (which re-hashes what arrived).
 * Both sides must derive the same `UploadPayload` from the same JSON body, so the mapping lives here once.
 */
import { base64ToBytes } from '../cms/pem';
import {
  REPORT_TYPES,
  TRL_NOT_PROVIDED,
  UploadPayloadError,
  type ReportType,
  type UploadPayload,
} from './upload-payload';

/** `verification.type` of an upload that carries a GP's approval. */
export const DISCLOSURE_VERIFICATION_TYPE = 'disclosure-approval';

/**
 * Report type of keys disclosed after a consult: a professional's assessment (EFGS ReportType 2,
 * docs/protocols/efgs.md §A2). The key store assigns it; the phone hashes its keys with it.
 */
export const DISCLOSURE_REPORT_TYPE: ReportType = REPORT_TYPES.CONFIRMED_CLINICAL_DIAGNOSIS;

/** The `verification` member of an upload in this flow. */
export interface DisclosureUploadVerification {
  readonly type: typeof DISCLOSURE_VERIFICATION_TYPE;
  /** Id of the disclosure request the phone registered. */
  readonly requestId: string;
  /** Base64 (standard alphabet) of the DER CMS SignedData the GP made. */
  readonly approval: string;
}

/**
 * The parts of a key upload body (`KeyUploadRequest` in ../key-upload) that the hash covers. Declared here
 * structurally so the browser portal can import this folder without the key-upload module's Node types.
 */
export interface HashedUploadBody {
  readonly keys: readonly {
    readonly key: string;
    readonly rollingStartIntervalNumber: number;
    readonly rollingPeriod: number;
    readonly transmissionRiskLevel?: number;
    readonly daysSinceOnsetOfSymptoms?: number;
  }[];
  readonly origin?: string;
  readonly visitedCountries?: readonly string[];
  readonly consentToFederation?: boolean;
}

/**
 * The canonical payload (`veilig.upload.v1`) of a key upload body, exactly as sent: keys with the
 * transmission risk level and days since onset as given (absent = "not provided"), the origin (absent =
 * `homeRegion`, as the key store does), visited countries and consent. Padding and verification are not
 * part of it. Why here: the phone's hash and the backend's must come from one mapping.
 * @throws UploadPayloadError when a value cannot be encoded canonically (e.g. a visited country twice).
 * Spec: docs/protocols/dp3t-backoffice.md §D7 (the signed hash must be that of the uploaded keys).
 */
export function uploadPayloadOf(
  body: HashedUploadBody,
  homeRegion: string,
  reportType: ReportType = DISCLOSURE_REPORT_TYPE,
): UploadPayload {
  return {
    keys: body.keys.map((k, i) => {
      let key: Uint8Array;
      try {
        key = base64ToBytes(k.key);
      } catch {
        throw new UploadPayloadError(`keys[${i}].key`, 'must be base64');
      }
      return {
        key,
        rollingStartIntervalNumber: k.rollingStartIntervalNumber,
        rollingPeriod: k.rollingPeriod,
        transmissionRiskLevel: k.transmissionRiskLevel ?? TRL_NOT_PROVIDED,
        daysSinceOnsetOfSymptoms: k.daysSinceOnsetOfSymptoms ?? null,
        reportType,
      };
    }),
    origin: body.origin ?? homeRegion,
    visitedCountries: body.visitedCountries ?? [],
    consentToFederation: body.consentToFederation === true,
  };
}
