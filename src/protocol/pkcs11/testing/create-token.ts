/**
 * Personalises a SoftHSM2 token, run as its own process by `SoftHsm.createToken` (SoftHSM2 takes its
 * configuration from the process environment, which jest does not pass on to native code). Reads a
 * `TokenRequest` as JSON on stdin. Test tooling only.
 */
import * as pkcs11js from 'pkcs11js';

export interface TokenRequest {
  readonly modulePath: string;
  readonly label: string;
  readonly pin: string;
  readonly soPin: string;
  readonly keys: readonly {
    readonly id: string; // hex
    readonly label: string;
    readonly jwk: JsonWebKey;
    readonly certificate: string; // base64 DER
    readonly subject: string; // base64 DER Name
  }[];
}

const b64url = (value: string | undefined): Buffer => Buffer.from(value ?? '', 'base64url');

/** P-256 as the DER OID CKA_EC_PARAMS holds (RFC 5480 §2.1.1.1, secp256r1). */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

function privateKeyTemplate(key: TokenRequest['keys'][number]): pkcs11js.Template {
  const { jwk } = key;
  const common: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_ID, value: Buffer.from(key.id, 'hex') },
    { type: pkcs11js.CKA_LABEL, value: key.label },
  ];
  if (jwk.kty === 'RSA')
    return [
      ...common,
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_MODULUS, value: b64url(jwk.n) },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: b64url(jwk.e) },
      { type: pkcs11js.CKA_PRIVATE_EXPONENT, value: b64url(jwk.d) },
      { type: pkcs11js.CKA_PRIME_1, value: b64url(jwk.p) },
      { type: pkcs11js.CKA_PRIME_2, value: b64url(jwk.q) },
      { type: pkcs11js.CKA_EXPONENT_1, value: b64url(jwk.dp) },
      { type: pkcs11js.CKA_EXPONENT_2, value: b64url(jwk.dq) },
      { type: pkcs11js.CKA_COEFFICIENT, value: b64url(jwk.qi) },
    ];
  if (jwk.kty === 'EC' && jwk.crv === 'P-256')
    return [
      ...common,
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
      { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
      { type: pkcs11js.CKA_VALUE, value: b64url(jwk.d) },
    ];
  throw new Error(`cannot store a ${jwk.kty} ${jwk.crv ?? ''} key on the test token`);
}

/**
 * C_InitToken in the free slot, C_InitPIN, then C_CreateObject for each key (sensitive, not extractable)
 * and its certificate (public).
 * Spec: PKCS#11 v2.40 §5.5 C_InitToken, §5.6 C_InitPIN, §5.7 C_CreateObject, §4.6.3 (X.509 certificate objects).
 */
export function createToken(request: TokenRequest): void {
  const lib = new pkcs11js.PKCS11();
  lib.load(request.modulePath);
  lib.C_Initialize();
  try {
    const free = lib
      .C_GetSlotList(true)
      .find((slot) => !(lib.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED));
    if (!free) throw new Error('SoftHSM2 offers no free slot');
    // CK_TOKEN_INFO labels are 32 bytes, blank padded (PKCS#11 v2.40 §3.2); the binding does not pad.
    lib.C_InitToken(free, request.soPin, request.label.padEnd(32, ' '));
    // SoftHSM2 moves the new token to a new slot ID; find it by label.
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trimEnd() === request.label);
    if (!slot) throw new Error(`token ${request.label} not found after C_InitToken`);
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11js.CKU_SO, request.soPin);
    lib.C_InitPIN(session, request.pin);
    lib.C_Logout(session);
    lib.C_Login(session, pkcs11js.CKU_USER, request.pin);
    for (const key of request.keys) {
      lib.C_CreateObject(session, privateKeyTemplate(key));
      lib.C_CreateObject(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: false },
        { type: pkcs11js.CKA_ID, value: Buffer.from(key.id, 'hex') },
        { type: pkcs11js.CKA_LABEL, value: key.label },
        { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(key.subject, 'base64') },
        { type: pkcs11js.CKA_VALUE, value: Buffer.from(key.certificate, 'base64') },
      ]);
    }
    lib.C_Logout(session);
    lib.C_CloseSession(session);
  } finally {
    lib.C_Finalize();
    lib.close();
  }
}

if (require.main === module) {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => (input += chunk));
  process.stdin.on('end', () => {
    try {
      createToken(JSON.parse(input) as TokenRequest);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    }
  });
}
