/**
 * The one place where the pkijs crypto engine is set up.
 *
 * pkijs does nothing without a WebCrypto implementation. In Node 20 `globalThis.crypto` is
 * `require('node:crypto').webcrypto`; in the browser portal it is `window.crypto`. Using the global keeps
 * this file free of Node-only imports, so the signing and verifying code runs unchanged in the browser.
 * Every pkijs call in this folder passes the engine explicitly; it is also registered as pkijs' global
 * engine because a few pkijs internals call `getCrypto()` without taking a parameter.
 */
import * as pkijs from 'pkijs';

let engine: pkijs.ICryptoEngine | undefined;

/**
 * Installs a WebCrypto implementation for all CMS code (tests or exotic runtimes without a global one).
 * Why: lets a host pass e.g. `node:crypto`'s `webcrypto` explicitly instead of relying on the global.
 */
export function useWebCrypto(webCrypto: Crypto): void {
  engine = new pkijs.CryptoEngine({ name: 'veilig-webcrypto', crypto: webCrypto });
  pkijs.setEngine('veilig-webcrypto', engine);
}

/**
 * Returns the pkijs crypto engine, creating it from `globalThis.crypto` on first use.
 * @throws Error when the runtime has no WebCrypto (Node < 19 without `useWebCrypto`).
 */
export function cmsCrypto(): pkijs.ICryptoEngine {
  if (!engine) {
    const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
    if (!webCrypto?.subtle) {
      throw new Error('No WebCrypto available: call useWebCrypto(require("node:crypto").webcrypto) first');
    }
    useWebCrypto(webCrypto);
  }
  return engine!;
}
