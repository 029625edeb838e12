/**
 * Test tokens in SoftHSM2 (Debian package `softhsm2`), a software PKCS#11 module that stands in for a
 * smart card or HSM through the real interface. SoftHSM2 reads the configuration file named by the
 * `SOFTHSM2_CONF` environment variable when a process initialises it (softhsm2.conf(5)). Jest gives tests
 * a copy of `process.env` that native code does not see, so:
 * - `SoftHsm.create()` makes an instance of its own, for a child process (pass `env` to it);
 * - `SoftHsm.ofThisProcess()` is the one this process's real environment names: jest's global set-up
 *   (test/support/softhsm-global-setup.js) creates it before the test processes start.
 * Tokens are always personalised in a child process (`create-token.ts`). Test-only code.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseCertificate } from '../../cms/certificate';
import type { TokenRequest } from './create-token';

/** `node --import tsx` resolves tsx from the working directory. */
const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** Where Debian and other distributions install the module. */
const MODULE_PATHS = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** The installed SoftHSM2 module, or undefined. */
export function softHsmModulePath(): string | undefined {
  return MODULE_PATHS.find((path) => existsSync(path));
}

/** A key and its certificate to put on a token, as a card is personalised. */
export interface TokenKeyPair {
  /** CKA_ID shared by key and certificate. */
  readonly id: Uint8Array;
  readonly label: string;
  /** An extractable WebCrypto private key (RSA or EC P-256), stored on the token as sensitive. */
  readonly privateKey: CryptoKey;
  /** DER X.509 certificate of the key. */
  readonly certificate: Uint8Array;
}

/** Writes a SoftHSM2 configuration with its own token directory under `dir`; returns the file. */
export function writeSoftHsmConfig(dir: string): string {
  mkdirSync(join(dir, 'tokens'), { recursive: true });
  const configFile = join(dir, 'softhsm2.conf');
  writeFileSync(
    configFile,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  return configFile;
}

export class SoftHsm {
  private constructor(
    readonly modulePath: string,
    readonly configFile: string,
    private readonly owned: boolean,
  ) {}

  /** Environment that points SoftHSM2 at this instance. */
  get env(): { SOFTHSM2_CONF: string } {
    return { SOFTHSM2_CONF: this.configFile };
  }

  /** A SoftHSM2 instance with no tokens yet (only the free slot SoftHSM2 always offers), for a child process. */
  static create(): SoftHsm {
    return new SoftHsm(
      modulePathOrThrow(),
      writeSoftHsmConfig(mkdtempSync(join(tmpdir(), 'veilig-softhsm-'))),
      true,
    );
  }

  /** The instance this process's environment names, for loading the module in this process. */
  static ofThisProcess(): SoftHsm {
    const configFile = process.env.SOFTHSM2_CONF;
    if (!configFile || !existsSync(configFile))
      throw new Error('SOFTHSM2_CONF is not set: jest sets it in test/support/softhsm-global-setup.js');
    return new SoftHsm(modulePathOrThrow(), configFile, false);
  }

  /**
   * Initialises a token in the free slot and stores the key pairs on it, in a child process.
   * Labels must be unique within the instance (tests select tokens by label).
   */
  async createToken(options: {
    label: string;
    pin: string;
    soPin?: string;
    keys?: readonly TokenKeyPair[];
  }): Promise<void> {
    const request: TokenRequest = {
      modulePath: this.modulePath,
      label: options.label,
      pin: options.pin,
      soPin: options.soPin ?? '87654321',
      keys: await Promise.all(
        (options.keys ?? []).map(async (pair) => ({
          id: Buffer.from(pair.id).toString('hex'),
          label: pair.label,
          jwk: await globalThis.crypto.subtle.exportKey('jwk', pair.privateKey),
          certificate: Buffer.from(pair.certificate).toString('base64'),
          subject: Buffer.from(parseCertificate(pair.certificate).subject.toSchema().toBER(false)).toString(
            'base64',
          ),
        })),
      ),
    };
    await new Promise<void>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'create-token.ts')],
        { env: { PATH: process.env.PATH ?? '', ...this.env }, cwd: REPO_ROOT },
        (error, _stdout, stderr) =>
          error
            ? reject(new Error(`creating token ${options.label}: ${stderr || error.message}`))
            : resolve(),
      );
      child.stdin?.end(JSON.stringify(request));
    });
  }

  /** Deletes the token directory and configuration of an instance made by `create()`. */
  remove(): void {
    if (this.owned) rmSync(dirname(this.configFile), { recursive: true, force: true });
  }
}

function modulePathOrThrow(): string {
  const path = softHsmModulePath();
  if (!path) throw new Error('SoftHSM2 is not installed (apt-get install softhsm2)');
  return path;
}
