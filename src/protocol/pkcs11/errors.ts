/**
 * PKCS#11 return values (CKR_*) mapped to the few situations a caller must tell apart: the holder typed a
 * wrong PIN, the PIN is blocked, there is no card, the holder cancelled on a PIN pad, the key cannot do
 * this. Names and meanings follow PKCS#11 v2.40 base specification §5.1 ("Return values").
 */

/** What went wrong, for callers to act on (advice to a user, retry, configuration error). */
export type Pkcs11ErrorCode =
  /** The module (shared library) could not be loaded or initialised: wrong path, not a PKCS#11 library. */
  | 'MODULE_LOAD_FAILED'
  /** No (initialised) token in the slot, or none with the requested label; the card was removed. */
  | 'NO_TOKEN'
  /** CKR_PIN_INCORRECT: `pinStatus` says how many tries the token reports are left. */
  | 'PIN_INCORRECT'
  /** CKR_PIN_LOCKED, or a user PIN that was never set (CKR_USER_PIN_NOT_INITIALIZED): needs the PUK/SO. */
  | 'PIN_LOCKED'
  /** CKR_PIN_LEN_RANGE / CKR_PIN_INVALID: the PIN has the wrong length or characters. */
  | 'PIN_INVALID'
  /** CKR_PIN_EXPIRED: the token requires a PIN change first. */
  | 'PIN_EXPIRED'
  /** CKR_FUNCTION_CANCELED / CKR_CANCEL: cancelled on the reader's PIN pad or by the middleware's dialog. */
  | 'CANCELLED'
  /** CKR_USER_NOT_LOGGED_IN: a private-key operation without login. */
  | 'NOT_LOGGED_IN'
  /** No private key or certificate with the requested id/label, or its handle became invalid. */
  | 'KEY_NOT_FOUND'
  /** The token or key does not support the mechanism (or the key may not sign). */
  | 'UNSUPPORTED_MECHANISM'
  /** Anything else the module reports (device error, memory, closed session, general error). */
  | 'DEVICE_ERROR';

/** How many PIN tries are left, as far as the token says (CKF_USER_PIN_COUNT_LOW / CKF_USER_PIN_FINAL_TRY). */
export type PinStatus = 'ok' | 'count-low' | 'final-try';

/** A PKCS#11 failure with a typed `code`; `ckr` keeps the module's return value name for logs. */
export class Pkcs11Error extends Error {
  override readonly name = 'Pkcs11Error';

  constructor(
    readonly code: Pkcs11ErrorCode,
    message: string,
    /** e.g. `CKR_PIN_INCORRECT`; null when the failure is ours (no token with that label, …). */
    readonly ckr: string | null = null,
    /** After PIN_INCORRECT: tries left as the token reports them. */
    readonly pinStatus?: PinStatus,
  ) {
    super(message);
  }
}

/** CKR names → our codes (PKCS#11 v2.40 §5.1). Unlisted values are DEVICE_ERROR. */
const CODES: Readonly<Record<string, Pkcs11ErrorCode>> = {
  CKR_PIN_INCORRECT: 'PIN_INCORRECT',
  CKR_PIN_LOCKED: 'PIN_LOCKED',
  CKR_USER_PIN_NOT_INITIALIZED: 'PIN_LOCKED',
  CKR_PIN_LEN_RANGE: 'PIN_INVALID',
  CKR_PIN_INVALID: 'PIN_INVALID',
  CKR_PIN_EXPIRED: 'PIN_EXPIRED',
  CKR_FUNCTION_CANCELED: 'CANCELLED',
  CKR_CANCEL: 'CANCELLED',
  CKR_TOKEN_NOT_PRESENT: 'NO_TOKEN',
  CKR_TOKEN_NOT_RECOGNIZED: 'NO_TOKEN',
  CKR_DEVICE_REMOVED: 'NO_TOKEN',
  CKR_SLOT_ID_INVALID: 'NO_TOKEN',
  CKR_USER_NOT_LOGGED_IN: 'NOT_LOGGED_IN',
  CKR_KEY_HANDLE_INVALID: 'KEY_NOT_FOUND',
  CKR_OBJECT_HANDLE_INVALID: 'KEY_NOT_FOUND',
  CKR_MECHANISM_INVALID: 'UNSUPPORTED_MECHANISM',
  CKR_MECHANISM_PARAM_INVALID: 'UNSUPPORTED_MECHANISM',
  CKR_KEY_TYPE_INCONSISTENT: 'UNSUPPORTED_MECHANISM',
  CKR_KEY_FUNCTION_NOT_PERMITTED: 'UNSUPPORTED_MECHANISM',
  CKR_KEY_SIZE_RANGE: 'UNSUPPORTED_MECHANISM',
};

/**
 * Turns whatever the binding threw into a `Pkcs11Error`. pkcs11js reports Cryptoki failures with the CKR
 * name as message (`CKR_PIN_INCORRECT`) and its numeric value as `code`.
 * Spec: PKCS#11 v2.40 §5.1.
 */
export function toPkcs11Error(error: unknown, during: string): Pkcs11Error {
  if (error instanceof Pkcs11Error) return error;
  const message = error instanceof Error ? error.message : String(error);
  const ckr = /CKR_[A-Z0-9_]+/.exec(message)?.[0] ?? null;
  const code = (ckr && CODES[ckr]) || 'DEVICE_ERROR';
  return new Pkcs11Error(code, `${during}: ${ckr ?? message}`, ckr);
}
