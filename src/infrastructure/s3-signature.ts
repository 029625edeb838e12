import { createHash, createHmac } from 'node:crypto';

/** Credentials and region for an S3-compatible store. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** A request to sign: its method, URL (path already percent-encoded), extra headers and payload hash. */
export interface S3Request {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body (of the empty string when there is none). */
  payloadSha256: string;
}

export const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/**
 * The headers that authenticate `request` with AWS Signature Version 4 in the Authorization header, for
 * service `s3` (AWS docs, "Authenticating Requests: Using the Authorization Header"): the request's own
 * headers plus host, x-amz-date, x-amz-content-sha256 and authorization. All headers are signed.
 */
export function signS3Request(
  request: S3Request,
  credentials: S3Credentials,
  now: Date,
): Record<string, string> {
  const amzDate = amzDateOf(now);
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  headers['x-amz-date'] = amzDate;
  headers['x-amz-content-sha256'] = request.payloadSha256;
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    request.method,
    request.url.pathname,
    canonicalQuery(request.url.searchParams),
    ...names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    request.payloadSha256,
  ].join('\n');
  const scope = scopeOf(credentials, day);
  const signature = signatureOf(credentials, amzDate, canonicalRequest);
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`,
  };
}

/**
 * A presigned GET URL for `url` (AWS docs, "Authenticating Requests: Using Query Parameters"): whoever
 * holds it may fetch that object until `expiresSeconds` after `now`, without credentials. Only `host`
 * is signed and the payload is UNSIGNED-PAYLOAD, as the docs' example does.
 */
export function presignS3Url(url: URL, credentials: S3Credentials, now: Date, expiresSeconds: number): URL {
  const amzDate = amzDateOf(now);
  const signed = new URL(url);
  signed.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA256');
  signed.searchParams.set(
    'X-Amz-Credential',
    `${credentials.accessKeyId}/${scopeOf(credentials, amzDate.slice(0, 8))}`,
  );
  signed.searchParams.set('X-Amz-Date', amzDate);
  signed.searchParams.set('X-Amz-Expires', String(expiresSeconds));
  signed.searchParams.set('X-Amz-SignedHeaders', 'host');
  const canonicalRequest = [
    'GET',
    signed.pathname,
    canonicalQuery(signed.searchParams),
    `host:${signed.host}`,
    '',
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  signed.searchParams.set('X-Amz-Signature', signatureOf(credentials, amzDate, canonicalRequest));
  return signed;
}

/** YYYYMMDDTHHMMSSZ */
function amzDateOf(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function scopeOf(credentials: S3Credentials, day: string, service = 's3'): string {
  return `${day}/${credentials.region}/${service}/aws4_request`;
}

/**
 * The Signature Version 4 signature of a canonical request (AWS docs, "Create a signed AWS API
 * request": string to sign, signing key derived from the date, region and service).
 */
export function signatureOf(
  credentials: S3Credentials,
  amzDate: string,
  canonicalRequest: string,
  service = 's3',
): string {
  const day = amzDate.slice(0, 8);
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scopeOf(credentials, day, service),
    sha256Hex(canonicalRequest),
  ].join('\n');
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [credentials.region, service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** A path segment percent-encoded as SigV4 wants it: everything but unreserved characters (RFC 3986). */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [encodeSegment(k), encodeSegment(v)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
