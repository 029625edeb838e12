import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { EMPTY_SHA256, encodeSegment, presignS3Url, signS3Request, type S3Credentials } from './s3-signature';

/**
 * Where export files and other blobs live: local disk in the embedded profile, an S3-compatible store
 * when configured (S3_ENDPOINT).
 */
export abstract class FileStore {
  abstract put(key: string, data: Uint8Array): Promise<void>;
  abstract get(key: string): Promise<Buffer | null>;
  abstract delete(key: string): Promise<void>;
  /**
   * A URL that lets anybody fetch `key` straight from the store for `expiresSeconds`, so downloads need
   * not pass through us; undefined when the store has none (local disk).
   */
  abstract downloadUrl(key: string, expiresSeconds: number): URL | undefined;
}

export class LocalFileStore extends FileStore {
  constructor(private readonly root: string) {
    super();
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, data);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  downloadUrl(): undefined {
    return undefined;
  }

  private pathOf(key: string): string {
    const path = normalize(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`file key escapes the store: ${key}`);
    return path;
  }
}

/** Where an S3-compatible store keeps the files: path-style requests to `endpoint/bucket/prefix + key`. */
export interface S3StoreOptions extends S3Credentials {
  endpoint: string;
  bucket: string;
  prefix: string;
}

/**
 * Files in an S3-compatible object store (AWS S3, MinIO, Ceph, …), so that several instances share the
 * export files: PutObject, GetObject and DeleteObject over HTTPS, signed with AWS Signature Version 4.
 * Path-style addressing, which every S3-compatible store accepts.
 */
export class S3FileStore extends FileStore {
  constructor(
    private readonly options: S3StoreOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    await this.send('PUT', key, data, [200]);
  }

  async get(key: string): Promise<Buffer | null> {
    const res = await this.send('GET', key, undefined, [200, 404]);
    if (res.status === 200) return Buffer.from(await res.arrayBuffer());
    // A missing object is an answer; a missing bucket is a misconfiguration.
    const code = await errorCode(res);
    if (code === 'NoSuchKey') return null;
    throw new Error(`S3 GET failed: 404 ${code}`);
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 whether or not the object existed; some compatible stores say 404.
    await this.send('DELETE', key, undefined, [200, 204, 404]);
  }

  /** A presigned GetObject URL (SigV4 query authentication). */
  downloadUrl(key: string, expiresSeconds: number): URL {
    return presignS3Url(this.objectUrl(key), this.options, this.now(), expiresSeconds);
  }

  private objectUrl(key: string): URL {
    const { endpoint, bucket, prefix } = this.options;
    const path = [bucket, ...`${prefix}${key}`.split('/')].map(encodeSegment).join('/');
    return new URL(`${endpoint.replace(/\/$/, '')}/${path}`);
  }

  private async send(
    method: string,
    key: string,
    body: Uint8Array | undefined,
    expected: number[],
  ): Promise<Response> {
    const url = this.objectUrl(key);
    const headers = signS3Request(
      {
        method,
        url,
        headers: body ? { 'content-type': 'application/octet-stream' } : {},
        payloadSha256: body ? createHash('sha256').update(body).digest('hex') : EMPTY_SHA256,
      },
      this.options,
      this.now(),
    );
    delete headers.host; // fetch sets it from the URL
    const res = await fetch(url, {
      method,
      headers,
      body: body as Uint8Array<ArrayBuffer> | undefined,
      signal: AbortSignal.timeout(S3_TIMEOUT_MS),
    });
    if (!expected.includes(res.status))
      throw new Error(`S3 ${method} failed: ${res.status} ${await errorCode(res)}`);
    return res;
  }
}

/** The <Code> of an S3 error document (S3 API, "Error responses"): what went wrong, without keys or names. */
async function errorCode(res: Response): Promise<string> {
  return /<Code>([A-Za-z]{1,64})<\/Code>/.exec(await res.text())?.[1] ?? 'no error code';
}

const S3_TIMEOUT_MS = 30_000;
