/** Test-only helpers: the in-process UZI-like test PKI. Never import from production code. */
export * from './craft';
export * from './test-pki';
