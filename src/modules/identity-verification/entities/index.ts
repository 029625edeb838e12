import { IdentityLogin } from './identity-login.entity';
import { SpentToken } from './spent-token.entity';
import { TokenKey } from './token-key.entity';
import { VerificationRecord } from './verification-record.entity';

export { IdentityLogin, SpentToken, TokenKey, VerificationRecord };

/** Every entity of the identity-based verification module (listed once in src/database/entities.ts). */
export const identityVerificationEntities = [IdentityLogin, VerificationRecord, TokenKey, SpentToken];
