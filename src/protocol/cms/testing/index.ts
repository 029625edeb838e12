/** Test-only helpers: the in-process UZI-like test PKI. Never import from production code. */
export * from './test-pki';
export * from './craft';
