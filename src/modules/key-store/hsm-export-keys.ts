import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { readConfiguredFile, StartupConfigError } from '../../infrastructure/startup-errors';
import type { Pkcs11Error, Pkcs11Module, Pkcs11PrivateKey, Pkcs11Session } from '../../protocol/pkcs11';
import type { KeyStoreConfig } from './key-store.config';

type HsmConfig = NonNullable<KeyStoreConfig['signing']['pkcs11']>;

/** Failures after which a fresh session may succeed (HSM restarted, session or login lost). */
const RECOVERABLE = new Set(['DEVICE_ERROR', 'NO_TOKEN', 'NOT_LOGGED_IN']);

/**
 * Export signing keys in an HSM, through PKCS#11: the token signs, this process only ever sees the
 * public keys. One session, one operation at a time (a PKCS#11 session runs one signing operation,
 * v2.40 §5.12); after a device failure the next signature opens a new session and logs in again.
 */
export class HsmExportKeys {
  private current?: { session: Pkcs11Session; keys: Map<string, Pkcs11PrivateKey> };
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly config: HsmConfig,
    private readonly module: Pkcs11Module,
    private readonly pin: string,
    /** Public keys by version, read from the token at start-up. */
    readonly publicKeys: ReadonlyMap<string, KeyObject>,
  ) {}

  /**
   * Loads the module, logs in, checks every configured key pair (P-256, cannot leave the token, private
   * and public key belong together) and keeps the session. Failures name the variable to fix.
   */
  static async open(config: HsmConfig): Promise<HsmExportKeys> {
    const pin = readConfiguredFile('EXPORT_SIGNING_PKCS11_PIN_FILE', config.pinFile).trim();
    // Loaded only when configured: instances without an HSM never load the native addon.
    const pkcs11 = await import('../../protocol/pkcs11');
    let module: Pkcs11Module;
    try {
      module = pkcs11.Pkcs11Module.load(config.module);
    } catch (error) {
      throw explain(error, 'EXPORT_SIGNING_PKCS11_MODULE', `cannot load ${config.module}`);
    }
    const hsm = new HsmExportKeys(config, module, pin, new Map());
    try {
      const { session, keys } = hsm.openSession();
      hsm.current = { session, keys };
      const publicKeys = hsm.publicKeys as Map<string, KeyObject>;
      for (const { version, label } of config.keys) {
        const what = `key ${version} ("${label}")`;
        const protection = session.keyProtection(keys.get(version)!);
        if (!protection.sensitive || protection.extractable)
          throw new StartupConfigError(
            `EXPORT_SIGNING_PKCS11_KEYS: ${what} can leave the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true); generate it on the token, not extractable`,
          );
        let spki: Uint8Array;
        try {
          const publicKey = session.publicKey({ label });
          if (publicKey.keyType !== 'EC') throw new Error('not an EC key');
          spki = publicKey.spki;
        } catch (error) {
          throw explain(error, 'EXPORT_SIGNING_PKCS11_KEYS', `${what}: no P-256 public key on the token`);
        }
        const publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
        // What apps will trust must be what the token signs with: a mislabelled pair fails here, not on phones.
        const probe = randomBytes(32);
        const signature = await session.sign(keys.get(version)!, { name: 'ECDSA', hash: 'SHA-256' }, probe);
        if (!verify('sha256', probe, { key: publicKey, dsaEncoding: 'der' }, signature))
          throw new StartupConfigError(
            `EXPORT_SIGNING_PKCS11_KEYS: the private and public key labelled "${label}" are not one pair`,
          );
        publicKeys.set(version, publicKey);
      }
      return hsm;
    } catch (error) {
      hsm.close();
      throw error;
    }
  }

  /** ECDSA P-256 with SHA-256 by the key of `version`; DER signature, as export.sig carries it. */
  sign(version: string, data: Uint8Array): Promise<Uint8Array> {
    const run = this.queue.then(async () => {
      this.current ??= this.openSession();
      const { session, keys } = this.current;
      try {
        return await session.sign(keys.get(version)!, { name: 'ECDSA', hash: 'SHA-256' }, data);
      } catch (error) {
        if (RECOVERABLE.has((error as Pkcs11Error).code)) {
          session.close();
          this.current = undefined;
        }
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.current?.session.close();
    this.current = undefined;
    this.module.close();
  }

  private openSession(): { session: Pkcs11Session; keys: Map<string, Pkcs11PrivateKey> } {
    let session: Pkcs11Session;
    try {
      session = this.module.openSession({ label: this.config.token });
    } catch (error) {
      throw explain(error, 'EXPORT_SIGNING_PKCS11_TOKEN', `no token "${this.config.token}"`);
    }
    try {
      // Every wrong PIN costs a try; a restart loop must not lock the token.
      if (session.token.pinLocked || session.token.pinStatus === 'final-try')
        throw new StartupConfigError(
          `EXPORT_SIGNING_PKCS11_PIN_FILE: the PIN of token "${this.config.token}" is locked or has one try left; not trying it`,
        );
      try {
        session.login(this.pin);
      } catch (error) {
        throw explain(
          error,
          'EXPORT_SIGNING_PKCS11_PIN_FILE',
          `token "${this.config.token}" refused the PIN`,
        );
      }
      const keys = new Map<string, Pkcs11PrivateKey>();
      for (const { version, label } of this.config.keys) {
        let key: Pkcs11PrivateKey;
        try {
          key = session.privateKey({ label });
        } catch (error) {
          throw explain(error, 'EXPORT_SIGNING_PKCS11_KEYS', `key ${version}: no private key "${label}"`);
        }
        if (key.keyType !== 'EC')
          throw new StartupConfigError(
            `EXPORT_SIGNING_PKCS11_KEYS: key ${version} ("${label}") is not an EC key`,
          );
        keys.set(version, key);
      }
      return { session, keys };
    } catch (error) {
      session.close();
      throw error;
    }
  }
}

/** A start-up error naming `variable`, with the module's own words (PKCS#11 return value) after it. */
function explain(error: unknown, variable: string, what: string): StartupConfigError {
  const detail = error instanceof Error ? error.message : String(error);
  return new StartupConfigError(`${variable}: ${what} (${detail})`, { cause: error });
}
