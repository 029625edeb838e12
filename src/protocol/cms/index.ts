/**
 * Framework-free signature checks (CMS SignedData, certificate paths, CRLs, the UZI profile, PKCS#12),
 * shared by the backend, the phone core (`mobile/`), the browser portal and federation.
 */
export * from './bytes';
export * from './crypto-engine';
export * from './refusal';
export * from './pem';
export { type CertificateDetails, type DistinguishedName, type KeyUsageName, type NameAttribute, type OtherName, type PublicKeySummary, parseCertificate, describeCertificate } from './certificate';
export { type DigestName, MIN_RSA_BITS } from './algorithms';
export { TrustStore, TrustStoreConfigError, type TrustStoreConfig, type KnownCertificate } from './trust-store';
export { CrlSet, type ParsedCrl, type RevocationMode, parseCrl, checkRevocation, type RevocationCheckOptions } from './crl';
export { type CrlSource, type CrlSourceOptions, type FetchLike, createCrlSource } from './crl-source';
export { type CmsSigner, type SignCmsOptions, CmsSigningError, type CmsSigningErrorCode, cryptoKeySigner, signCms } from './sign';
export { type CmsVerification, type RequiredKeyUsage, type VerifyCmsOptions, verifyCms } from './verify';
export * from './uzi';
export * from './pkcs12';
