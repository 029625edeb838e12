/**
 * A small, framework-free layer over a PKCS#11 module (smart-card middleware, HSM, SoftHSM2) through the
 * maintained `pkcs11js` binding: load the module, find a token by label or slot, log in, list certificates,
 * find a private key and sign with RSA PKCS#1 v1.5, RSA-PSS or ECDSA. Signatures come back as CMS and
 * X.509 carry them (ECDSA as a DER Ecdsa-Sig-Value). Every failure is a typed `Pkcs11Error`.
 *
 * Node only (native addon); never import it from browser or phone code.
 * Spec: PKCS#11 v2.40 base specification and current mechanisms (OASIS), RFC 8017 (RSA), RFC 5758 (ECDSA).
 */
import { createHash, createPublicKey } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { ecdsaRawToDer } from '../cms/algorithms';
import { Pkcs11Error, toPkcs11Error, type PinStatus } from './errors';

export type Pkcs11Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** Signature algorithms offered; the hash defaults to SHA-256. */
export interface Pkcs11SignatureAlgorithm {
  readonly name: 'RSA-PKCS1' | 'RSA-PSS' | 'ECDSA';
  readonly hash?: Pkcs11Hash;
}

/** A token (card) in a slot, as C_GetTokenInfo describes it (PKCS#11 v2.40 §5.5). */
export interface Pkcs11TokenInfo {
  /** The slot ID, for selecting this token again. */
  readonly slot: number;
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serialNumber: string;
  /** The reader has a PIN pad: log in with `login(null)` and the holder types the PIN there. */
  readonly protectedAuthenticationPath: boolean;
  readonly pinStatus: PinStatus;
  readonly pinLocked: boolean;
}

/** An X.509 certificate object on the token (CKO_CERTIFICATE, CKC_X_509). */
export interface Pkcs11Certificate {
  /** CKA_ID: links the certificate to its private key. */
  readonly id: Uint8Array;
  readonly label: string;
  /** DER. */
  readonly der: Uint8Array;
}

/** A private key object; the handle is only valid in the session that found it. */
export interface Pkcs11PrivateKey {
  readonly id: Uint8Array;
  readonly label: string;
  readonly keyType: 'RSA' | 'EC';
  readonly handle: Buffer;
}

/** A public key object (as `C_GenerateKeyPair` leaves next to the private key), as SPKI DER. */
export interface Pkcs11PublicKey {
  readonly id: Uint8Array;
  readonly label: string;
  readonly keyType: 'RSA' | 'EC';
  /** SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7). */
  readonly spki: Uint8Array;
}

/** Which token to use: by label (as printed by the middleware) and/or slot ID. Default: the only one. */
export interface Pkcs11TokenSelector {
  readonly label?: string;
  readonly slot?: number;
}

const HASHES: Readonly<
  Record<Pkcs11Hash, { node: string; ckm: number; mgf: number; saltLength: number; digestInfo: string }>
> = {
  // DigestInfo prefixes: RFC 8017 §9.2 note 1.
  'SHA-256': {
    node: 'sha256',
    ckm: pkcs11js.CKM_SHA256,
    mgf: pkcs11js.CKG_MGF1_SHA256,
    saltLength: 32,
    digestInfo: '3031300d060960864801650304020105000420',
  },
  'SHA-384': {
    node: 'sha384',
    ckm: pkcs11js.CKM_SHA384,
    mgf: pkcs11js.CKG_MGF1_SHA384,
    saltLength: 48,
    digestInfo: '3041300d060960864801650304020205000430',
  },
  'SHA-512': {
    node: 'sha512',
    ckm: pkcs11js.CKM_SHA512,
    mgf: pkcs11js.CKG_MGF1_SHA512,
    saltLength: 64,
    digestInfo: '3051300d060960864801650304020305000440',
  },
};

/** Mechanisms that hash on the token; when a token lacks them we hash here and use the raw mechanism. */
const HASHING_MECHANISMS: Readonly<Record<Pkcs11SignatureAlgorithm['name'], Record<Pkcs11Hash, number>>> = {
  'RSA-PKCS1': {
    'SHA-256': pkcs11js.CKM_SHA256_RSA_PKCS,
    'SHA-384': pkcs11js.CKM_SHA384_RSA_PKCS,
    'SHA-512': pkcs11js.CKM_SHA512_RSA_PKCS,
  },
  'RSA-PSS': {
    'SHA-256': pkcs11js.CKM_SHA256_RSA_PKCS_PSS,
    'SHA-384': pkcs11js.CKM_SHA384_RSA_PKCS_PSS,
    'SHA-512': pkcs11js.CKM_SHA512_RSA_PKCS_PSS,
  },
  ECDSA: {
    'SHA-256': pkcs11js.CKM_ECDSA_SHA256,
    'SHA-384': pkcs11js.CKM_ECDSA_SHA384,
    'SHA-512': pkcs11js.CKM_ECDSA_SHA512,
  },
};
const RAW_MECHANISMS: Readonly<Record<Pkcs11SignatureAlgorithm['name'], number>> = {
  'RSA-PKCS1': pkcs11js.CKM_RSA_PKCS,
  'RSA-PSS': pkcs11js.CKM_RSA_PKCS_PSS,
  ECDSA: pkcs11js.CKM_ECDSA,
};

/** Runs a binding call, turning its failure into a `Pkcs11Error`. */
function call<T>(during: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toPkcs11Error(error, during);
  }
}

const text = (value: string): string => value.replace(/[\s\0]+$/, '');
/** A CK_ULONG as the binding returns it: 8 bytes on 64-bit Linux, 4 on Windows (little-endian hosts). */
const ulong = (value: Buffer): number =>
  value.length === 8 ? Number(value.readBigUInt64LE(0)) : value.readUInt32LE(0);

/** P-256 as the DER OID CKA_EC_PARAMS holds (RFC 5480 §2.1.1.1, secp256r1). */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

const spkiOf = (jwk: Record<string, string>): Uint8Array =>
  new Uint8Array(createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));

function pinStatusOf(flags: number): PinStatus {
  if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'final-try';
  if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'count-low';
  return 'ok';
}

/**
 * A loaded and initialised PKCS#11 module. One per process and library; `close()` finalises it.
 * Spec: PKCS#11 v2.40 §5.4 (C_Initialize, C_Finalize), §5.5 (slot and token management).
 */
export class Pkcs11Module {
  private constructor(
    private readonly lib: pkcs11js.PKCS11,
    /** The library path, for messages. */
    readonly path: string,
  ) {}

  /**
   * Loads the shared library at `path` (e.g. `/usr/lib/softhsm/libsofthsm2.so`, the card middleware's
   * PKCS#11 library) and initialises it.
   * @throws Pkcs11Error MODULE_LOAD_FAILED
   */
  static load(path: string): Pkcs11Module {
    const lib = new pkcs11js.PKCS11();
    try {
      lib.load(path);
      lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      const failure = toPkcs11Error(error, `loading ${path}`);
      if (failure.ckr !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED')
        throw new Pkcs11Error('MODULE_LOAD_FAILED', failure.message, failure.ckr);
    }
    return new Pkcs11Module(lib, path);
  }

  /** Module description from C_GetInfo, e.g. `SoftHSM` / `Implementation of PKCS11`. */
  info(): { manufacturer: string; description: string } {
    const info = call('C_GetInfo', () => this.lib.C_GetInfo());
    return { manufacturer: text(info.manufacturerID), description: text(info.libraryDescription) };
  }

  /**
   * The initialised tokens present now (uninitialised "free" slots, as SoftHSM2 always offers one, are left out).
   * @throws Pkcs11Error DEVICE_ERROR
   */
  tokens(): Pkcs11TokenInfo[] {
    const slots = call('C_GetSlotList', () => this.lib.C_GetSlotList(true));
    const tokens: Pkcs11TokenInfo[] = [];
    for (const slot of slots) {
      let info: pkcs11js.TokenInfo;
      try {
        info = this.lib.C_GetTokenInfo(slot);
      } catch {
        continue; // removed between the two calls
      }
      if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
      tokens.push({
        slot: ulong(slot),
        label: text(info.label),
        manufacturer: text(info.manufacturerID),
        model: text(info.model),
        serialNumber: text(info.serialNumber),
        protectedAuthenticationPath: Boolean(info.flags & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH),
        pinStatus: pinStatusOf(info.flags),
        pinLocked: Boolean(info.flags & pkcs11js.CKF_USER_PIN_LOCKED),
      });
    }
    return tokens;
  }

  /**
   * Finds the token by label and/or slot; without a selector, the only token present.
   * @throws Pkcs11Error NO_TOKEN (none, none matching, or several and no selector)
   */
  findToken(selector: Pkcs11TokenSelector = {}): Pkcs11TokenInfo {
    const tokens = this.tokens().filter(
      (t) =>
        (selector.label === undefined || t.label === selector.label) &&
        (selector.slot === undefined || t.slot === selector.slot),
    );
    if (tokens.length === 0) {
      const wanted = [
        selector.label !== undefined ? `label "${selector.label}"` : '',
        selector.slot !== undefined ? `slot ${selector.slot}` : '',
      ].filter(Boolean);
      throw new Pkcs11Error('NO_TOKEN', `no token${wanted.length ? ` with ${wanted.join(' and ')}` : ''}`);
    }
    if (tokens.length > 1)
      throw new Pkcs11Error('NO_TOKEN', `${tokens.length} tokens present: choose one by label or slot`);
    return tokens[0];
  }

  /**
   * Opens a session with the selected token (read-only unless `readWrite`, which only set-up tools need).
   * @throws Pkcs11Error NO_TOKEN, DEVICE_ERROR
   */
  openSession(selector: Pkcs11TokenSelector = {}, options: { readWrite?: boolean } = {}): Pkcs11Session {
    const token = this.findToken(selector);
    const slot = call('C_GetSlotList', () => this.lib.C_GetSlotList(true)).find(
      (s) => ulong(s) === token.slot,
    );
    if (!slot) throw new Pkcs11Error('NO_TOKEN', `the token in slot ${token.slot} was removed`);
    const flags = pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0);
    const handle = call('C_OpenSession', () => this.lib.C_OpenSession(slot, flags));
    return new Pkcs11Session(this.lib, slot, handle, token);
  }

  /** Finalises the module (C_Finalize); sessions end with it. Safe to call twice. */
  close(): void {
    try {
      this.lib.C_Finalize();
    } catch {
      // already finalised
    }
    try {
      this.lib.close();
    } catch {
      // already unloaded
    }
  }
}

/**
 * A session with one token. Not safe for concurrent use: a token runs one operation at a time
 * (PKCS#11 v2.40 §5.12: one active signing operation per session).
 */
export class Pkcs11Session {
  /** @internal built by `Pkcs11Module.openSession`. */
  constructor(
    private readonly lib: pkcs11js.PKCS11,
    private readonly slot: Buffer,
    private readonly handle: Buffer,
    /** The token as it was when the session opened. */
    readonly token: Pkcs11TokenInfo,
  ) {}

  /**
   * Logs the user in (CKU_USER). `null` on a reader with a PIN pad (protected authentication path):
   * the holder types the PIN on the reader. Already logged in counts as success.
   * @throws Pkcs11Error PIN_INCORRECT (with `pinStatus`), PIN_LOCKED, PIN_INVALID, PIN_EXPIRED, CANCELLED, NO_TOKEN
   * Spec: PKCS#11 v2.40 §5.6 C_Login.
   */
  login(pin: string | null): void {
    try {
      if (pin === null) this.lib.C_Login(this.handle, pkcs11js.CKU_USER);
      else this.lib.C_Login(this.handle, pkcs11js.CKU_USER, pin);
    } catch (error) {
      const failure = toPkcs11Error(error, 'C_Login');
      if (failure.ckr === 'CKR_USER_ALREADY_LOGGED_IN') return;
      if (failure.code === 'PIN_INCORRECT') {
        const flags = this.tokenFlags();
        if (flags !== null && flags & pkcs11js.CKF_USER_PIN_LOCKED)
          throw new Pkcs11Error('PIN_LOCKED', 'C_Login: the PIN is now locked', failure.ckr);
        throw new Pkcs11Error(
          'PIN_INCORRECT',
          failure.message,
          failure.ckr,
          flags === null ? 'ok' : pinStatusOf(flags),
        );
      }
      throw failure;
    }
  }

  /** Ends the login (C_Logout); ignores "not logged in". */
  logout(): void {
    try {
      this.lib.C_Logout(this.handle);
    } catch {
      // not logged in, or the session is gone
    }
  }

  /**
   * The X.509 certificates on the token (public objects: readable before login).
   * @throws Pkcs11Error NO_TOKEN, DEVICE_ERROR
   */
  certificates(): Pkcs11Certificate[] {
    return this.find([
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ]).map((object) => {
      const [id, label, value] = this.attributes(object, [
        pkcs11js.CKA_ID,
        pkcs11js.CKA_LABEL,
        pkcs11js.CKA_VALUE,
      ]);
      return { id: new Uint8Array(id), label: label.toString('utf8'), der: new Uint8Array(value) };
    });
  }

  /**
   * The private key with this CKA_ID (as its certificate has) or CKA_LABEL. Private keys are visible
   * only after `login`.
   * @throws Pkcs11Error KEY_NOT_FOUND (none or several), DEVICE_ERROR
   */
  privateKey(by: { id?: Uint8Array; label?: string }): Pkcs11PrivateKey {
    const { object } = this.oneKey(pkcs11js.CKO_PRIVATE_KEY, 'private', by);
    const [id, label, keyType] = this.attributes(object, [
      pkcs11js.CKA_ID,
      pkcs11js.CKA_LABEL,
      pkcs11js.CKA_KEY_TYPE,
    ]);
    const type = ulong(keyType);
    if (type !== pkcs11js.CKK_RSA && type !== pkcs11js.CKK_EC)
      throw new Pkcs11Error('UNSUPPORTED_MECHANISM', `private key type ${type} is neither RSA nor EC`);
    return {
      id: new Uint8Array(id),
      label: label.toString('utf8'),
      keyType: type === pkcs11js.CKK_RSA ? 'RSA' : 'EC',
      handle: object,
    };
  }

  /** The private key belonging to a certificate on the token (same CKA_ID). */
  privateKeyFor(certificate: Pkcs11Certificate): Pkcs11PrivateKey {
    return this.privateKey({ id: certificate.id });
  }

  /**
   * Signs `data` (the message itself, not its hash) with `key`: on-token hashing when the token offers
   * it (CKM_SHA256_RSA_PKCS, …), else hashed here and signed with the raw mechanism (CKM_RSA_PKCS over a
   * DigestInfo, CKM_RSA_PKCS_PSS, CKM_ECDSA), as many smart cards only offer those. RSA-PSS uses MGF1
   * with the same hash and a salt as long as the hash (RFC 8017 §9.1, RFC 4055 §3.1).
   * @returns the signature as CMS/X.509 carry it (ECDSA: DER Ecdsa-Sig-Value, RFC 5758 §3.2)
   * @throws Pkcs11Error NOT_LOGGED_IN, UNSUPPORTED_MECHANISM, KEY_NOT_FOUND, CANCELLED, NO_TOKEN, DEVICE_ERROR
   */
  async sign(
    key: Pkcs11PrivateKey,
    algorithm: Pkcs11SignatureAlgorithm,
    data: Uint8Array,
  ): Promise<Uint8Array> {
    const hash = HASHES[algorithm.hash ?? 'SHA-256'];
    if ((algorithm.name === 'ECDSA') !== (key.keyType === 'EC'))
      throw new Pkcs11Error('UNSUPPORTED_MECHANISM', `${algorithm.name} with an ${key.keyType} key`);
    const offered = new Set(call('C_GetMechanismList', () => this.lib.C_GetMechanismList(this.slot)));
    const hashing = HASHING_MECHANISMS[algorithm.name][algorithm.hash ?? 'SHA-256'];
    const onToken = offered.has(hashing);
    const mechanism = onToken ? hashing : RAW_MECHANISMS[algorithm.name];
    if (!offered.has(mechanism))
      throw new Pkcs11Error('UNSUPPORTED_MECHANISM', `the token offers no ${algorithm.name} mechanism`);

    let input = Buffer.from(data);
    if (!onToken) {
      const digest = createHash(hash.node).update(data).digest();
      input =
        algorithm.name === 'RSA-PKCS1'
          ? Buffer.concat([Buffer.from(hash.digestInfo, 'hex'), digest])
          : digest;
    }
    const parameter: pkcs11js.RsaPSS | undefined =
      algorithm.name === 'RSA-PSS'
        ? { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: hash.ckm, mgf: hash.mgf, saltLen: hash.saltLength }
        : undefined;
    call('C_SignInit', () =>
      this.lib.C_SignInit(this.handle, parameter ? { mechanism, parameter } : { mechanism }, key.handle),
    );
    let signature: Buffer;
    try {
      // 1 KiB holds RSA-8192 and any ECDSA r‖s; the binding returns the used slice.
      signature = await this.lib.C_SignAsync(this.handle, input, Buffer.alloc(1024));
    } catch (error) {
      throw toPkcs11Error(error, 'C_Sign');
    }
    return algorithm.name === 'ECDSA' ? ecdsaRawToDer(new Uint8Array(signature)) : new Uint8Array(signature);
  }

  /**
   * The public key object with this CKA_ID or CKA_LABEL: RSA, or EC on P-256 (the curve GAEN and EFGS
   * use). Public objects are readable before login.
   * @throws Pkcs11Error KEY_NOT_FOUND (none or several), UNSUPPORTED_MECHANISM (another type or curve)
   * Spec: PKCS#11 v2.40 §2.3.3 (CKA_EC_PARAMS, CKA_EC_POINT as a DER OCTET STRING), §2.1.2 (RSA).
   */
  publicKey(by: { id?: Uint8Array; label?: string }): Pkcs11PublicKey {
    const { object, what } = this.oneKey(pkcs11js.CKO_PUBLIC_KEY, 'public', by);
    const [id, label, keyType] = this.attributes(object, [
      pkcs11js.CKA_ID,
      pkcs11js.CKA_LABEL,
      pkcs11js.CKA_KEY_TYPE,
    ]);
    const common = { id: new Uint8Array(id), label: label.toString('utf8') };
    if (ulong(keyType) === pkcs11js.CKK_RSA) {
      const [n, e] = this.attributes(object, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
      const jwk = { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') };
      return { ...common, keyType: 'RSA', spki: spkiOf(jwk) };
    }
    if (ulong(keyType) !== pkcs11js.CKK_EC)
      throw new Pkcs11Error(
        'UNSUPPORTED_MECHANISM',
        `public key type ${ulong(keyType)} is neither RSA nor EC`,
      );
    const [params, point] = this.attributes(object, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
    if (!params.equals(P256_PARAMS))
      throw new Pkcs11Error('UNSUPPORTED_MECHANISM', `the EC key with ${what} is not on P-256`);
    // DER OCTET STRING (04 41) around the uncompressed point 04 ‖ x ‖ y; some modules omit the wrapper.
    const raw = point.length === 67 && point[0] === 0x04 && point[1] === 0x41 ? point.subarray(2) : point;
    if (raw.length !== 65 || raw[0] !== 0x04)
      throw new Pkcs11Error('DEVICE_ERROR', `the EC key with ${what} has no uncompressed P-256 point`);
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33).toString('base64url'),
    };
    return { ...common, keyType: 'EC', spki: spkiOf(jwk) };
  }

  /**
   * Whether a private key can leave the token: CKA_SENSITIVE (never in plain text), CKA_EXTRACTABLE (may
   * be wrapped out) and CKA_NEVER_EXTRACTABLE (never was extractable, e.g. generated on the token).
   * Spec: PKCS#11 v2.40 §4.9 (common private key attributes).
   */
  keyProtection(key: Pkcs11PrivateKey): {
    sensitive: boolean;
    extractable: boolean;
    neverExtractable: boolean;
  } {
    const [sensitive, extractable, never] = this.attributes(key.handle, [
      pkcs11js.CKA_SENSITIVE,
      pkcs11js.CKA_EXTRACTABLE,
      pkcs11js.CKA_NEVER_EXTRACTABLE,
    ]);
    const yes = (b: Buffer) => b.length > 0 && b[0] !== 0;
    return { sensitive: yes(sensitive), extractable: yes(extractable), neverExtractable: yes(never) };
  }

  /** Closes the session (and with the last one, the login). Safe to call twice. */
  close(): void {
    try {
      this.lib.C_CloseSession(this.handle);
    } catch {
      // already closed
    }
  }

  /** Exactly one key object of `objectClass` with this CKA_ID and/or CKA_LABEL, else KEY_NOT_FOUND. */
  private oneKey(
    objectClass: number,
    kind: 'private' | 'public',
    by: { id?: Uint8Array; label?: string },
  ): { object: Buffer; what: string } {
    const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: objectClass }];
    if (by.id) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(by.id) });
    if (by.label !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: by.label });
    const found = this.find(template);
    const what =
      by.label !== undefined ? `label "${by.label}"` : `id ${Buffer.from(by.id ?? []).toString('hex')}`;
    if (found.length !== 1)
      throw new Pkcs11Error(
        'KEY_NOT_FOUND',
        found.length ? `several ${kind} keys with ${what}` : `no ${kind} key with ${what}`,
      );
    return { object: found[0], what };
  }

  private find(template: pkcs11js.Template): Buffer[] {
    call('C_FindObjectsInit', () => this.lib.C_FindObjectsInit(this.handle, template));
    try {
      const found: Buffer[] = [];
      for (;;) {
        const batch = call('C_FindObjects', () => this.lib.C_FindObjects(this.handle, 32));
        found.push(...batch);
        if (batch.length < 32) return found;
      }
    } finally {
      call('C_FindObjectsFinal', () => this.lib.C_FindObjectsFinal(this.handle));
    }
  }

  private attributes(object: Buffer, types: readonly number[]): Buffer[] {
    const result = call('C_GetAttributeValue', () =>
      this.lib.C_GetAttributeValue(
        this.handle,
        object,
        types.map((type) => ({ type })),
      ),
    );
    return types.map((type) => result.find((a) => a.type === type)?.value ?? Buffer.alloc(0));
  }

  private tokenFlags(): number | null {
    try {
      return this.lib.C_GetTokenInfo(this.slot).flags;
    } catch {
      return null;
    }
  }
}
