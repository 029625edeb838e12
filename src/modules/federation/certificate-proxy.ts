import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { safeEqual } from '../../common/crypto/tokens';
import { AddressRanges } from '../../common/http/address-ranges';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { CLIENT_DN_HEADER, CLIENT_SHA256_HEADER } from '../../protocol/efgs';

/** What the proxy adds besides the certificate headers, when FEDERATION_PROXY_SECRET is set. */
export const PROXY_SECRET_HEADER = 'X-Veilig-Proxy-Secret';

/**
 * The TLS-terminating proxy in front of the federation routes (docs/federation.md): it verifies the
 * client certificate and passes its thumbprint and DN in headers. Anybody can send such headers, and
 * registered AUTHENTICATION certificates are public, so they are believed only when this is on and the
 * request comes from the proxy's address and/or carries its secret.
 */
@Injectable()
export class CertificateProxy {
  private readonly addresses: AddressRanges;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.addresses = new AddressRanges(config.federation.proxy.addresses);
  }

  /** The certificate headers of a request that came through the proxy; undefined for any other request. */
  certificateHeaders(req: Request): { sha256?: string; dn?: string } | undefined {
    const { certificateHeaders, secret } = this.config.federation.proxy;
    if (!certificateHeaders) return undefined;
    if (!this.addresses.empty && !this.addresses.includes(req.socket.remoteAddress)) return undefined;
    if (secret && !safeEqual(req.header(PROXY_SECRET_HEADER) ?? '', secret)) return undefined;
    return { sha256: req.header(CLIENT_SHA256_HEADER), dn: req.header(CLIENT_DN_HEADER) };
  }
}
