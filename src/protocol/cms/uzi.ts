/**
 * The UZI profile (docs/protocols/uzi.md): the UZI registration in subjectAltName otherName 2.5.5.5, and the
 * role policy that decides whether a verified signer may approve a disclosure. The policy is configuration;
 * the default is a Z card's signature certificate of a Wet BIG article 3 professional.
 */
import type { BytesLike } from './bytes';
import type { CertificateDetails } from './certificate';
import { OID } from './oids';
import { type CmsRefusalReason, RefusalError, refuse } from './refusal';
import { type CmsVerification, type VerifyCmsOptions, verifyCms } from './verify';

export type UziCardType = 'Z' | 'N' | 'M' | 'S';

/** The seven fields of the UZI otherName (docs/protocols/uzi.md §U5). */
export interface UziName {
  /** OID of the issuing UZI CA, e.g. `2.16.528.1.1003.1.3.5.5.2` (Zorgverlener CA). */
  readonly caOid: string;
  readonly version: string;
  /** 9 digits; equals the subject serialNumber. */
  readonly uziNumber: string;
  readonly cardType: UziCardType;
  /** 8 digits: the organisation the holder acts for. */
  readonly subscriberNumber: string;
  /** `NN.NNN`: profession code . specialism code; `00.000` for N/M/S cards. */
  readonly role: string;
  readonly professionCode: string;
  readonly specialismCode: string;
  /** 8 digits, `00000000` when none. */
  readonly agbCode: string;
  /** The IA5String as found in the certificate. */
  readonly raw: string;
}

/** Wet BIG article 3 profession codes (docs/protocols/uzi.md §U6); verloskundige is `03`. */
export const WET_BIG_ARTICLE_3_PROFESSIONS = [
  '01',
  '02',
  '03',
  '04',
  '16',
  '17',
  '25',
  '30',
  '31',
  '81',
  '82',
] as const;

/** Role policy: who may approve. All lists are exact-match codes. */
export interface UziRolePolicy {
  /** Allowed card types. Default `['Z']`. */
  readonly cardTypes: readonly UziCardType[];
  /** Require keyUsage nonRepudiation (the card's signature certificate). Default true. */
  readonly requireNonRepudiation: boolean;
  /** certificatePolicies the signer must carry (any of). Default the Z/N signature policy `2.16.528.1.1003.1.2.5.2`; empty = no check. */
  readonly requiredPolicies: readonly string[];
  /** Allowed profession codes (`NN`). Default: Wet BIG article 3. */
  readonly allowedProfessions: readonly string[];
  /** When set, only these `NN.NNN` roles (e.g. `['01.015', '01.055']`). Default: null (no restriction). */
  readonly allowedRoles: readonly string[] | null;
  /** When set, only UZI names issued under these CA OIDs. Default: null (the trusted chain decides). */
  readonly allowedCaOids: readonly string[] | null;
}

/** The default policy (docs/protocols/uzi.md §U7): Z card, signature certificate, article 3 profession. */
export const DEFAULT_UZI_ROLE_POLICY: UziRolePolicy = Object.freeze({
  cardTypes: Object.freeze(['Z'] as const),
  requireNonRepudiation: true,
  requiredPolicies: Object.freeze([OID.uziSignaturePolicy]),
  allowedProfessions: Object.freeze([...WET_BIG_ARTICLE_3_PROFESSIONS]),
  allowedRoles: null,
  allowedCaOids: null,
});

/** Thrown by `createUziRolePolicy` for invalid configuration. */
export class UziPolicyConfigError extends Error {
  override readonly name = 'UziPolicyConfigError';
}

const ROLE = /^\d{2}\.\d{3}$/;
const PROFESSION = /^\d{2}$/;
const OID_SYNTAX = /^[0-2](\.(0|[1-9]\d*))+$/;

/**
 * Builds a role policy from configuration, starting from the default, and validates every code.
 * Why: a typo such as `01.15` would otherwise silently refuse every GP.
 * @throws UziPolicyConfigError
 * Spec: docs/protocols/uzi.md §U7.
 */
export function createUziRolePolicy(overrides: Partial<UziRolePolicy> = {}): UziRolePolicy {
  const policy: UziRolePolicy = { ...DEFAULT_UZI_ROLE_POLICY, ...overrides };
  const bad = (what: string, values: readonly string[], re: RegExp): void => {
    const wrong = values.filter((v) => !re.test(v));
    if (wrong.length) throw new UziPolicyConfigError(`${what}: invalid ${wrong.join(', ')}`);
  };
  if (policy.cardTypes.length === 0 || policy.cardTypes.some((c) => !['Z', 'N', 'M', 'S'].includes(c)))
    throw new UziPolicyConfigError('cardTypes: use Z, N, M or S');
  bad('allowedProfessions', policy.allowedProfessions, PROFESSION);
  bad('requiredPolicies', policy.requiredPolicies, OID_SYNTAX);
  if (policy.allowedRoles) bad('allowedRoles', policy.allowedRoles, ROLE);
  if (policy.allowedCaOids) bad('allowedCaOids', policy.allowedCaOids, OID_SYNTAX);
  return Object.freeze({ ...policy });
}

/**
 * Parses the UZI otherName value
 * `<OID CA>-<version>-<UZI number>-<card type>-<subscriber number>-<role>-<AGB code>`
 * (docs/protocols/uzi.md §U5): exactly 7 fields split on `-`, each in its documented format.
 * @throws RefusalError MALFORMED_UZI_NAME naming the offending field.
 */
export function parseUziName(value: string): UziName {
  const fields = value.split('-');
  if (fields.length !== 7) throw refuse('MALFORMED_UZI_NAME', `expected 7 fields, found ${fields.length}`);
  const [caOid, version, uziNumber, cardType, subscriberNumber, role, agbCode] = fields;
  const check = (ok: boolean, field: string): void => {
    if (!ok) throw refuse('MALFORMED_UZI_NAME', `invalid ${field}`);
  };
  check(OID_SYNTAX.test(caOid), 'CA OID');
  check(/^\d$/.test(version), 'version');
  check(/^\d{9}$/.test(uziNumber), 'UZI number');
  check(/^[ZNMS]$/.test(cardType), 'card type');
  check(/^\d{8}$/.test(subscriberNumber), 'subscriber number');
  check(ROLE.test(role), 'role');
  check(/^\d{8}$/.test(agbCode), 'AGB code');
  return {
    caOid,
    version,
    uziNumber,
    cardType: cardType as UziCardType,
    subscriberNumber,
    role,
    professionCode: role.slice(0, 2),
    specialismCode: role.slice(3),
    agbCode,
    raw: value,
  };
}

/**
 * Reads the UZI name from a certificate: exactly one otherName `2.5.5.5` holding an IA5String, whose UZI
 * number equals the subject serialNumber (docs/protocols/uzi.md §U4).
 * @throws RefusalError NOT_AN_UZI_CERTIFICATE or MALFORMED_UZI_NAME
 */
export function uziNameOf(cert: Pick<CertificateDetails, 'otherNames' | 'subject'>): UziName {
  const names = cert.otherNames.filter((n) => n.typeId === OID.uziOtherName);
  if (names.length === 0) throw refuse('NOT_AN_UZI_CERTIFICATE');
  if (names.length > 1) throw refuse('MALFORMED_UZI_NAME', 'more than one UZI otherName');
  const [name] = names;
  if (name.valueType !== 'IA5String' || name.value === null)
    throw refuse('MALFORMED_UZI_NAME', `value is ${name.valueType}, expected IA5String`);
  const parsed = parseUziName(name.value);
  const serial = cert.subject.fields.serialNumber;
  if (serial !== undefined && serial !== parsed.uziNumber)
    throw refuse('MALFORMED_UZI_NAME', 'UZI number differs from the subject serialNumber');
  return parsed;
}

/**
 * Applies the role policy to a (verified) signer certificate and returns its UZI name
 * (docs/protocols/uzi.md §U7). Checks, in order: UZI name, signature certificate (keyUsage, policy), card
 * type, CA, profession, role.
 * @throws RefusalError NOT_AN_UZI_CERTIFICATE, MALFORMED_UZI_NAME, NOT_A_SIGNATURE_CERTIFICATE,
 *   NOT_A_CARE_PROVIDER_CARD, NOT_ARTICLE_3_PROFESSIONAL or ROLE_NOT_ALLOWED
 */
export function checkUziRolePolicy(
  cert: Pick<CertificateDetails, 'otherNames' | 'subject' | 'keyUsage' | 'policies'>,
  policy: UziRolePolicy = DEFAULT_UZI_ROLE_POLICY,
): UziName {
  const uzi = uziNameOf(cert);
  if (policy.requireNonRepudiation && !cert.keyUsage?.includes('nonRepudiation')) {
    throw refuse('NOT_A_SIGNATURE_CERTIFICATE', 'keyUsage lacks nonRepudiation');
  }
  if (policy.requiredPolicies.length && !policy.requiredPolicies.some((p) => cert.policies.includes(p))) {
    throw refuse(
      'NOT_A_SIGNATURE_CERTIFICATE',
      `certificatePolicies lack ${policy.requiredPolicies.join(' or ')}`,
    );
  }
  if (!policy.cardTypes.includes(uzi.cardType))
    throw refuse('NOT_A_CARE_PROVIDER_CARD', `card type ${uzi.cardType}`);
  if (policy.allowedCaOids && !policy.allowedCaOids.includes(uzi.caOid))
    throw refuse('MALFORMED_UZI_NAME', `CA OID ${uzi.caOid} not allowed`);
  if (!policy.allowedProfessions.includes(uzi.professionCode))
    throw refuse('NOT_ARTICLE_3_PROFESSIONAL', `role ${uzi.role}`);
  if (policy.allowedRoles && !policy.allowedRoles.includes(uzi.role))
    throw refuse('ROLE_NOT_ALLOWED', `role ${uzi.role}`);
  return uzi;
}

/** A verified CMS whose signer passed the UZI role policy. */
export interface UziVerification extends CmsVerification {
  readonly uzi: UziName;
}

/** Options of `verifyUziSignature`: `verifyCms` options plus the role policy. */
export interface VerifyUziOptions extends Omit<VerifyCmsOptions, 'requiredKeyUsage'> {
  readonly policy?: UziRolePolicy;
}

/**
 * Verifies a CMS signed with an UZI card (RFC 5652 + docs/protocols/uzi.md): `verifyCms`, then the role
 * policy on the signer.
 * @throws RefusalError with a `CmsRefusalReason`
 */
export async function verifyUziSignature(
  cms: BytesLike,
  options: VerifyUziOptions,
): Promise<UziVerification> {
  const policy = options.policy ?? DEFAULT_UZI_ROLE_POLICY;
  const result = await verifyCms(cms, {
    ...options,
    requiredKeyUsage: policy.requireNonRepudiation ? 'nonRepudiation' : 'anySigning',
  });
  return { ...result, uzi: checkUziRolePolicy(result.signer, policy) };
}

/**
 * Type guard used by UIs: is this a refusal of the UZI role policy (as opposed to a broken signature)? Spec:
 * docs/protocols/uzi.md §U6.
 */
export function isRolePolicyRefusal(error: unknown): error is RefusalError<CmsRefusalReason> {
  const roleReasons: readonly string[] = [
    'NOT_AN_UZI_CERTIFICATE',
    'MALFORMED_UZI_NAME',
    'NOT_A_CARE_PROVIDER_CARD',
    'NOT_ARTICLE_3_PROFESSIONAL',
    'ROLE_NOT_ALLOWED',
  ];
  return error instanceof RefusalError && roleReasons.includes((error as RefusalError<string>).reason);
}
