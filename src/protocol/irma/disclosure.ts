import type { Condiscon, DisclosureRequest, SessionResult } from './types';

/** Attribute ids look like `scheme.issuer.credential.attribute` (irmago `AttributeTypeIdentifier`). */
export const ATTRIBUTE_ID = /^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+$/;

/**
 * A disclosure request for all `attributes` (each one a required item with one option), returning the citizen
 * to `tel:<number>,<dtmf>` so the Yivi app dials and then sends the code as tones. The `,` is the dialer's
 * pause. Spec: docs/protocols/irma.md §I2.
 */
export function disclosureRequest(attributes: readonly string[], returnUrl?: string): DisclosureRequest {
  for (const a of attributes) if (!ATTRIBUTE_ID.test(a)) throw new Error(`not an attribute id: ${a}`);
  // Attributes of one credential go into one option, so the app discloses them from the same card.
  const byCredential = new Map<string, string[]>();
  for (const a of attributes) {
    const credential = a.split('.').slice(0, 3).join('.');
    byCredential.set(credential, [...(byCredential.get(credential) ?? []), a]);
  }
  const disclose: Condiscon = [...byCredential.values()].map((attrs) => [attrs]);
  return {
    '@context': 'https://irma.app/ld/request/disclosure/v2',
    disclose,
    ...(returnUrl ? { clientReturnUrl: returnUrl } : {}),
  };
}

/** `tel:` return URL: the service number without spaces, a pause, then the DTMF digits. */
export function telReturnUrl(phoneNumber: string, dtmf: string): string {
  const number = phoneNumber.replace(/[\s()-]/g, '');
  if (!/^\+?[0-9]{3,20}$/.test(number))
    throw new Error('phone number must be digits with an optional leading +');
  if (!/^[0-9]{1,20}$/.test(dtmf)) throw new Error('dtmf must be digits');
  return `tel:${number},${dtmf}`;
}

export type ResultRefusal = 'not-done' | 'proof-not-valid' | 'missing-attributes';

/**
 * Accepts a session result only when `status == DONE` and `proofStatus == VALID`, and keeps only the
 * requested attributes' raw values (nothing else the app may have added). Spec: docs/protocols/irma.md §I6.
 */
export function acceptedAttributes(
  result: SessionResult,
  requested: readonly string[],
): { ok: true; attributes: Record<string, string> } | { ok: false; reason: ResultRefusal } {
  if (result.status !== 'DONE') return { ok: false, reason: 'not-done' };
  if (result.proofStatus !== 'VALID') return { ok: false, reason: 'proof-not-valid' };
  const wanted = new Set(requested);
  const attributes: Record<string, string> = {};
  for (const conjunction of result.disclosed ?? []) {
    for (const attr of conjunction) {
      if (wanted.has(attr.id) && attr.status === 'PRESENT' && typeof attr.rawvalue === 'string')
        attributes[attr.id] = attr.rawvalue;
    }
  }
  if (requested.some((id) => !(id in attributes))) return { ok: false, reason: 'missing-attributes' };
  return { ok: true, attributes };
}
