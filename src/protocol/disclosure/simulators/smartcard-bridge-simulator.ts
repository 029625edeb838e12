/**
 * A protocol-faithful stand-in for a smart-card bridge (docs/smartcard-bridge.md), for tests and demos:
 * the "card" is a WebCrypto key with its certificate (e.g. from a test PKCS#12 file), and the holder's
 * decision (PIN entered, or cancelled) is a callback. It enforces what a real bridge must: loopback only,
 * an Origin allow-list with CORS and Private Network Access answers, and that the signed attributes'
 * messageDigest is the SHA-256 of the content it showed.
 *
 * Run standalone: `npx tsx src/protocol/disclosure/simulators/smartcard-bridge-simulator.ts --p12 data/pki/huisarts.p12
 * [--password veilig-dev] [--port 8765] [--origin http://localhost:3000]`.
 */
import * as asn1js from 'asn1js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { childrenOf, decodeDer, oidOf } from '../../cms/asn1';
import { bytesEqual, sha256 } from '../../cms/bytes';
import { OID } from '../../cms/oids';
import { base64ToBytes, bytesToBase64 } from '../../cms/pem';
import { readPkcs12 } from '../../cms/pkcs12';
import { cryptoKeySigner } from '../../cms/sign';
import { listen, sendJson, type RunningServer } from '../../identity/simulators/http-server';
import {
  SMARTCARD_BRIDGE_PROTOCOL,
  type BridgeSignRequestJson,
  type SmartCardBridgeErrorCode,
} from '../smartcard-bridge';

/** The simulated card: a signing key and its certificate chain. */
export interface SimulatedCard {
  readonly privateKey: CryptoKey;
  readonly certificate: Uint8Array;
  readonly chain: readonly Uint8Array[];
  readonly label?: string;
}

/** What the simulated holder does when asked to sign `content`. */
export type HolderDecision = 'sign' | 'cancel' | 'pin-blocked';

export interface SmartCardBridgeSimulatorOptions {
  /** The inserted card; null: no card in the reader. */
  readonly card: SimulatedCard | null;
  /** Origins (scheme://host:port) whose pages may use the bridge, e.g. the portal's. */
  readonly allowedOrigins: readonly string[];
  /** Accept requests without an Origin header (non-browser clients such as tests). Default true. */
  readonly allowWithoutOrigin?: boolean;
  /** The holder's decision after seeing the content. Default: enters the PIN and signs. */
  readonly decide?: (content: string) => HolderDecision;
  readonly port?: number;
}

const CERTIFICATE_ID = 'sig-1';

export class SmartCardBridgeSimulator {
  private constructor(
    private readonly server: RunningServer,
    readonly url: string,
    /** Contents shown to the holder, in order (what the GP was asked to sign). */
    readonly shown: readonly string[],
  ) {}

  /** Starts the bridge on 127.0.0.1 (a free port unless `port` is given). */
  static async start(options: SmartCardBridgeSimulatorOptions): Promise<SmartCardBridgeSimulator> {
    const shown: string[] = [];
    const server = await listen(
      async (req, body, res) => {
        const origin = req.headers.origin;
        if (
          origin !== undefined
            ? !options.allowedOrigins.includes(origin)
            : options.allowWithoutOrigin === false
        ) {
          return fail(res, 403, 'ORIGIN_NOT_ALLOWED', 'This page may not use the smart-card bridge.');
        }
        const cors: Record<string, string> = origin
          ? { 'access-control-allow-origin': origin, vary: 'Origin' }
          : {};
        if (req.method === 'OPTIONS') {
          res
            .writeHead(204, {
              ...cors,
              'access-control-allow-methods': 'GET, POST',
              'access-control-allow-headers': 'content-type',
              // Chrome's Private Network Access: a public page may call this loopback service.
              'access-control-allow-private-network': 'true',
              'access-control-max-age': '600',
            })
            .end();
          return;
        }
        await route(req, body, res, cors, options, shown);
      },
      { port: options.port },
    );
    return new SmartCardBridgeSimulator(server, server.url, shown);
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

async function route(
  req: IncomingMessage,
  body: string,
  res: ServerResponse,
  cors: Record<string, string>,
  options: SmartCardBridgeSimulatorOptions,
  shown: string[],
): Promise<void> {
  const card = options.card;
  if (req.method === 'GET' && req.url === '/v1/status') {
    return sendJson(
      res,
      200,
      {
        protocol: SMARTCARD_BRIDGE_PROTOCOL,
        product: 'Veilig smart-card bridge simulator',
        reader: 'Simulated reader',
        cardPresent: card !== null,
      },
      cors,
    );
  }
  if (req.method === 'GET' && req.url === '/v1/certificates') {
    if (!card) return fail(res, 409, 'NO_CARD', 'Insert your UZI card.', cors);
    return sendJson(
      res,
      200,
      {
        certificates: [
          {
            id: CERTIFICATE_ID,
            label: card.label ?? 'Signature certificate',
            certificate: bytesToBase64(card.certificate),
            chain: card.chain.map(bytesToBase64),
          },
        ],
      },
      cors,
    );
  }
  if (req.method === 'POST' && req.url === '/v1/sign') {
    if (!card) return fail(res, 409, 'NO_CARD', 'Insert your UZI card.', cors);
    let request: BridgeSignRequestJson;
    let attributes: Uint8Array;
    let content: Uint8Array;
    try {
      request = JSON.parse(body) as BridgeSignRequestJson;
      if (request.digestAlgorithm !== 'SHA-256') throw new Error('digestAlgorithm');
      attributes = base64ToBytes(request.signedAttributes);
      content = base64ToBytes(request.content);
    } catch {
      return fail(
        res,
        400,
        'BAD_REQUEST',
        'Expected { certificateId, digestAlgorithm: "SHA-256", signedAttributes, content, contentType }.',
        cors,
      );
    }
    if (request.certificateId !== CERTIFICATE_ID)
      return fail(res, 404, 'UNKNOWN_CERTIFICATE', 'No such certificate on this card.', cors);
    const digest = messageDigestOf(attributes);
    if (!digest || !bytesEqual(digest, await sha256(content))) {
      return fail(
        res,
        400,
        'CONTENT_MISMATCH',
        'The data to sign does not belong to the content shown; nothing was signed.',
        cors,
      );
    }
    const text = new TextDecoder().decode(content);
    shown.push(text);
    const decision = options.decide?.(text) ?? 'sign';
    if (decision === 'cancel') return fail(res, 409, 'CANCELLED', 'The holder cancelled signing.', cors);
    if (decision === 'pin-blocked') return fail(res, 423, 'PIN_BLOCKED', 'The card PIN is blocked.', cors);
    const signature = await cryptoKeySigner(card.privateKey, card.certificate, card.chain).sign(attributes);
    return sendJson(res, 200, { signature: bytesToBase64(signature) }, cors);
  }
  return fail(res, 404, 'BAD_REQUEST', 'Unknown endpoint.', cors);
}

/** The messageDigest value of DER signed attributes (SET OF Attribute, RFC 5652 §5.3), or null. */
function messageDigestOf(attributes: Uint8Array): Uint8Array | null {
  try {
    for (const attribute of childrenOf(decodeDer(attributes, 'signed attributes'), 'signed attributes')) {
      const [type, values] = childrenOf(attribute, 'attribute');
      if (oidOf(type, 'attribute type') !== OID.messageDigestAttr) continue;
      const [value] = childrenOf(values, 'attribute values');
      return value instanceof asn1js.OctetString ? new Uint8Array(value.valueBlock.valueHexView) : null;
    }
  } catch {
    return null;
  }
  return null;
}

function fail(
  res: ServerResponse,
  status: number,
  error: SmartCardBridgeErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error, message }, headers);
}

/** Loads the card from a PKCS#12 file (the dev PKI's `.p12` files). */
export async function cardFromPkcs12(p12: Uint8Array, password: string): Promise<SimulatedCard> {
  const contents = await readPkcs12(p12, password);
  return {
    privateKey: contents.privateKey,
    certificate: contents.certificate,
    chain: contents.chain,
    label: contents.friendlyName,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const { readFile } = await import('node:fs/promises');
  const p12 = arg('p12');
  if (!p12)
    throw new Error(
      'usage: --p12 <file.p12> [--password veilig-dev] [--port 8765] [--origin http://localhost:3000]',
    );
  const card = await cardFromPkcs12(new Uint8Array(await readFile(p12)), arg('password') ?? 'veilig-dev');
  const simulator = await SmartCardBridgeSimulator.start({
    card,
    allowedOrigins: [arg('origin') ?? 'http://localhost:3000'],
    port: Number(arg('port') ?? 8765),
  });
  console.log(
    `smart-card bridge simulator on ${simulator.url} (card: ${card.label ?? 'signature certificate'}); Ctrl-C to stop`,
  );
  // listen() unrefs the server; keep the process alive until interrupted.
  setInterval(() => undefined, 1 << 30);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
