/**
 * Envelope encryption for columns with personal data: every value gets its own random data key
 * (AES-256-GCM), and that data key is wrapped with a key-encryption key from configuration, named by
 * its id in the stored blob. Rotation = add a new key in front of the list; old blobs still open with
 * the old key and can be re-wrapped without touching the data (`rewrap`).
 *
 * Blob layout (all lengths in bytes):
 *   0      version (1)
 *   1      key id length n (1)
 *   2      key id (n, ASCII)
 *   2+n    wrapped data key: iv (12) | tag (16) | ciphertext (32)
 *   62+n   data iv (12) | tag (16) | ciphertext (rest)
 * The context string (e.g. the column name) is bound as additional authenticated data, so a blob
 * copied into another column does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ValueTransformer } from 'typeorm';

const VERSION = 1;
const IV = 12;
const TAG = 16;
const KEY = 32;
const WRAPPED = IV + KEY + TAG;

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `id:base64key,id2:base64key2`; the first key encrypts, every key decrypts. Throws naming the
 * bad entry (never the key material).
 */
export function parseKeyring(spec: string): KeyEncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const sep = entry.indexOf(':');
      const id = sep > 0 ? entry.slice(0, sep) : '';
      if (!/^[A-Za-z0-9_.-]{1,32}$/.test(id))
        throw new EnvelopeError(`key ${i + 1}: expected "<id>:<base64 of 32 bytes>" with a short id`);
      const key = Buffer.from(entry.slice(sep + 1), 'base64');
      if (key.length !== KEY)
        throw new EnvelopeError(`key ${id}: must be 32 bytes (base64), got ${key.length}`);
      return { id, key };
    });
  if (!keys.length) throw new EnvelopeError('no keys configured');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new EnvelopeError('key ids must be unique');
  return keys;
}

export class EnvelopeCipher {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: KeyEncryptionKey[]) {
    if (!keys.length) throw new EnvelopeError('no keys configured');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.keys[0].id;
  }

  encrypt(plaintext: Buffer, context: string): Buffer {
    const kek = this.keys[0];
    const dataKey = randomBytes(KEY);
    const wrapped = seal(kek.key, dataKey, Buffer.from(`wrap:${context}`));
    const body = seal(dataKey, plaintext, Buffer.from(`data:${context}`));
    const id = Buffer.from(kek.id, 'ascii');
    return Buffer.concat([Buffer.from([VERSION, id.length]), id, wrapped, body]);
  }

  decrypt(blob: Buffer, context: string): Buffer {
    const { keyId, wrapped, body } = split(blob);
    const kek = this.byId.get(keyId);
    if (!kek) throw new EnvelopeError(`unknown key id ${keyId}`);
    const dataKey = open(kek, wrapped, Buffer.from(`wrap:${context}`));
    return open(dataKey, body, Buffer.from(`data:${context}`));
  }

  /** The key id a blob was wrapped with (for rotation reports). */
  keyIdOf(blob: Buffer): string {
    return split(blob).keyId;
  }

  /** Re-wraps the data key with the current key; the data ciphertext stays as it is. */
  rewrap(blob: Buffer, context: string): Buffer {
    const { keyId, wrapped, body } = split(blob);
    if (keyId === this.currentKeyId) return blob;
    const kek = this.byId.get(keyId);
    if (!kek) throw new EnvelopeError(`unknown key id ${keyId}`);
    const dataKey = open(kek, wrapped, Buffer.from(`wrap:${context}`));
    const current = this.keys[0];
    const id = Buffer.from(current.id, 'ascii');
    return Buffer.concat([
      Buffer.from([VERSION, id.length]),
      id,
      seal(current.key, dataKey, Buffer.from(`wrap:${context}`)),
      body,
    ]);
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV + TAG) throw new EnvelopeError('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
  } catch {
    throw new EnvelopeError('authentication failed (wrong key, wrong context or tampered data)');
  }
}

function split(blob: Buffer): { keyId: string; wrapped: Buffer; body: Buffer } {
  if (blob.length < 2 || blob[0] !== VERSION)
    throw new EnvelopeError('not an envelope blob (no plaintext fallback)');
  const n = blob[1];
  const start = 2 + n;
  if (blob.length < start + WRAPPED + IV + TAG) throw new EnvelopeError('envelope blob truncated');
  return {
    keyId: blob.subarray(2, start).toString('ascii'),
    wrapped: blob.subarray(start, start + WRAPPED),
    body: blob.subarray(start + WRAPPED),
  };
}

/**
 * Column transformers are built when entity classes load, before any configuration exists; the
 * application installs its cipher at start-up. Until then (or without it) reading or writing an
 * encrypted column fails loudly rather than falling back to plaintext.
 */
let installed: EnvelopeCipher | null = null;

export function installColumnCipher(cipher: EnvelopeCipher): void {
  installed = cipher;
}

function columnCipher(): EnvelopeCipher {
  if (!installed) throw new EnvelopeError('no column cipher installed');
  return installed;
}

/** TypeORM transformer: a JSON value ↔ an envelope blob bound to `context`; `null` stays `null`. */
export function encryptedJson(context: string): ValueTransformer {
  return {
    to: (value: unknown) => {
      if (value === null || value === undefined) return value;
      return columnCipher().encrypt(Buffer.from(JSON.stringify(value), 'utf8'), context);
    },
    from: (value: Buffer | Uint8Array | null | undefined) => {
      if (value === null || value === undefined) return null;
      return JSON.parse(columnCipher().decrypt(Buffer.from(value), context).toString('utf8')) as unknown;
    },
  };
}
