/**
 * A protocol-faithful stand-in for an S3-compatible object store, for tests: path-style PutObject,
 * GetObject and DeleteObject on one bucket, each request's AWS Signature Version 4 checked (signed
 * headers, payload hash, clock skew; or a presigned URL's query parameters and expiry), S3's XML error
 * documents. Objects live in memory.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { presignS3Url, signS3Request, type S3Credentials } from '../../src/infrastructure/s3-signature';

export interface S3Simulator {
  endpoint: string;
  bucket: string;
  credentials: S3Credentials;
  /** Stored objects by key (without the bucket). */
  objects: Map<string, Buffer>;
  /** Env for an app that stores its files here. */
  env: Record<string, string>;
  close(): Promise<void>;
}

const MAX_SKEW_MS = 15 * 60_000;

export async function startS3Simulator(bucket = 'veilig-exports'): Promise<S3Simulator> {
  const credentials: S3Credentials = {
    accessKeyId: 'AKIAVEILIGTEST',
    secretAccessKey: 'test-secret-access-key',
    region: 'eu-west-1',
  };
  const objects = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => fail(res, 500, 'InternalError', String(e)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, `http://${req.headers.host}`);
    const refusal = url.searchParams.has('X-Amz-Signature')
      ? checkPresigned(req, url)
      : checkSignature(req, url, body);
    if (refusal) return fail(res, 403, refusal, 'The request signature we calculated does not match.');
    const [, bucketName, ...rest] = url.pathname.split('/');
    if (bucketName !== bucket) return fail(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
    const key = rest.map(decodeURIComponent).join('/');
    if (req.method === 'PUT') {
      objects.set(key, body);
      res.writeHead(200, { ETag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
    } else if (req.method === 'GET') {
      const object = objects.get(key);
      if (!object) return fail(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(object);
    } else if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204).end();
    } else fail(res, 405, 'MethodNotAllowed', 'The specified method is not allowed.');
  }

  /** Recomputes the signature over the headers the client says it signed; null when it matches. */
  function checkSignature(req: IncomingMessage, url: URL, body: Buffer): string | null {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? '',
      );
    if (!auth || auth[1] !== credentials.accessKeyId) return 'InvalidAccessKeyId';
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const at = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (!Number.isFinite(at) || Math.abs(at - Date.now()) > MAX_SKEW_MS) return 'RequestTimeTooSkewed';
    const payload = String(req.headers['x-amz-content-sha256'] ?? '');
    if (payload !== createHash('sha256').update(body).digest('hex')) return 'XAmzContentSHA256Mismatch';
    const signed = auth[4].split(';');
    if (!['host', 'x-amz-content-sha256', 'x-amz-date'].every((h) => signed.includes(h)))
      return 'AccessDenied';
    const headers = Object.fromEntries(
      signed
        .filter((h) => !['host', 'x-amz-date', 'x-amz-content-sha256'].includes(h))
        .map((h) => [h, String(req.headers[h] ?? '')]),
    );
    const expected = signS3Request(
      { method: req.method!, url, headers, payloadSha256: payload },
      credentials,
      new Date(at),
    ).authorization;
    const given = Buffer.from(req.headers.authorization!);
    return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected))
      ? null
      : 'SignatureDoesNotMatch';
  }

  /**
   * A presigned URL ("Authenticating Requests: Using Query Parameters"): GET only here, the credential
   * scope of our key, X-Amz-Expires at most 7 days and not yet passed ("Request has expired" is
   * AccessDenied), only `host` signed, and the signature recomputed over the URL without it.
   */
  function checkPresigned(req: IncomingMessage, url: URL): string | null {
    const q = url.searchParams;
    if (req.method !== 'GET' || q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'AccessDenied';
    if (!q.get('X-Amz-Credential')?.startsWith(`${credentials.accessKeyId}/`)) return 'InvalidAccessKeyId';
    const at = Date.parse(
      (q.get('X-Amz-Date') ?? '').replace(
        /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
        '$1-$2-$3T$4:$5:$6Z',
      ),
    );
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isFinite(at) || !(expires >= 1 && expires <= 604_800))
      return 'AuthorizationQueryParametersError';
    if (Date.now() > at + expires * 1000) return 'AccessDenied';
    if (q.get('X-Amz-SignedHeaders') !== 'host') return 'AccessDenied';
    const unsigned = new URL(url);
    for (const name of [...unsigned.searchParams.keys()])
      if (name.startsWith('X-Amz-')) unsigned.searchParams.delete(name);
    const expected = presignS3Url(unsigned, credentials, new Date(at), expires).searchParams.get(
      'X-Amz-Signature',
    )!;
    const given = Buffer.from(q.get('X-Amz-Signature')!);
    return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected))
      ? null
      : 'SignatureDoesNotMatch';
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    bucket,
    credentials,
    objects,
    env: {
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: credentials.region,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  res
    .writeHead(status, { 'Content-Type': 'application/xml' })
    .end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    );
}
