import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { EnvelopeCipher } from '../../common/crypto/envelope';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import {
  blindSign,
  dayMs,
  isoDay,
  publicKeyOf,
  tokenKeyId,
  toRsassaPssSpki,
  type PublishedTokenKey,
} from '../../protocol/identity';
import { TokenKey } from './entities/token-key.entity';

const generateRsa = promisify(generateKeyPair);
const DAY_MS = 86_400_000;
const CONTEXT = 'identity_token_key.private_key';
/** RFC 9474 §7: a modulus of at least 2048 bits. */
const MODULUS_BITS = 2048;

/**
 * The RSA keys that blind-sign upload tokens. One key per (issuing UTC day, sample date), created on
 * first use and shared by every instance through the database; a key's tokens are accepted until the end
 * of the day after it signed, so every token of a key says only "verified on that day, with that sample
 * date" (docs/identity-verification.md).
 */
@Injectable()
export class TokenKeysService {
  private readonly cipher: EnvelopeCipher;
  private readonly privateKeys = new Map<string, KeyObject>();

  constructor(
    @InjectRepository(TokenKey) private readonly keys: Repository<TokenKey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.cipher = new EnvelopeCipher(config.identity.tokenKeyEncryptionKeys);
  }

  /** The key that signs today's tokens for `sampleDate`, generated if this is the first. */
  async keyFor(sampleDate: string): Promise<TokenKey> {
    const issuedOn = isoDay(this.clock.now().getTime());
    const existing = await this.keys.findOneBy({ issuedOn, sampleDate });
    if (existing) return existing;
    const { publicKey, privateKey } = await generateRsa('rsa', {
      modulusLength: MODULUS_BITS,
      publicExponent: 0x10001,
    });
    // Published and identified in the form RFC 9578 §6.5 gives blind-RSA issuer keys.
    const spki = toRsassaPssSpki(publicKey.export({ format: 'der', type: 'spki' }));
    const row = this.keys.create({
      id: tokenKeyId(spki),
      issuedOn,
      sampleDate,
      maxKeys: this.config.identity.maxKeys,
      publicKey: spki.toString('base64'),
      privateKey: this.cipher.encrypt(privateKey.export({ format: 'der', type: 'pkcs8' }), CONTEXT),
      notAfter: new Date(dayMs(issuedOn) + 2 * DAY_MS),
    });
    try {
      await this.keys.insert(row);
      return row;
    } catch (e) {
      // Another instance (or request) created the key for this day and sample date first: use that one.
      const winner = await this.keys.findOneBy({ issuedOn, sampleDate });
      if (winner) return winner;
      throw e;
    }
  }

  /** A key whose tokens are still accepted now, or null. */
  async usable(keyId: string): Promise<TokenKey | null> {
    return this.keys.findOneBy({ id: keyId, notAfter: MoreThan(this.clock.now()) });
  }

  /** Every key whose tokens are still accepted, for `GET /.well-known/veilig/identity-token-keys`. */
  async published(): Promise<PublishedTokenKey[]> {
    const rows = await this.keys.find({
      where: { notAfter: MoreThan(this.clock.now()) },
      order: { issuedOn: 'ASC', sampleDate: 'ASC' },
    });
    return rows.map((k) => toPublished(k));
  }

  /** RFC 9474 BlindSign with the key's private key. */
  blindSign(key: TokenKey, blindedMessage: Uint8Array): Uint8Array {
    let privateKey = this.privateKeys.get(key.id);
    if (!privateKey) {
      privateKey = createPrivateKey({
        key: this.cipher.decrypt(key.privateKey, CONTEXT),
        format: 'der',
        type: 'pkcs8',
      });
      this.privateKeys.set(key.id, privateKey);
    }
    return blindSign(privateKey, blindedMessage);
  }

  /** The key's public half, checked against its id (the id is the SPKI hash). */
  publicKey(key: TokenKey): KeyObject {
    return publicKeyOf({ keyId: key.id, publicKey: key.publicKey });
  }

  /** Deletes keys past `notAfter` and forgets their decrypted private keys. */
  async purgeExpired(): Promise<number> {
    const now = this.clock.now();
    for (const id of this.privateKeys.keys())
      if (!(await this.keys.existsBy({ id, notAfter: MoreThan(now) }))) this.privateKeys.delete(id);
    return (await this.keys.delete({ notAfter: LessThan(now) })).affected ?? 0;
  }
}

export function toPublished(k: TokenKey): PublishedTokenKey {
  return {
    keyId: k.id,
    issuedOn: k.issuedOn,
    sampleDate: k.sampleDate,
    maxKeys: k.maxKeys,
    notAfter: k.notAfter.toISOString(),
    publicKey: k.publicKey,
  };
}
