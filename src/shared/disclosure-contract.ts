/**
 * JSON shapes of the professional-signed disclosure APIs, shared by the server DTOs, the GP
 * portal and the phone core. Phone endpoints are under `/api/v1/disclosure`, the backoffice ones under
 * `/api/backoffice/disclosure` (clinician role, session cookie + CSRF header). Errors are problem+json;
 * refusals of a signature carry `reason` (a `DisclosureRefusalReason`).
 */

/** Life cycle of a request as the phone and the GP see it. */
export type DisclosureRequestStatus = 'open' | 'signed' | 'used' | 'expired' | 'cancelled';

/** POST /api/v1/disclosure/requests (phone) */
export interface RegisterDisclosureRequest {
  /** The first 6 of the 10 digits. */
  reference: string;
  /** SHA-256 of the canonical upload (`veilig.upload.v1`), 64 lower-case hex digits. */
  uploadHash: string;
}

/** 201 answer to the registration: the poll secret is shown once and stored only as a hash. */
export interface RegisteredDisclosure {
  id: string;
  pollSecret: string;
  expiresAt: string;
}

/** GET /api/v1/disclosure/requests/:id with `Authorization: Bearer <pollSecret>` (phone) */
export interface DisclosurePollResult {
  status: DisclosureRequestStatus;
  expiresAt: string;
  /** Base64 DER CMS SignedData, when signed. */
  approval?: string;
  signedAt?: string;
}

/** POST /api/backoffice/disclosure/lookup: only the reference leaves the GP's browser. */
export interface LookupDisclosureRequest {
  reference: string;
}

/** What a clinician sees of a request: when, and a fingerprint of what they approve. */
export interface DisclosureRequestView {
  id: string;
  status: DisclosureRequestStatus;
  createdAt: string;
  /** By when a GP must sign (registration + the code lifetime), also for a request signed before. */
  expiresAt: string;
  /** The full hash, which goes into the signed approval. */
  uploadHash: string;
  /** First 8 bytes as `3f2a 91c0 …`, for the screen. */
  uploadHashFingerprint: string;
  signedAt: string | null;
  /** Accepted signatures so far and the maximum (a mistyped code may be corrected). */
  signatures: number;
  maxSignatures: number;
}

/** POST /api/backoffice/disclosure/requests/:id/approval */
export interface SubmitApprovalRequest {
  /** Base64 DER CMS SignedData over the `veilig-disclosure-approval/1` text. */
  cms: string;
}

/** The signer as read from the verified certificate. */
export interface ApprovalSigner {
  name: string;
  uziNumber: string;
  /** UZI role `NN.NNN`, e.g. `01.015` (huisarts). */
  role: string;
}

export interface SubmittedApproval {
  status: 'signed';
  signedAt: string;
  /** By when the phone must upload. */
  expiresAt: string;
  signer: ApprovalSigner;
}

/** GET /api/backoffice/disclosure/settings: what the portal needs to know. */
export interface BackofficeDisclosureSettings {
  /** Base URL of the local smart-card signing bridge (docs/smartcard-bridge.md). */
  smartCardBridgeUrl: string;
  requestTtlMinutes: number;
}
