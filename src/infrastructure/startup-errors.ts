/**
 * Start-up failures caused by configuration rather than by a server that is briefly down: a CA that did
 * not sign the server's certificate, a certificate for another host, a server without TLS, an HSM token
 * that is not there. Retrying does not help, so these end start-up at once naming the variable to fix.
 */
import { readFileSync } from 'node:fs';

export class StartupConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupConfigError';
  }
}

/** A file a variable points at (CA bundle, client certificate, PIN); unreadable names the variable. */
export function readConfiguredFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new StartupConfigError(`${variable}: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`, {
      cause: e,
    });
  }
}

export interface TlsTarget {
  service: 'PostgreSQL' | 'Redis';
  /** host:port, for the message. */
  address: string;
  /** The variable holding the URL (its host must be in the certificate). */
  urlVariable: string;
  /** The variable holding the CA bundle, and whether it is set (unset: the system CAs). */
  caVariable: string;
  caConfigured: boolean;
  /** What asked for TLS, e.g. `DATABASE_SSL=verify-full`. */
  tlsSetting: string;
  /** The variable holding the client certificate, if the service has one. */
  clientCertVariable?: string;
  /** The TLS handshake had completed before the connection failed. */
  handshakeCompleted?: boolean;
}

// OpenSSL verification results that mean "no configured CA signed this chain" (Node's err.code).
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
// A TLS client that gets a plain-text answer to its ClientHello (OpenSSL record-layer errors).
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

/**
 * The configuration error behind a failed TLS connection, or undefined when the failure is something
 * else (server down, wrong password) and the caller's usual handling applies.
 */
export function explainTlsFailure(err: unknown, target: TlsTarget): StartupConfigError | undefined {
  // Duck-typed: errors from Node's own realm are not `instanceof Error` under jest.
  if (typeof err !== 'object' || err === null || !('message' in err)) return undefined;
  const { code = '', message: reason } = err as { code?: string; message: string };
  const { service, address } = target;
  let message: string | undefined;
  if (UNTRUSTED.has(code)) {
    message = target.caConfigured
      ? `${target.caVariable}: the ${service} server at ${address} presented a certificate that ${target.caVariable} did not sign`
      : `${target.caVariable}: the ${service} server at ${address} presented a certificate no system CA signed; set ${target.caVariable} to the CA that did`;
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    message = `${target.urlVariable}: the ${service} server at ${address} presented a certificate outside its validity period`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    message = `${target.urlVariable}: the ${service} server certificate at ${address} does not name this host; use a host name the certificate lists`;
  } else if (NOT_TLS.has(code) || /does not support SSL/i.test(reason)) {
    message = `${target.tlsSetting}: the ${service} server at ${address} does not offer TLS`;
  } else if (code === 'ETIMEDOUT' && !target.handshakeCompleted) {
    // A plain Redis reads a ClientHello as an unfinished inline command and never answers.
    message = `${target.tlsSetting}: no TLS handshake with the ${service} server at ${address} in time; it does not offer TLS on this port, or is unreachable`;
  } else if (
    target.clientCertVariable &&
    (/ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA)/.test(code) ||
      // TLS 1.3: the server checks the client certificate after the handshake and drops the connection.
      (target.handshakeCompleted && (code === 'ECONNRESET' || code === 'EPIPE')))
  ) {
    message = `${target.clientCertVariable}: the ${service} server at ${address} refused the client certificate (or asked for one and none is configured)`;
  }
  return message ? new StartupConfigError(`${message} (${reason})`, { cause: err }) : undefined;
}
