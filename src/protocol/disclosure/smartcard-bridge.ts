/**
 * Client of a smart-card bridge: a signing service on the GP's own computer (loopback only) that holds the
 * UZI card reader, shows the holder what they sign, asks the PIN and signs. A web page cannot reach a card
 * directly (docs/protocols/uzi.md §U8), so the portal talks to this instead. Protocol
 * `veilig-smartcard-bridge/1`, documented in docs/smartcard-bridge.md. Framework-free: the GP portal (in the
 * browser) and the tests use it; a simulator lives in `./simulators`.
 */
import { base64ToBytes, bytesToBase64 } from '../cms/pem';
import type { CmsSigner } from '../cms/sign';

/** Protocol name and version every bridge answer carries in `GET /v1/status`. */
export const SMARTCARD_BRIDGE_PROTOCOL = 'veilig-smartcard-bridge/1';

/** Media type of the content a disclosure approval signs (shown to the holder by the bridge). */
export const APPROVAL_CONTENT_TYPE = 'text/plain; charset=us-ascii';

/** Error codes a bridge answers with (`{ error, message }`), plus the client's own for transport problems. */
export type SmartCardBridgeErrorCode =
  | 'BRIDGE_UNREACHABLE'
  | 'PROTOCOL_MISMATCH'
  | 'NO_CARD'
  | 'UNKNOWN_CERTIFICATE'
  | 'CANCELLED'
  | 'PIN_BLOCKED'
  | 'CONTENT_MISMATCH'
  | 'ORIGIN_NOT_ALLOWED'
  | 'BAD_REQUEST'
  | 'BUSY'
  | 'INTERNAL';

const KNOWN_CODES: readonly SmartCardBridgeErrorCode[] = [
  'NO_CARD',
  'UNKNOWN_CERTIFICATE',
  'CANCELLED',
  'PIN_BLOCKED',
  'CONTENT_MISMATCH',
  'ORIGIN_NOT_ALLOWED',
  'BAD_REQUEST',
  'BUSY',
  'INTERNAL',
];

/** A bridge refusal or an unreachable bridge; `code` lets the portal tell the GP what to do. */
export class SmartCardBridgeError extends Error {
  override readonly name = 'SmartCardBridgeError';

  constructor(
    readonly code: SmartCardBridgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** `GET /v1/status`. */
export interface SmartCardBridgeStatus {
  readonly protocol: string;
  readonly product: string;
  readonly reader: string | null;
  readonly cardPresent: boolean;
}

/** A signing certificate on the card (the bridge lists only nonRepudiation certificates). */
export interface SmartCardCertificate {
  readonly id: string;
  readonly label: string;
  /** DER. */
  readonly certificate: Uint8Array;
  /** DER of issuing CAs, issuer first. */
  readonly chain: readonly Uint8Array[];
}

/** Wire shapes (base64 strings), shared with the simulator. */
export interface BridgeCertificateJson {
  id: string;
  label: string;
  certificate: string;
  chain: string[];
}
export interface BridgeSignRequestJson {
  certificateId: string;
  digestAlgorithm: 'SHA-256';
  /** DER of the CMS signed attributes (SET OF Attribute) to sign. */
  signedAttributes: string;
  /** The content whose SHA-256 is the messageDigest attribute; the bridge shows it to the holder. */
  content: string;
  contentType: string;
}

type FetchFn = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** A connection to the bridge at `baseUrl` (e.g. `http://127.0.0.1:8765`). */
export class SmartCardBridge {
  private readonly fetchImpl: FetchFn;

  constructor(
    readonly baseUrl: string,
    fetchImpl?: FetchFn,
  ) {
    // Bound to globalThis: browsers refuse `fetch` called on another receiver.
    this.fetchImpl = fetchImpl ?? ((url, init) => globalThis.fetch(url, init));
  }

  /**
   * Whether the bridge runs, speaks this protocol and has a card inserted.
   * @throws SmartCardBridgeError BRIDGE_UNREACHABLE or PROTOCOL_MISMATCH
   * Spec: docs/smartcard-bridge.md `GET /v1/status`.
   */
  async status(): Promise<SmartCardBridgeStatus> {
    const status = await this.call<SmartCardBridgeStatus>('GET', '/v1/status');
    if (status.protocol !== SMARTCARD_BRIDGE_PROTOCOL)
      throw new SmartCardBridgeError(
        'PROTOCOL_MISMATCH',
        `the bridge speaks ${String(status.protocol)}, expected ${SMARTCARD_BRIDGE_PROTOCOL}`,
      );
    return status;
  }

  /**
   * The card's signing certificates with their chains.
   * @throws SmartCardBridgeError (NO_CARD when no card is inserted)
   * Spec: docs/smartcard-bridge.md `GET /v1/certificates`.
   */
  async certificates(): Promise<SmartCardCertificate[]> {
    const body = await this.call<{ certificates: BridgeCertificateJson[] }>('GET', '/v1/certificates');
    return body.certificates.map((c) => ({
      id: c.id,
      label: c.label,
      certificate: base64ToBytes(c.certificate),
      chain: c.chain.map(base64ToBytes),
    }));
  }

  /**
   * A `CmsSigner` that has the card sign. `content` is what `signCms` signs: the bridge shows it to the
   * holder and checks that the signed attributes' messageDigest is its SHA-256, so what the GP sees is
   * what they sign.
   * Spec: docs/smartcard-bridge.md `POST /v1/sign`; RFC 5652 §5.4.
   */
  signer(
    certificate: SmartCardCertificate,
    content: Uint8Array,
    contentType: string = APPROVAL_CONTENT_TYPE,
  ): CmsSigner {
    return {
      certificate: certificate.certificate,
      chain: certificate.chain,
      sign: async (signedAttributes) => {
        const request: BridgeSignRequestJson = {
          certificateId: certificate.id,
          digestAlgorithm: 'SHA-256',
          signedAttributes: bytesToBase64(signedAttributes),
          content: bytesToBase64(content),
          contentType,
        };
        const { signature } = await this.call<{ signature: string }>('POST', '/v1/sign', request);
        return base64ToBytes(signature);
      },
    };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let response: Awaited<ReturnType<FetchFn>>;
    try {
      response = await this.fetchImpl(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new SmartCardBridgeError(
        'BRIDGE_UNREACHABLE',
        `the smart-card bridge at ${this.baseUrl} cannot be reached (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new SmartCardBridgeError(
        'PROTOCOL_MISMATCH',
        `the bridge answered ${response.status} without JSON`,
      );
    }
    if (!response.ok) {
      const { error, message } = (json ?? {}) as { error?: string; message?: string };
      const code = KNOWN_CODES.includes(error as SmartCardBridgeErrorCode)
        ? (error as SmartCardBridgeErrorCode)
        : 'INTERNAL';
      throw new SmartCardBridgeError(code, message ?? `the bridge answered ${response.status}`);
    }
    return json as T;
  }
}
