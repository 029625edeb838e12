/**
 * The one place the backoffice reaches into the server's framework-free code (the disclosure code, the
 * approval text, CMS signing with WebCrypto, PKCS#12, the smart-card bridge client) and the shared API
 * shapes, so the relative paths live here only. Everything is re-exported unchanged.
 */
export {
  CmsSigningError,
  Pkcs12Error,
  bytesToBase64,
  cryptoKeySigner,
  fromHex,
  readPkcs12,
  signCms,
  type CmsSigner,
} from '../../../../src/protocol/cms';
export {
  DisclosureInputError,
  SmartCardBridge,
  SmartCardBridgeError,
  encodeApproval,
  parseDisclosureCode,
  trustwordsToCode,
  uploadHashFingerprint,
  type DisclosureCode,
  type DisclosureRefusalReason,
  type SmartCardCertificate,
} from '../../../../src/protocol/disclosure';
export type * from '../../../../src/shared/disclosure-contract';
