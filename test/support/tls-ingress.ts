/**
 * A TLS-terminating ingress for e2e tests, as EFGS and national backends deploy them
 * (docs/protocols/efgs.md §A6): it asks for a client certificate, forwards plain HTTP to the app and replaces
 * `X-SSL-Client-SHA256` / `X-SSL-Client-DN` with the certificate it saw (base64 thumbprint form, the one the
 * hex tests do not use).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TestCertificate } from './federation-pki';

export interface TlsIngress {
  url: string;
  /** Where requests go, e.g. `http://127.0.0.1:1234`; settable after start (the app may start later). */
  target: string;
  /** Requests seen, with the client certificate thumbprint (hex) if one was presented. */
  seen: { path: string; thumbprint: string | undefined }[];
  close(): Promise<void>;
}

export async function startTlsIngress(certificate: TestCertificate): Promise<TlsIngress> {
  const ingress: TlsIngress = { url: '', target: '', seen: [], close: async () => undefined };
  const server = createServer(
    { cert: certificate.certPem, key: certificate.keyPem, requestCert: true, rejectUnauthorized: false },
    (req: IncomingMessage, res: ServerResponse) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const raw = peer?.raw ? createHash('sha256').update(peer.raw).digest() : undefined;
      ingress.seen.push({ path: req.url ?? '', thumbprint: raw?.toString('hex') });
      const headers = { ...req.headers };
      delete headers['x-ssl-client-sha256'];
      delete headers['x-ssl-client-dn'];
      if (raw && peer.subject) {
        headers['x-ssl-client-sha256'] = raw.toString('base64');
        headers['x-ssl-client-dn'] = Object.entries(peer.subject)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',');
      }
      const upstream = httpRequest(
        `${ingress.target}${req.url ?? '/'}`,
        { method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ingress.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ingress.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return ingress;
}
