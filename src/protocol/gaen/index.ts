/**
 * GAEN protocol core: key schedule, key export files and the v2 risk model. Framework-free, shared by the
 * server (export job), the reference phone in `mobile/` and the CLI.
 */
export * from './constants';
export * from './crypto';
export * from './errors';
export * from './export-decoder';
export * from './export-file';
export * from './hkdf';
export * from './interval';
export * from './keys';
export * from './risk';
export { boundedInflate, crc32, readZip, writeZip, type ExpectedEntry, type ZipEntryInput } from './zip';
