import type { IncomingMessage, ServerResponse } from 'node:http';

type Middleware<Req extends IncomingMessage, Res extends ServerResponse> = (
  req: Req,
  res: Res,
  next: (err?: unknown) => void,
) => void;

/**
 * Routes that phones, phone exchanges and other backends call, never a browser page: key uploads, export
 * downloads, published keys, federation, the exchange API. They get no session cookie and no CSRF cookie
 * (a CDN does not cache an answer that sets a cookie, or worse, hands one CSRF token to everyone), no
 * credentialed CORS, and a fixed set of API security headers instead of the portals' page policy. That
 * also keeps the busiest routes off the browser middleware.
 */
export class MachineRoutes {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];
  private readonly headers: readonly [string, string][];

  /** `paths`: exact paths, or prefixes when they end in `/`. */
  constructor(paths: readonly string[], options: { strictTransportSecurity: boolean }) {
    this.exact = new Set(paths.filter((p) => !p.endsWith('/')).map((p) => p.toLowerCase()));
    this.prefixes = paths.filter((p) => p.endsWith('/')).map((p) => p.toLowerCase());
    this.headers = [
      ['X-Content-Type-Options', 'nosniff'],
      // Nothing here is meant to render: no sources, no framing.
      ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
      ['Referrer-Policy', 'no-referrer'],
      ['Cross-Origin-Resource-Policy', 'same-origin'],
      ...(options.strictTransportSecurity
        ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as [string, string]]
        : []),
    ];
  }

  /** As Express routes: case-insensitive, an exact path also with a trailing slash. */
  matches(url: string | undefined): boolean {
    if (!url) return false;
    const query = url.indexOf('?');
    const path = (query < 0 ? url : url.slice(0, query)).toLowerCase();
    return (
      this.exact.has(path.endsWith('/') ? path.slice(0, -1) : path) ||
      this.prefixes.some((p) => path.startsWith(p))
    );
  }

  /** Runs `middleware` for every route but these. */
  browserOnly<Req extends IncomingMessage, Res extends ServerResponse>(
    middleware: Middleware<Req, Res>,
  ): Middleware<Req, Res> {
    return (req, res, next) => (this.matches(req.url) ? next() : middleware(req, res, next));
  }

  /** `browserHeaders` (helmet) for browser routes; the fixed API headers for these. */
  securityHeaders<Req extends IncomingMessage, Res extends ServerResponse>(
    browserHeaders: Middleware<Req, Res>,
  ): Middleware<Req, Res> {
    return (req, res, next) => {
      if (!this.matches(req.url)) return browserHeaders(req, res, next);
      for (const [name, value] of this.headers) res.setHeader(name, value);
      next();
    };
  }
}
