/**
 * Every way signing can go wrong, said so that the GP knows what to do next. Server refusals arrive as
 * problem+json with a `reason` (a `DisclosureRefusalReason`) or a slug; local ones as typed errors from
 * the code parser, the PKCS#12 reader, the CMS signer and the smart-card bridge.
 */
import { HttpErrorResponse } from '@angular/common/http';

import type { ProblemDetails } from '../core/contract';
import { toProblem } from '../core/problem';
import {
  CmsSigningError,
  DisclosureInputError,
  Pkcs12Error,
  SmartCardBridgeError,
  type DisclosureRefusalReason,
} from './protocol';

type Advice = readonly [title: string, detail: string];

const ASK_COLLEAGUE = 'A BIG-registered colleague can sign instead.';

/** Why the server refused a signature, and what to do. */
const REFUSALS: Partial<Record<DisclosureRefusalReason, Advice>> = {
  UNTRUSTED_CHAIN: [
    'This certificate is not accepted',
    'It was not issued by an accepted UZI authority. Sign with the signature certificate of your own UZI card or UZI certificate file.',
  ],
  CERTIFICATE_EXPIRED: [
    'Your certificate has expired',
    `Request a new UZI pass or certificate from the UZI register (CIBG). ${ASK_COLLEAGUE}`,
  ],
  CERTIFICATE_NOT_YET_VALID: [
    'Your certificate is not valid yet',
    'Check the date and time of this computer, or wait until the certificate becomes valid.',
  ],
  CERTIFICATE_REVOKED: [
    'Your certificate has been revoked',
    `Contact the UZI register (CIBG) about your card. ${ASK_COLLEAGUE}`,
  ],
  REVOCATION_UNKNOWN: [
    'The certificate status cannot be checked right now',
    'This is temporary: try signing again in a few minutes.',
  ],
  NOT_A_SIGNATURE_CERTIFICATE: [
    'This is not your signing certificate',
    'Your card or file holds several certificates; choose the one for signing (not the authentication certificate).',
  ],
  NOT_AN_UZI_CERTIFICATE: [
    'This is not a UZI certificate',
    'Sign with your UZI card or your UZI certificate file.',
  ],
  MALFORMED_UZI_NAME: [
    'This is not a usable UZI certificate',
    'Sign with your UZI card or your UZI certificate file.',
  ],
  NOT_A_CARE_PROVIDER_CARD: [
    'Only a care provider card can approve',
    `Employee and function cards cannot approve a disclosure. ${ASK_COLLEAGUE}`,
  ],
  NOT_ARTICLE_3_PROFESSIONAL: [
    'Only BIG-registered professionals can approve',
    `Approving a disclosure needs a professional registered under article 3 of the Wet BIG. ${ASK_COLLEAGUE}`,
  ],
  ROLE_NOT_ALLOWED: [
    'Your profession cannot approve disclosures here',
    'This service only accepts approvals from certain professions, such as GPs. Ask one of them to sign.',
  ],
  SIGNING_TIME_IN_FUTURE: [
    "This computer's clock is ahead",
    'Correct the date and time of this computer, then sign again.',
  ],
  SIGNATURE_TOO_OLD: ['The signature is too old', 'Sign again.'],
  SIGNING_TIME_MISSING: [
    'The signature has no time',
    'Your signing software did not add a signing time. Sign again, or use another signing method.',
  ],
  UNSUPPORTED_ALGORITHM: [
    'The signature uses an outdated algorithm',
    'Update your signing software or use another signing method.',
  ],
  CODE_MISMATCH: ['The signature is for another code', 'Look the code up again and sign once more.'],
  UPLOAD_HASH_MISMATCH: [
    'The signature belongs to another request',
    'Look the code up again and sign once more.',
  ],
};

const BRIDGE: Record<SmartCardBridgeError['code'], Advice> = {
  BRIDGE_UNREACHABLE: [
    'The UZI card software does not answer',
    'Start the smart-card signing software on this computer and try again, or sign with a certificate file.',
  ],
  PROTOCOL_MISMATCH: [
    'The UZI card software is not compatible',
    'Ask your IT support to update the smart-card signing software, or sign with a certificate file.',
  ],
  NO_CARD: ['No UZI card found', 'Put your UZI card in the card reader and try again.'],
  UNKNOWN_CERTIFICATE: ['The card changed', 'Check that your own card is in the reader and try again.'],
  CANCELLED: ['Signing was cancelled', 'Nothing was signed. Sign again when you are ready.'],
  PIN_BLOCKED: [
    'Your card PIN is blocked',
    'Unblock it with your PUK code (see the UZI register, CIBG), or ask a colleague to sign.',
  ],
  CONTENT_MISMATCH: [
    'The card software refused to sign',
    'What it was asked to sign did not match what it showed you. Reload this page and try again.',
  ],
  ORIGIN_NOT_ALLOWED: [
    'The card software does not accept this portal',
    `Ask your IT support to allow ${location.origin} in the smart-card signing software.`,
  ],
  BAD_REQUEST: [
    'The card software did not understand the request',
    'Reload this page and try again; if it keeps happening, contact support.',
  ],
  BUSY: [
    'The card software is busy',
    'Finish or cancel the other signature on the card reader, then try again.',
  ],
  INTERNAL: [
    'The card software reported an error',
    'Try again; if it keeps happening, restart the smart-card software.',
  ],
};

const PKCS12: Record<Pkcs12Error['code'], Advice> = {
  WRONG_PASSWORD: [
    'The password does not open this file',
    'Check the password of the certificate file and try again.',
  ],
  MALFORMED_PKCS12: ['This is not a certificate file', 'Choose your UZI certificate file (.p12 or .pfx).'],
  UNSUPPORTED_PKCS12: [
    'This certificate file cannot be opened in the browser',
    'It uses old encryption. Ask your IT support to export it again with AES encryption.',
  ],
  NO_PRIVATE_KEY: [
    'The file holds no signing key',
    'Choose the certificate file that includes your private key.',
  ],
  NO_MATCHING_CERTIFICATE: [
    'The file holds no certificate for its key',
    'Choose the complete certificate file (key and certificate).',
  ],
};

/** Explains a failure of the look-up or signing step as a problem the page shows. */
export function explain(error: unknown, ttlMinutes: number): ProblemDetails {
  const problem = (title: string, detail: string): ProblemDetails => ({
    type: 'about:blank',
    title,
    status: 0,
    detail,
  });
  if (error instanceof DisclosureInputError) {
    if (error.code === 'UNKNOWN_WORD')
      return problem(
        'One of the words is not in the word list',
        'Ask the patient to read the words again, or type the 10 digits instead.',
      );
    if (error.code === 'WRONG_WORD_COUNT')
      return problem(
        'The code has five words',
        'Type all five words the patient reads out, or the 10 digits.',
      );
    return problem(
      'This is not a code',
      'Type the 10 digits (6 + 4) or the five words the patient shows in the app.',
    );
  }
  if (error instanceof Pkcs12Error) return problem(...PKCS12[error.code]);
  if (error instanceof SmartCardBridgeError) return problem(...BRIDGE[error.code]);
  if (error instanceof CmsSigningError)
    return problem(
      'This key cannot sign here',
      'The certificate file holds a key type the portal cannot sign with. Use your UZI signature certificate.',
    );
  if (!(error instanceof HttpErrorResponse)) return problem('Something went wrong', 'Please try again.');

  const server = toProblem(error);
  const reason = (server as { reason?: string }).reason as DisclosureRefusalReason | undefined;
  const slug = server.type.split('/').pop();
  const advice = reason ? REFUSALS[reason] : undefined;
  if (advice) return problem(...advice);
  if (slug === 'disclosure-request-not-found') {
    return problem(
      'No open request with this code',
      `Check the first 6 digits with the patient. A code is valid for ${ttlMinutes} minutes; if it has expired, the patient can make a new one in the app.`,
    );
  }
  if (slug === 'rate-limited') {
    const seconds = Number((server as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60);
    return problem(
      'Too many look-ups',
      `Wait about ${Math.max(1, Math.ceil(seconds / 60))} minutes before looking up another code.`,
    );
  }
  if (
    slug === 'too-many-signatures' ||
    slug === 'disclosure-request-closed' ||
    slug === 'disclosure-request-changed'
  ) {
    return problem(
      'This request can no longer be signed',
      server.detail ?? 'Ask the patient to start again in the app for a new code.',
    );
  }
  if (reason)
    return problem(
      'The signature could not be used',
      'Sign again; if it keeps failing, use another signing method or contact support.',
    );
  return server;
}
