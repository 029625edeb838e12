/**
 * JSON shapes of the irmago requestor API (`irma server`), as far as a disclosing requestor needs them.
 * Reference: irma.app/docs/api-irma-server and irmago's `server/api.go`, `requests.go`; the facts we rely on
 * are in docs/protocols/irma.md.
 */

/** An attribute in a disclosure request: a plain id, or with a required value / not-null flag. */
export type AttributeRequest = string | { type: string; value?: string | null; notNull?: boolean };

/** Condiscon: outer array = AND of items, each item = OR of options, each option = AND of attributes. */
export type Condiscon = AttributeRequest[][][];

export interface DisclosureRequest {
  '@context': 'https://irma.app/ld/request/disclosure/v2';
  disclose: Condiscon;
  labels?: Record<string, { en?: string; nl?: string }>;
  clientReturnUrl?: string;
  augmentReturnUrl?: boolean;
}

/** The extended wrapper (`RequestorRequest`) with session timeout and callback. */
export interface ExtendedDisclosureRequest {
  validity?: number;
  timeout?: number;
  callbackUrl?: string;
  request: DisclosureRequest;
}

export interface SessionPointer {
  u: string;
  irmaqr: 'disclosing' | 'signing' | 'issuing' | 'redirect';
}

export interface FrontendSessionRequest {
  authorization: string;
  minProtocolVersion: string;
  maxProtocolVersion: string;
  pairingHint?: boolean;
}

/** `POST /session` answer. `token` is the requestor's handle and must stay on the backend. */
export interface SessionPackage {
  token: string;
  sessionPtr: SessionPointer;
  frontendRequest: FrontendSessionRequest;
}

export const SESSION_STATUSES = [
  'INITIALIZED',
  'PAIRING',
  'CONNECTED',
  'DONE',
  'CANCELLED',
  'TIMEOUT',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly SessionStatus[] = ['DONE', 'CANCELLED', 'TIMEOUT'];

export type ProofStatus =
  'VALID' | 'INVALID' | 'INVALID_TIMESTAMP' | 'UNMATCHED_REQUEST' | 'MISSING_ATTRIBUTES' | 'EXPIRED';

export interface DisclosedAttribute {
  id: string;
  rawvalue: string | null;
  value?: Record<string, string>;
  status: 'PRESENT' | 'EXTRA' | 'NULL';
  issuancetime?: number;
}

/** `GET /session/{token}/result`. */
export interface SessionResult {
  token: string;
  status: SessionStatus;
  type: 'disclosing' | 'signing' | 'issuing';
  proofStatus?: ProofStatus;
  disclosed?: DisclosedAttribute[][];
}

/** Error body of the IRMA server (`RemoteError`). */
export interface IrmaErrorBody {
  status: number;
  error: string;
  description: string;
  message?: string;
}
