/**
 * Framework-free signature checks (CMS SignedData, certificate paths, CRLs, the UZI profile, PKCS#12),
 * shared by the backend, the phone core (`mobile/`), the browser portal and federation.
 */
export { MIN_RSA_BITS, type DigestName } from './algorithms';
export * from './bytes';
export {
  describeCertificate,
  parseCertificate,
  type CertificateDetails,
  type DistinguishedName,
  type KeyUsageName,
  type NameAttribute,
  type OtherName,
  type PublicKeySummary,
} from './certificate';
export {
  CrlSet,
  checkRevocation,
  parseCrl,
  type ParsedCrl,
  type RevocationCheckOptions,
  type RevocationMode,
} from './crl';
export { createCrlSource, type CrlSource, type CrlSourceOptions, type FetchLike } from './crl-source';
export * from './crypto-engine';
export * from './pem';
export * from './pkcs12';
export * from './refusal';
export {
  CmsSigningError,
  cryptoKeySigner,
  signCms,
  type CmsSigner,
  type CmsSigningErrorCode,
  type SignCmsOptions,
} from './sign';
export {
  TrustStore,
  TrustStoreConfigError,
  type KnownCertificate,
  type TrustStoreConfig,
} from './trust-store';
export * from './uzi';
export { verifyCms, type CmsVerification, type RequiredKeyUsage, type VerifyCmsOptions } from './verify';
