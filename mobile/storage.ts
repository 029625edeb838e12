/**
 * Encrypted storage of phones at rest: one AES-256-GCM file per phone. The 32-byte key comes from
 * VEILIG_PHONE_KEY (base64 or hex) or, as a stand-in for an OS keychain, from a key file readable only by its
 * owner (0600) next to the phone files; it is created on first use.
 *
 * File layout: "VPHN" ‖ version 0x01 ‖ 12-byte IV ‖ ciphertext ‖ 16-byte tag; the header and the phone id are
 * authenticated as additional data, so a file cannot be swapped for another phone's.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Clock } from './clock';
import { Phone, type PhoneSnapshot } from './phone';

const MAGIC = Buffer.from('VPHN', 'latin1');
const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const KEY_LENGTH = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Environment variable holding the storage key. */
export const PHONE_KEY_ENV = 'VEILIG_PHONE_KEY';
const KEYCHAIN_FILE = '.keychain';

/** Where the storage key comes from, for diagnostics. */
export type StorageKeySource = 'env' | 'keychain-file' | 'new-keychain-file';

/** Thrown when a phone file cannot be decrypted or parsed. */
export class PhoneStorageError extends Error {
  override readonly name = 'PhoneStorageError';
}

/** Encrypted phone files in one directory. */
export class PhoneStore {
  private constructor(
    /** Directory of the phone files. */
    readonly dir: string,
    private readonly key: Buffer,
    /** Where the key came from. */
    readonly keySource: StorageKeySource,
  ) {}

  /**
   * Opens (creating if needed) a store. The key is VEILIG_PHONE_KEY from `env` if set, else the keychain
   * stand-in file `<dir>/.keychain`, which must not be readable by group or others.
   */
  static async open(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<PhoneStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fromEnv = env[PHONE_KEY_ENV];
    if (fromEnv) return new PhoneStore(dir, parseKey(fromEnv, PHONE_KEY_ENV), 'env');
    const path = join(dir, KEYCHAIN_FILE);
    try {
      const info = await stat(path);
      if ((info.mode & 0o077) !== 0) {
        throw new PhoneStorageError(
          `${path} is accessible by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
        );
      }
      return new PhoneStore(dir, parseKey((await readFile(path, 'utf8')).trim(), path), 'keychain-file');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(KEY_LENGTH);
    // 'wx': never overwrite a key another process created meanwhile.
    await writeFile(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600); // umask cannot widen 0600, but be explicit
    return new PhoneStore(dir, key, 'new-keychain-file');
  }

  /** Encrypts and writes a phone (atomically: temp file + rename). */
  async save(phone: Phone): Promise<void> {
    const path = this.pathOf(phone.id);
    const plaintext = Buffer.from(JSON.stringify(phone.snapshot()), 'utf8');
    const iv = randomBytes(IV_LENGTH);
    const header = Buffer.concat([MAGIC, Buffer.from([VERSION])]);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(header, phone.id));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.concat([header, iv, body, cipher.getAuthTag()]), { mode: 0o600 });
    await rename(tmp, path);
  }

  /** Reads and decrypts a phone; throws PhoneStorageError if it is missing, tampered with or under another key. */
  async load(id: string, clock: Clock): Promise<Phone> {
    let file: Buffer;
    try {
      file = await readFile(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new PhoneStorageError(`no phone "${id}" in ${this.dir}`);
      throw err;
    }
    const headerLength = MAGIC.length + 1;
    if (
      file.length < headerLength + IV_LENGTH + TAG_LENGTH ||
      !file.subarray(0, MAGIC.length).equals(MAGIC)
    ) {
      throw new PhoneStorageError(`${this.pathOf(id)} is not a phone file`);
    }
    if (file[MAGIC.length] !== VERSION)
      throw new PhoneStorageError(`unsupported phone file version ${file[MAGIC.length]}`);
    const header = file.subarray(0, headerLength);
    const iv = file.subarray(headerLength, headerLength + IV_LENGTH);
    const tag = file.subarray(file.length - TAG_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(aad(header, id));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([
        decipher.update(file.subarray(headerLength + IV_LENGTH, file.length - TAG_LENGTH)),
        decipher.final(),
      ]);
    } catch {
      throw new PhoneStorageError(`cannot decrypt phone "${id}": wrong key or tampered file`);
    }
    const snapshot = JSON.parse(plaintext.toString('utf8')) as PhoneSnapshot;
    if (snapshot.id !== id) throw new PhoneStorageError(`file of phone "${id}" holds phone "${snapshot.id}"`);
    return Phone.fromSnapshot(snapshot, clock);
  }

  /** Whether a phone file exists. */
  async has(id: string): Promise<boolean> {
    try {
      await stat(this.pathOf(id));
      return true;
    } catch {
      return false;
    }
  }

  /** Ids of the stored phones. */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir);
    return names
      .filter((n) => n.endsWith('.phone'))
      .map((n) => n.slice(0, -'.phone'.length))
      .sort();
  }

  /** The name of the last export file a phone synced for `region`, or undefined before its first sync. */
  async syncCursor(id: string, region: string): Promise<string | undefined> {
    return (await this.cursors(id))[region];
  }

  /**
   * Remembers the last export file synced. Kept in the clear beside the phone: export names are public
   * and say nothing about the phone's keys or sightings.
   */
  async saveSyncCursor(id: string, region: string, lastFile: string): Promise<void> {
    const path = `${this.pathOf(id)}.sync.json`;
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...(await this.cursors(id)), [region]: lastFile }), {
      mode: 0o600,
    });
    await rename(tmp, path);
  }

  private async cursors(id: string): Promise<Record<string, string>> {
    try {
      return JSON.parse(await readFile(`${this.pathOf(id)}.sync.json`, 'utf8')) as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  private pathOf(id: string): string {
    if (!ID_PATTERN.test(id))
      throw new PhoneStorageError(`invalid phone id "${id}" (letters, digits, _ and - only)`);
    return join(this.dir, `${id}.phone`);
  }
}

function aad(header: Buffer, id: string): Buffer {
  return Buffer.concat([header, Buffer.from(id, 'utf8')]);
}

function parseKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_LENGTH)
    throw new PhoneStorageError(`${origin} must hold a 32-byte key (base64 or 64 hex digits)`);
  return key;
}
