/**
 * The authentication level an ID token reports (`acr`, OIDC Core §2) against the minimum the service
 * requires. Levels are ordered, lowest first (ID-porten: idporten-loa-low < -substantial < -high, after
 * eIDAS low < substantial < high); a higher level than the minimum passes.
 */

/** Why an `acr` does not meet the minimum, or null when it does. */
export type AssuranceFailure = 'missing-acr' | 'unknown-acr' | 'insufficient-acr';

/**
 * Checks `acr` is `minimum` or a level above it in `levels` (lowest first). With no minimum every login
 * passes, as in the embedded demo; production configuration always sets one.
 */
export function checkAssurance(
  acr: unknown,
  assurance: { levels: readonly string[]; minimum: string | null },
): AssuranceFailure | null {
  if (assurance.minimum === null) return null;
  if (typeof acr !== 'string' || !acr) return 'missing-acr';
  const rank = assurance.levels.indexOf(acr);
  if (rank < 0) return 'unknown-acr';
  return rank >= assurance.levels.indexOf(assurance.minimum) ? null : 'insufficient-acr';
}
