import type { Request } from 'express';

/** The caller's IP as Express sees it (honours X-Forwarded-For only when TRUST_PROXY is on). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
