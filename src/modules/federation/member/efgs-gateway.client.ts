import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import {
  CLIENT_DN_HEADER,
  CLIENT_SHA256_HEADER,
  efgsContentType,
  type EfgsFormat,
} from '../../../protocol/efgs';

export interface GatewayResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Thrown when no HTTP answer arrived (connection, TLS, timeout): always worth retrying. */
export class GatewayUnreachableError extends Error {
  override readonly name = 'GatewayUnreachableError';
}

const TIMEOUT_MS = 30_000;
/** A 5,000-key batch is ~0.3 MB as protobuf and ~2 MB as JSON. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** RFC 4514 escaping of one DN value, so commas or plus signs in a name survive the header. */
function escapeDnValue(value: string): string {
  return value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

/** `C=NO,O=…,CN=…` from Node's one-attribute-per-line subject text. */
export function subjectDn(cert: X509Certificate): string {
  return cert.subject
    .split('\n')
    .map((line) => {
      const eq = line.indexOf('=');
      return `${line.slice(0, eq)}=${escapeDnValue(line.slice(eq + 1))}`;
    })
    .join(',');
}

/**
 * The member's HTTP client for a gateway's EFGS API (docs/protocols/efgs.md §A1): mTLS with our
 * AUTHENTICATION certificate through a Node https Agent, optionally the `X-SSL-Client-*` headers as NL and
 * CWA send them for gateways behind a proxy (docs/protocols/efgs.md §A6). Answers are returned whatever their
 * status; the caller decides.
 */
@Injectable()
export class EfgsGatewayClient implements OnModuleDestroy {
  private agent: Agent | undefined;
  private certificateHeaders: Record<string, string> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleDestroy(): void {
    this.agent?.destroy();
  }

  /**
   * `POST /diagnosiskeys/upload` with a stored body, its tag and its base64 signature
   * (docs/protocols/efgs.md §A1).
   */
  upload(
    body: Buffer,
    format: EfgsFormat,
    batchTag: string,
    batchSignature: string,
  ): Promise<GatewayResponse> {
    return this.request('POST', '/diagnosiskeys/upload', {
      headers: {
        'Content-Type': efgsContentType(format),
        Accept: 'application/json',
        batchTag,
        batchSignature,
      },
      body,
    });
  }

  /**
   * `GET /diagnosiskeys/download/{date}`, from the day's first batch or from `batchTag`
   * (docs/protocols/efgs.md §A7).
   */
  download(date: string, batchTag?: string): Promise<GatewayResponse> {
    const format = this.config.federation.member.format;
    return this.request('GET', `/diagnosiskeys/download/${encodeURIComponent(date)}`, {
      headers: { Accept: efgsContentType(format), ...(batchTag ? { batchTag } : {}) },
    });
  }

  /** `GET /diagnosiskeys/callback`: our subscriptions (docs/protocols/efgs.md §A8). */
  listCallbacks(): Promise<GatewayResponse> {
    return this.request('GET', '/diagnosiskeys/callback', { headers: { Accept: 'application/json' } });
  }

  /** `PUT /diagnosiskeys/callback/{id}?url=…` (docs/protocols/efgs.md §A8). */
  putCallback(callbackId: string, url: string): Promise<GatewayResponse> {
    return this.request(
      'PUT',
      `/diagnosiskeys/callback/${encodeURIComponent(callbackId)}?url=${encodeURIComponent(url)}`,
      {},
    );
  }

  private request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer },
  ): Promise<GatewayResponse> {
    const { gatewayUrl } = this.config.federation.member;
    if (!gatewayUrl) return Promise.reject(new Error('FEDERATION_GATEWAY_URL is not configured'));
    const url = new URL(`${gatewayUrl}${path}`);
    const https = url.protocol === 'https:';
    const headers: Record<string, string> = { ...this.headersForProxy(), ...options.headers };
    if (options.body) headers['Content-Length'] = String(options.body.length);
    return new Promise<GatewayResponse>((resolve, reject) => {
      const send = https ? httpsRequest : httpRequest;
      const req = send(
        url,
        { method, headers, timeout: TIMEOUT_MS, ...(https ? { agent: this.tlsAgent() } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
            else chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', (error) => reject(new GatewayUnreachableError(error.message)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => reject(new GatewayUnreachableError(error.message)));
      req.end(options.body);
    });
  }

  private tlsAgent(): Agent {
    if (!this.agent) {
      const { clientCertFile, clientKeyFile, gatewayCaFile } = this.config.federation.member;
      this.agent = new Agent({
        keepAlive: true,
        ...(clientCertFile && clientKeyFile
          ? { cert: readFileSync(clientCertFile), key: readFileSync(clientKeyFile) }
          : {}),
        ...(gatewayCaFile ? { ca: readFileSync(gatewayCaFile) } : {}),
      });
    }
    return this.agent;
  }

  /**
   * The two proxy headers for our AUTHENTICATION certificate, when configured to send them
   * (docs/protocols/efgs.md §A6).
   */
  private headersForProxy(): Record<string, string> {
    const { sendCertificateHeaders, clientCertFile } = this.config.federation.member;
    if (!sendCertificateHeaders || !clientCertFile) return {};
    if (!this.certificateHeaders) {
      const cert = new X509Certificate(readFileSync(clientCertFile));
      this.certificateHeaders = {
        [CLIENT_SHA256_HEADER]: createHash('sha256').update(cert.raw).digest('hex'),
        [CLIENT_DN_HEADER]: encodeURIComponent(subjectDn(cert)),
      };
    }
    return this.certificateHeaders;
  }
}
