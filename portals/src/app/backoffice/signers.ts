/**
 * Pluggable signers for the approval: each turns the approval text into a CMS SignedData (DER). The soft
 * token opens a PKCS#12 file with WebCrypto in this browser (its private key is imported non-extractable
 * and never leaves the page); the smart-card signer has the local bridge sign with the UZI card.
 */
import {
  cryptoKeySigner,
  readPkcs12,
  signCms,
  SmartCardBridge,
  SmartCardBridgeError,
  type SmartCardCertificate,
} from './protocol';

export interface ApprovalSigner {
  /** What the GP sees: "certificate file huisarts.p12" or the card's certificate label. */
  readonly label: string;
  /** Signs the approval text (attached CMS, SHA-256, signing time now). */
  sign(content: Uint8Array): Promise<Uint8Array>;
}

/** Opens a PKCS#12 file (`.p12`/`.pfx`) with its password. Throws `Pkcs12Error` (wrong password, old format, …). */
export async function softTokenSigner(
  fileName: string,
  p12: Uint8Array,
  password: string,
): Promise<ApprovalSigner> {
  const token = await readPkcs12(p12, password);
  const signer = cryptoKeySigner(token.privateKey, token.certificate, token.chain);
  return {
    label: token.friendlyName ?? fileName,
    sign: (content) => signCms({ content, signer }),
  };
}

/** Connects to the smart-card bridge and picks the card's signing certificate. Throws `SmartCardBridgeError`. */
export async function smartCardSigner(bridgeUrl: string): Promise<ApprovalSigner> {
  const bridge = new SmartCardBridge(bridgeUrl);
  const status = await bridge.status();
  if (!status.cardPresent) throw new SmartCardBridgeError('NO_CARD', 'no card in the reader');
  const certificates: SmartCardCertificate[] = await bridge.certificates();
  const certificate = certificates[0];
  if (!certificate) throw new SmartCardBridgeError('NO_CARD', 'the card has no signing certificate');
  return {
    label: certificate.label,
    sign: (content) => signCms({ content, signer: bridge.signer(certificate, content) }),
  };
}
