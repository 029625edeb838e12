/**
 * The app's professional-signed disclosure (docs/protocols/dp3t-backoffice.md), framework-free:
 *
 * 1. `start`: after the patient's consent, draws 6 + 4 digits (and the same code as trustwords), fixes the
 *    exact upload (keys of the last 14 days, origin, visited countries, consent), hashes it canonically
 *    (`veilig.upload.v1`) and registers hash + the first 6 digits; the last 4 never leave the phone except
 *    via the patient to the GP. A reference that is taken is redrawn.
 * 2. `poll` / `waitForApproval`: fetches the GP's signed package with the poll secret and verifies it here:
 *    CMS signature, chain to the app's built-in root, validity at signing time, nonRepudiation, an article-3
 *    role (or the configured policy), and exactly this phone's hash and 10 digits.
 * 3. `upload`: uploads exactly the hashed payload with the package, then destroys the disclosed keys and
 *    rekeys.
 *
 * Every step returns a `DisclosureState`; every failure is a `failed` state with a machine code
 * (`DisclosureFailure`), a plain message and what the UI can offer next.
 */
import { createUziRolePolicy, isRefusal, TrustStore, type UziRolePolicy } from '../src/protocol/cms';
import { toHex } from '../src/protocol/cms/bytes';
import { base64ToBytes, bytesToBase64 } from '../src/protocol/cms/pem';
import {
  codeToTrustwords,
  computeUploadHash,
  DISCLOSURE_REFUSAL_MESSAGES,
  DISCLOSURE_VERIFICATION_TYPE,
  drawDisclosureCode,
  formatDisclosureCode,
  uploadPayloadOf,
  verifyDisclosureApproval,
  type DisclosureCode,
  type DisclosureRefusalReason,
  type DisclosureUploadVerification,
  type RandomBytes,
} from '../src/protocol/disclosure';
import type { TemporaryExposureKey } from '../src/protocol/gaen';
import type { KeyUploadRequest } from '../src/protocol/key-upload';
import type { DisclosurePollResult, RegisteredDisclosure } from '../src/shared/disclosure-contract';
import { BackendClient, BackendError, uploadRequest } from './backend-client';
import { systemClock, type Clock } from './clock';
import type { Phone } from './phone';

/** Why the flow stopped: a refusal of the approval by the phone's own checks, or a flow-level problem. */
export type DisclosureFailure =
  | DisclosureRefusalReason
  | 'CONSENT_REQUIRED'
  | 'NO_KEYS'
  | 'NO_FREE_REFERENCE'
  | 'CODE_EXPIRED'
  | 'REQUEST_CLOSED'
  | 'CODE_USED'
  | 'UPLOAD_REFUSED'
  | 'BACKEND_UNAVAILABLE';

/** What the UI can offer after a failure. */
export type DisclosureNextStep = 'poll-again' | 'start-over' | 'retry-later';

/** The patient's consent screen. */
export interface DisclosureConsent {
  /** The patient agreed to disclose their keys after the professional explained it. */
  disclose: boolean;
  visitedCountries?: string[];
  consentToFederation?: boolean;
  /** Symptom onset (Unix ms), when known: each key then carries its days since onset. */
  onsetMs?: number;
}

/** What the phone keeps while the GP signs; the code is what the patient shows or reads out. */
export interface PendingDisclosure {
  readonly requestId: string;
  readonly pollSecret: string;
  readonly code: DisclosureCode;
  /** `123456-7890`, for display. */
  readonly codeText: string;
  /** The same code as five words per language. */
  readonly trustwords: { readonly nl: readonly string[]; readonly en: readonly string[] };
  readonly expiresAt: string;
  readonly uploadHash: Uint8Array;
  /** The exact body that will be uploaded (the approval goes in `verification` at upload time). */
  readonly upload: KeyUploadRequest;
  /** The disclosed keys, to destroy after the upload. */
  readonly keys: readonly TemporaryExposureKey[];
}

/** The professional who signed, as read from the verified certificate. */
export interface DisclosureSigner {
  readonly name: string;
  readonly uziNumber: string;
  /** UZI role `NN.NNN`, e.g. `01.015` (huisarts). */
  readonly role: string;
}

/** Where the flow is; each step returns one of these. */
export type DisclosureState =
  | { readonly status: 'awaiting-signature'; readonly pending: PendingDisclosure }
  | {
      readonly status: 'approved';
      readonly pending: PendingDisclosure;
      readonly approval: Uint8Array;
      readonly signer: DisclosureSigner;
    }
  | {
      readonly status: 'uploaded';
      readonly insertedKeys: number;
      readonly signer: DisclosureSigner;
      readonly forgottenKeys: number;
    }
  | {
      readonly status: 'failed';
      readonly failure: DisclosureFailure;
      readonly message: string;
      readonly next: DisclosureNextStep;
      /** Kept when the same request can continue (poll again, retry later). */
      readonly pending?: PendingDisclosure;
      /** The backend's problem slug, for an upload refusal. */
      readonly backendSlug?: string;
    };

/** Plain messages for the UI (English; apps translate by code). */
export const DISCLOSURE_FLOW_MESSAGES: Readonly<Record<DisclosureFailure, string>> = {
  ...DISCLOSURE_REFUSAL_MESSAGES,
  NOT_ARTICLE_3_PROFESSIONAL:
    'Signed by a non-BIG professional: only a BIG-registered care provider (such as your GP) can approve this.',
  ROLE_NOT_ALLOWED:
    'Signed by a professional whose profession may not approve disclosures here; ask your GP.',
  NOT_A_CARE_PROVIDER_CARD:
    'Not signed with a care provider card; ask your GP to sign with their own UZI card.',
  NOT_A_SIGNATURE_CERTIFICATE: 'Signed with the wrong certificate of the card; ask your GP to sign again.',
  UNTRUSTED_CHAIN: 'The signature does not come from a recognised card issuer; your keys were not shared.',
  CERTIFICATE_EXPIRED: "The professional's card had expired; ask them to sign with a valid card.",
  CERTIFICATE_REVOKED: "The professional's card has been revoked; ask them to sign with a valid card.",
  CODE_MISMATCH:
    'Code mismatch: the signature is for other digits. Read your code to your GP again and ask them to sign once more.',
  UPLOAD_HASH_MISMATCH: 'The signature is for other data than this phone would share; start again.',
  CONSENT_REQUIRED: 'Agree to share your keys first.',
  NO_KEYS: 'This phone has no keys to share yet.',
  NO_FREE_REFERENCE: 'No free code could be drawn right now; try again in a moment.',
  CODE_EXPIRED: 'The code expired before it was signed; start again for a new code.',
  REQUEST_CLOSED: 'This request was closed; start again for a new code.',
  CODE_USED: 'This code was already used to share keys.',
  UPLOAD_REFUSED: 'The server refused this request; start again.',
  BACKEND_UNAVAILABLE: 'The server cannot be reached; check your connection and try again.',
};

/** Failures that a new signature (by the same or another professional) can fix: keep polling. */
const SIGNER_FAILURES: readonly DisclosureFailure[] = [
  'CODE_MISMATCH',
  'NOT_ARTICLE_3_PROFESSIONAL',
  'ROLE_NOT_ALLOWED',
  'NOT_A_CARE_PROVIDER_CARD',
  'NOT_A_SIGNATURE_CERTIFICATE',
  'NOT_AN_UZI_CERTIFICATE',
  'MALFORMED_UZI_NAME',
  'UNTRUSTED_CHAIN',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'CERTIFICATE_REVOKED',
  'SIGNING_TIME_IN_FUTURE',
];

export interface DisclosureFlowOptions {
  readonly baseUrl: string;
  /** DER of the root(s) built into the app (configurable per deployment): the only trust anchors. */
  readonly trustedRoots: readonly Uint8Array[];
  readonly intermediates?: readonly Uint8Array[];
  /** Role policy; default Wet BIG article 3 professions on a Z card signature certificate. */
  readonly policy?: UziRolePolicy;
  /** Origin put into the upload (and its hash). Default `NL`. */
  readonly homeRegion?: string;
  readonly fetch?: typeof fetch;
  /** Wall clock for signature checks. Default the system clock. */
  readonly clock?: Clock;
  /** Random source for the code (tests). Default WebCrypto. */
  readonly random?: RandomBytes;
  /** Draws before giving up when references are taken. Default 5. */
  readonly maxDraws?: number;
}

/** The phone side of the professional-signed disclosure. */
export class DisclosureFlow {
  private readonly client: BackendClient;
  private readonly clock: Clock;
  private readonly policy: UziRolePolicy;
  private trust: Promise<TrustStore> | undefined;

  constructor(private readonly options: DisclosureFlowOptions) {
    this.client = new BackendClient(options.baseUrl, options.fetch);
    this.clock = options.clock ?? systemClock;
    this.policy = options.policy ?? createUziRolePolicy();
  }

  /** Step 1: draws a code, fixes and hashes the upload, registers hash + reference. */
  async start(phone: Phone, consent: DisclosureConsent | undefined): Promise<DisclosureState> {
    if (consent?.disclose !== true) return failed('CONSENT_REQUIRED', 'start-over');
    const keys = phone.diagnosisKeys({
      includeCurrentKey: true,
      ...(consent.onsetMs !== undefined ? { onsetMs: consent.onsetMs } : {}),
    });
    if (keys.length === 0) return failed('NO_KEYS', 'start-over');
    const homeRegion = this.options.homeRegion ?? 'NL';
    const upload = uploadRequest(keys, {
      origin: homeRegion,
      visitedCountries: [...new Set(consent.visitedCountries ?? [])],
      consentToFederation: consent.consentToFederation === true,
    });
    const uploadHash = await computeUploadHash(uploadPayloadOf(upload, homeRegion));
    for (let draw = 0; draw < (this.options.maxDraws ?? 5); draw++) {
      const code = drawDisclosureCode(this.options.random);
      let registered: RegisteredDisclosure;
      try {
        registered = await this.post<RegisteredDisclosure>('/api/v1/disclosure/requests', {
          reference: code.reference,
          uploadHash: toHex(uploadHash),
        });
      } catch (e) {
        if (e instanceof BackendError && e.slug === 'reference-taken') continue;
        return unavailable(e);
      }
      const pending: PendingDisclosure = {
        requestId: registered.id,
        pollSecret: registered.pollSecret,
        code,
        codeText: formatDisclosureCode(code),
        trustwords: { nl: codeToTrustwords(code, 'nl'), en: codeToTrustwords(code, 'en') },
        expiresAt: registered.expiresAt,
        uploadHash,
        upload,
        keys,
      };
      return { status: 'awaiting-signature', pending };
    }
    return failed('NO_FREE_REFERENCE', 'retry-later');
  }

  /** Step 2, once: the request's state; a signed package is verified before it counts as approved. */
  async poll(pending: PendingDisclosure): Promise<DisclosureState> {
    let result: DisclosurePollResult;
    try {
      result = await this.client.json<DisclosurePollResult>(
        `/api/v1/disclosure/requests/${encodeURIComponent(pending.requestId)}`,
        {
          headers: { authorization: `Bearer ${pending.pollSecret}` },
          cache: 'no-store',
        },
      );
    } catch (e) {
      if (e instanceof BackendError && e.status === 404) return failed('REQUEST_CLOSED', 'start-over');
      return unavailable(e, pending);
    }
    switch (result.status) {
      case 'open':
        return { status: 'awaiting-signature', pending };
      case 'expired':
        return failed('CODE_EXPIRED', 'start-over');
      case 'used':
        return failed('CODE_USED', 'start-over');
      case 'cancelled':
        return failed('REQUEST_CLOSED', 'start-over');
      case 'signed':
        return result.approval
          ? this.check(pending, base64ToBytes(result.approval))
          : { status: 'awaiting-signature', pending };
    }
  }

  /**
   * Verifies a package against this phone's code and upload (also usable for a package obtained another
   * way). CMS signature, chain to the built-in roots, validity at signing time, nonRepudiation, role
   * policy, then exactly this hash and these 10 digits.
   */
  async check(pending: PendingDisclosure, approval: Uint8Array): Promise<DisclosureState> {
    try {
      const verified = await verifyDisclosureApproval(approval, {
        trust: await this.trustStore(),
        policy: this.policy,
        now: new Date(this.clock.nowMs()),
        expected: { uploadHash: pending.uploadHash, code: pending.code },
      });
      const { signer, uzi } = verified.signature;
      return {
        status: 'approved',
        pending,
        approval,
        signer: { name: signer.subject.fields.CN ?? '', uziNumber: uzi.uziNumber, role: uzi.role },
      };
    } catch (e) {
      if (!isRefusal<DisclosureRefusalReason>(e)) throw e;
      return failed(e.reason, SIGNER_FAILURES.includes(e.reason) ? 'poll-again' : 'start-over', pending);
    }
  }

  /**
   * Step 2, repeated: polls until approved, failed or `timeoutMs` passed (then still awaiting).
   * A package that fails the phone's checks ends the wait, so the UI can tell the patient why.
   */
  async waitForApproval(
    pending: PendingDisclosure,
    options: { intervalMs?: number; timeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {},
  ): Promise<DisclosureState> {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const state = await this.poll(pending);
      if (state.status !== 'awaiting-signature' || Date.now() >= deadline) return state;
      await sleep(options.intervalMs ?? 3000);
    }
  }

  /** Step 3: uploads the hashed payload with the approval; on success destroys the disclosed keys and rekeys. */
  async upload(
    phone: Phone,
    approved: Extract<DisclosureState, { status: 'approved' }>,
  ): Promise<DisclosureState> {
    const { pending } = approved;
    const verification: DisclosureUploadVerification = {
      type: DISCLOSURE_VERIFICATION_TYPE,
      requestId: pending.requestId,
      approval: bytesToBase64(approved.approval),
    };
    let insertedKeys: number;
    try {
      ({ insertedKeys } = await this.post<{ insertedKeys: number }>('/api/v1/diagnosis-keys', {
        ...pending.upload,
        verification,
      }));
    } catch (e) {
      if (!(e instanceof BackendError) || e.status >= 500) return unavailable(e, pending);
      const failure: DisclosureFailure = e.slug === 'disclosure-code-used' ? 'CODE_USED' : 'UPLOAD_REFUSED';
      return { ...failed(failure, 'start-over'), backendSlug: e.slug };
    }
    const forgottenKeys = phone.forgetKeys(pending.keys);
    phone.rekey();
    return { status: 'uploaded', insertedKeys, signer: approved.signer, forgottenKeys };
  }

  /** Withdraws the request (the patient changed their mind); frees the reference. */
  async cancel(pending: PendingDisclosure): Promise<void> {
    await this.client.json(`/api/v1/disclosure/requests/${encodeURIComponent(pending.requestId)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${pending.pollSecret}` },
    });
  }

  private trustStore(): Promise<TrustStore> {
    this.trust ??= TrustStore.create({
      roots: this.options.trustedRoots,
      intermediates: this.options.intermediates ?? [],
    });
    return this.trust;
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.client.json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}

function failed(
  failure: DisclosureFailure,
  next: DisclosureNextStep,
  pending?: PendingDisclosure,
): Extract<DisclosureState, { status: 'failed' }> {
  return {
    status: 'failed',
    failure,
    message: DISCLOSURE_FLOW_MESSAGES[failure],
    next,
    ...(pending && next !== 'start-over' ? { pending } : {}),
  };
}

function unavailable(error: unknown, pending?: PendingDisclosure): DisclosureState {
  // A refusal the app cannot act on (4xx) is a bug or an attack; anything else is the network.
  if (error instanceof BackendError && error.status < 500 && error.status !== 429)
    return { ...failed('UPLOAD_REFUSED', 'start-over'), backendSlug: error.slug };
  return failed('BACKEND_UNAVAILABLE', 'retry-later', pending);
}
