/**
 * Framework-free domain logic of the professional-signed disclosure (docs/protocols/dp3t-backoffice.md): the
 * 6 + 4 digit code and its trustwords, the canonical upload hash, the approval a GP signs, and its
 * verification.
 */
export * from './approval';
export * from './code';
export * from './errors';
export * from './key-upload';
export * from './smartcard-bridge';
export * from './trustwords';
export * from './upload-payload';
export * from './verify-approval';
