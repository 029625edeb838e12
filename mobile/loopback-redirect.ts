/**
 * The app's loopback redirect (RFC 8252 §7.3): a desktop app receives the end of a browser login on an
 * http://127.0.0.1:<port>/<path> redirect URI it listens on itself. Used by the CLI's `verify-identity`.
 */
import { createServer } from 'node:http';

/** Dutch page the browser shows once the app has the result (the user reads it, so in Dutch). */
const DONE_PAGE =
  '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Veilig</title></head>' +
  '<body><h1>Terug naar de app</h1><p>Je kunt dit venster sluiten; de app gaat verder.</p></body></html>';

export interface LoopbackRedirect {
  /** The full URL the browser was sent to (with `code` and `state`). */
  received: Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts listening on the loopback redirect URI; resolves once it listens. `received` settles with the
 * first request to its path, or rejects after `timeoutMs`. Other paths get 404.
 */
export async function listenForRedirect(redirectUri: string, timeoutMs: number): Promise<LoopbackRedirect> {
  const uri = new URL(redirectUri);
  if (uri.protocol !== 'http:' || !['127.0.0.1', '[::1]'].includes(uri.hostname) || !uri.port)
    throw new Error('a loopback redirect URI is http://127.0.0.1:<port>/<path> (RFC 8252 §7.3)');
  let deliver!: (url: string) => void;
  let fail!: (e: Error) => void;
  const received = new Promise<string>((resolve, reject) => {
    deliver = resolve;
    fail = reject;
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', uri);
    if (req.method !== 'GET' || url.pathname !== uri.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(DONE_PAGE);
    deliver(url.toString());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(uri.port), uri.hostname.replace(/^\[|\]$/g, ''), () => resolve());
  });
  const timer = setTimeout(() => fail(new Error('no login came back in time')), timeoutMs);
  void received.catch(() => undefined).finally(() => clearTimeout(timer));
  return {
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
