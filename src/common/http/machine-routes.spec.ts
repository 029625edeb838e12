import type { IncomingMessage, ServerResponse } from 'node:http';
import { MachineRoutes } from './machine-routes';

describe('MachineRoutes', () => {
  const routes = new MachineRoutes(['/api/v1/diagnosis-keys', '/api/v1/exports/'], {
    strictTransportSecurity: true,
  });

  it('matches exact paths and prefixes as Express routes them, ignoring the query', () => {
    expect(routes.matches('/api/v1/diagnosis-keys')).toBe(true);
    expect(routes.matches('/api/v1/diagnosis-keys?x=1')).toBe(true);
    expect(routes.matches('/api/v1/exports/NL/index.json')).toBe(true);
    expect(routes.matches('/API/V1/Diagnosis-Keys/')).toBe(true);
    expect(routes.matches('/API/v1/EXPORTS/NL/index.json')).toBe(true);
    expect(routes.matches('/api/v1/diagnosis-keys/extra')).toBe(false);
    expect(routes.matches('/api/v1/exports')).toBe(false);
    expect(routes.matches('/api/auth/me')).toBe(false);
    expect(routes.matches(undefined)).toBe(false);
  });

  function run(
    middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void,
    url: string,
  ) {
    const headers: Record<string, string> = {};
    const res = { setHeader: (n: string, v: string) => (headers[n] = v) } as unknown as ServerResponse;
    const next = jest.fn();
    middleware({ url } as IncomingMessage, res, next);
    return { headers, next };
  }

  it('runs browser middleware only off machine routes', () => {
    const browser = jest.fn((_req: IncomingMessage, _res: ServerResponse, next: () => void) => next());
    const wrapped = routes.browserOnly(browser);
    expect(run(wrapped, '/api/v1/diagnosis-keys').next).toHaveBeenCalled();
    expect(browser).not.toHaveBeenCalled();
    run(wrapped, '/login');
    expect(browser).toHaveBeenCalledTimes(1);
  });

  it('gives machine routes fixed API headers instead of the page policy', () => {
    const helmetLike = (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
      res.setHeader('Content-Security-Policy', "default-src 'self'");
      next();
    };
    const headers = routes.securityHeaders(helmetLike);
    const api = run(headers, '/api/v1/exports/NL/index.json');
    expect(api.headers).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    });
    expect(api.next).toHaveBeenCalled();
    expect(run(headers, '/login').headers['Content-Security-Policy']).toBe("default-src 'self'");
  });
});
