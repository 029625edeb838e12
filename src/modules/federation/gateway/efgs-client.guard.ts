import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { readClientCertificateHeaders } from '../../../protocol/efgs';
import { CertificateProxy } from '../certificate-proxy';
import { CertificateRegistry } from './certificate-registry.service';
import { EfgsHttpError } from './efgs-error';

/** The authenticated caller of an EFGS route: its country and AUTHENTICATION certificate thumbprint. */
export interface EfgsClient {
  country: string;
  thumbprint: string;
}

export interface EfgsRequest extends Request {
  efgsClient?: EfgsClient;
}

type Identity =
  { ok: true; thumbprint: string; country: string } | { ok: false; status: 400 | 403; message: string };

/** The client certificate of a direct mTLS connection, if the client presented one. */
function peerIdentity(req: Request): Identity | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) return undefined;
  const countries = ([] as string[]).concat(
    (peer.subject as Record<string, string | string[]> | undefined)?.C ?? [],
  );
  if (countries.length !== 1 || !/^[A-Z]{2}$/i.test(countries[0])) {
    return { ok: false, status: 400, message: 'Client Certificate must contain country property' };
  }
  return {
    ok: true,
    thumbprint: createHash('sha256').update(peer.raw).digest('hex'),
    country: countries[0].toUpperCase(),
  };
}

/**
 * Client authentication of EFGS's `CertificateAuthentificationFilter` (docs/protocols/efgs.md §A6): the
 * certificate comes from our own TLS handshake (direct mTLS) or from the trusted proxy's headers, and must be
 * a registered, genuine, unrevoked AUTHENTICATION certificate of its subject's country. A handshake
 * certificate wins over headers, so a client holding one cannot claim another identity by header.
 */
@Injectable()
export class EfgsClientGuard implements CanActivate {
  constructor(
    private readonly registry: CertificateRegistry,
    private readonly proxy: CertificateProxy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { gatewayEnabled, gateway } = this.config.federation;
    if (!gatewayEnabled) throw new EfgsHttpError(404, 'Not Found');
    const req = context.switchToHttp().getRequest<EfgsRequest>();
    const headers = this.proxy.certificateHeaders(req);
    const identity: Identity =
      (gateway.directMtls ? peerIdentity(req) : undefined) ??
      (headers
        ? readClientCertificateHeaders(headers.sha256, headers.dn)
        : { ok: false, status: 403, message: 'Forbidden' });
    if (!identity.ok) throw new EfgsHttpError(identity.status, identity.message);
    const lookup = await this.registry.lookup(identity.thumbprint, 'AUTHENTICATION', identity.country);
    if (!lookup.found) throw new EfgsHttpError(403, 'Client is not authorized to access the service');
    if (lookup.revoked) throw new EfgsHttpError(403, 'Client certificate is revoked');
    req.efgsClient = { country: identity.country, thumbprint: identity.thumbprint };
    return true;
  }
}
