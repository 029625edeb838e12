/**
 * The app's identity-based verification (docs/protocols/smittestopp.md §S2–§S3), framework-free:
 *
 * 1. `begin`: after the extra consent, the URL to open in the system browser (the verification service,
 *    which sends the user on to the national identity provider) plus what the app keeps meanwhile (its
 *    PKCE verifier and state).
 * 2. `complete`: the browser came back at the app's redirect URI with a result code; the app fetches the
 *    outcome (or the refusal to show), checks the token key against the published list, blinds a fresh
 *    token (RFC 9474), has it signed, unblinds and verifies it. The service never sees the token.
 * 3. `upload`: with the symptom onset date (or none: the sample date), labels each key of the last 14
 *    days with DSOS and infectiousness and uploads them once with the token; then the phone destroys the
 *    uploaded keys and rekeys, as after a professional-signed disclosure.
 */
import { randomBytes } from 'node:crypto';
import {
  BLIND_TOKEN_VERIFICATION_TYPE,
  blind,
  checkOnsetDate,
  codeChallengeS256,
  codeVerifier,
  finalize,
  isIsoDate,
  isoDay,
  labelDiagnosisKeys,
  prepareRandomized,
  publicKeyOf,
  publicNumbers,
  tokenMessage,
  type BlindTokenVerification,
  type LabelledKey,
  type PublishedTokenKey,
} from '../src/protocol/identity';
import { BackendClient, type UploadOptions } from './backend-client';
import type { Phone } from './phone';

/** The extra consent screen: the user agreed to log in and have their test result looked up. */
export interface VerificationConsent {
  identityLookup: boolean;
}

/** What the app keeps while the browser is away. */
export interface PendingVerification {
  authorizationUrl: string;
  redirectUri: string;
  codeVerifier: string;
  state: string;
}

/** A verified, unlinkable permission to upload once (nothing in it names the person). */
export interface UploadAuthorization {
  sampleDate: string;
  keyId: string;
  maxKeys: number;
  notAfter: string;
  /** base64url of the prepared token message. */
  token: string;
  /** base64url RSASSA-PSS signature over it. */
  signature: string;
}

export class IdentityFlowError extends Error {
  constructor(
    message: string,
    readonly reason: 'consent-required' | 'bad-redirect' | 'untrusted-token-key' | 'bad-onset-date',
  ) {
    super(message);
    this.name = 'IdentityFlowError';
  }
}

interface VerificationResult {
  verified: true;
  sampleDate: string;
  tokenKey: PublishedTokenKey;
}

export class IdentityVerificationFlow {
  private readonly client: BackendClient;

  constructor(
    readonly baseUrl: string,
    /** The app's registered redirect URI (a claimed https link or private-use scheme, RFC 8252). */
    readonly redirectUri: string,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.client = new BackendClient(baseUrl, fetchImpl);
  }

  /** Step 1: refuses without the extra consent; otherwise the URL to open and the state to keep. */
  begin(consent: VerificationConsent | undefined): PendingVerification {
    if (consent?.identityLookup !== true)
      throw new IdentityFlowError('Verification needs the extra consent first.', 'consent-required');
    const verifier = codeVerifier();
    const state = randomBytes(16).toString('base64url');
    const url = new URL('/api/v1/identity/authorize', this.baseUrl);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('code_challenge', codeChallengeS256(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('state', state);
    return { authorizationUrl: url.toString(), redirectUri: this.redirectUri, codeVerifier: verifier, state };
  }

  /**
   * Step 2: from the URL the browser returned to, obtains the blind-signed upload token. Refusals arrive
   * as BackendError with the problem's slug and `reason` (identity-not-verified, identity-blocked, …).
   */
  async complete(pending: PendingVerification, returnedUrl: string): Promise<UploadAuthorization> {
    const back = new URL(returnedUrl);
    const code = back.searchParams.get('code');
    if (
      !returnedUrl.startsWith(pending.redirectUri) ||
      back.searchParams.get('state') !== pending.state ||
      !code
    ) {
      throw new IdentityFlowError('The login came back to the app with an unexpected URL.', 'bad-redirect');
    }
    const proof = { code, codeVerifier: pending.codeVerifier };
    const result = await this.post<VerificationResult>('/api/v1/identity/verification', proof);
    const key = await this.trustedKey(result.tokenKey, result.sampleDate);
    const publicKey = publicKeyOf(key);
    const numbers = publicNumbers(publicKey);
    const msg = prepareRandomized(tokenMessage(key.keyId));
    const { blindedMsg, inv } = blind(numbers, msg);
    const { blindSignature } = await this.post<{ blindSignature: string }>(
      '/api/v1/identity/blind-signature',
      {
        ...proof,
        keyId: key.keyId,
        blindedMessage: Buffer.from(blindedMsg).toString('base64url'),
      },
    );
    const signature = finalize(publicKey, numbers, msg, Buffer.from(blindSignature, 'base64url'), inv);
    return {
      sampleDate: key.sampleDate,
      keyId: key.keyId,
      maxKeys: key.maxKeys,
      notAfter: key.notAfter,
      token: Buffer.from(msg).toString('base64url'),
      signature: Buffer.from(signature).toString('base64url'),
    };
  }

  /**
   * Step 3: labels the phone's keys of the last 14 days with DSOS from `onsetDate` (null: the sample date)
   * and the infectiousness it implies, and uploads them with the token. The uploaded keys are then
   * destroyed and the phone rekeys (the current key is public from now on). Returns what was uploaded.
   */
  async upload(
    phone: Phone,
    auth: UploadAuthorization,
    options: { onsetDate: string | null } & Pick<UploadOptions, 'visitedCountries' | 'consentToFederation'>,
  ): Promise<{ insertedKeys: number; keys: LabelledKey[]; forgottenKeys: number }> {
    const onset = options.onsetDate ?? auth.sampleDate;
    const today = isoDay(phone.nowMs());
    if (options.onsetDate !== null) {
      const check = isIsoDate(onset)
        ? checkOnsetDate(onset, auth.sampleDate, today)
        : { ok: false as const, detail: 'Use YYYY-MM-DD.' };
      if (!check.ok) throw new IdentityFlowError(check.detail, 'bad-onset-date');
    }
    // Newest first when the grant allows fewer keys than the phone has.
    const labelled = labelDiagnosisKeys(phone.diagnosisKeys(), onset)
      .sort((a, b) => b.key.rollingStartIntervalNumber - a.key.rollingStartIntervalNumber)
      .slice(0, auth.maxKeys);
    const verification: BlindTokenVerification = {
      type: BLIND_TOKEN_VERIFICATION_TYPE,
      keyId: auth.keyId,
      token: auth.token,
      signature: auth.signature,
      ...(options.onsetDate !== null ? { onsetDate: options.onsetDate } : {}),
    };
    const insertedKeys = await this.client.uploadKeys(
      labelled.map((l) => l.key),
      {
        verification: { ...verification },
        visitedCountries: options.visitedCountries,
        consentToFederation: options.consentToFederation,
      },
    );
    const forgottenKeys = phone.forgetKeys(labelled.map((l) => l.key));
    phone.rekey();
    return { insertedKeys, keys: labelled, forgottenKeys };
  }

  /**
   * The key the service told us to blind against must be in the separately fetched public list, be the
   * only one for its day and sample date, and hash to its id: a service that gave each user their own key
   * could otherwise recognise the user's token at upload (the "key tagging" attack).
   */
  private async trustedKey(offered: PublishedTokenKey, sampleDate: string): Promise<PublishedTokenKey> {
    const { keys } = await this.client.json<{ keys: PublishedTokenKey[] }>(
      '/.well-known/veilig/identity-token-keys',
      { cache: 'no-store' },
    );
    const listed = keys.find((k) => k.keyId === offered.keyId);
    const sameSlot = keys.filter(
      (k) => k.issuedOn === offered.issuedOn && k.sampleDate === offered.sampleDate,
    );
    if (
      !listed ||
      sameSlot.length !== 1 ||
      listed.sampleDate !== sampleDate ||
      listed.publicKey !== offered.publicKey
    ) {
      throw new IdentityFlowError(
        'The token key offered is not the one published for this day and sample date.',
        'untrusted-token-key',
      );
    }
    publicKeyOf(listed); // throws if the id is not the key's hash
    return listed;
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    return this.client.json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}
