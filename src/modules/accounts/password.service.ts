import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

// OWASP's argon2id baseline (19 MiB, t=2, p=1) raised to 64 MiB / t=3: logins are rare, guesses costly.
const OPTIONS = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 1 } as const;

@Injectable()
export class PasswordService {
  private dummyHash?: Promise<string>;

  async hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Spend the same time for unknown accounts, so response times do not reveal which emails exist. */
  async burn(password: string): Promise<void> {
    this.dummyHash ??= this.hash('not-a-real-password-0000');
    await this.verify(await this.dummyHash, password);
  }
}
