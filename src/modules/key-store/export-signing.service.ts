import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import {
  createEcdsaSigner,
  ECDSA_P256_SHA256_OID,
  type ExportSigner,
  type SignatureInfo,
} from '../../protocol/gaen';

export interface PublishedSigningKey {
  verificationKeyId: string;
  verificationKeyVersion: string;
  signatureAlgorithm: string;
  /** SPKI PEM of the P-256 public key. */
  publicKey: string;
  active: boolean;
}

/**
 * The platform's export signing keys: several configured (rotation), one active. In the embedded
 * profile a key is generated under DATA_DIR/keys on first start; production configures its own.
 */
@Injectable()
export class ExportSigningService implements OnModuleInit {
  private readonly logger = new Logger('ExportSigning');
  private keys: { version: string; privateKey: KeyObject; publicKey: KeyObject }[] = [];
  /** Built once: every app fetches it, and PEM encoding is not free. */
  private publishedKeys: PublishedSigningKey[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onModuleInit(): void {
    const { signing } = this.config.keyStore;
    this.keys = signing.keys.map((k) => {
      if (!existsSync(k.file) && 'generate' in k) {
        mkdirSync(dirname(k.file), { recursive: true });
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        writeFileSync(k.file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        chmodSync(k.file, 0o600);
        this.logger.log(`generated a development export signing key (${k.version})`);
      }
      const privateKey = createPrivateKey(readFileSync(k.file));
      if (
        privateKey.asymmetricKeyType !== 'ec' ||
        privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ) {
        throw new Error(`export signing key ${k.version} is not a P-256 key`);
      }
      return { version: k.version, privateKey, publicKey: createPublicKey(privateKey) };
    });
    this.publishedKeys = this.keys.map((k) => ({
      verificationKeyId: signing.keyId,
      verificationKeyVersion: k.version,
      signatureAlgorithm: ECDSA_P256_SHA256_OID,
      publicKey: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      active: k.version === signing.activeVersion,
    }));
  }

  /** SignatureInfo of the key that signs new exports. */
  activeInfo(): SignatureInfo {
    return {
      verificationKeyId: this.config.keyStore.signing.keyId,
      verificationKeyVersion: this.config.keyStore.signing.activeVersion,
      signatureAlgorithm: ECDSA_P256_SHA256_OID,
    };
  }

  signer(): ExportSigner {
    const active = this.keys.find((k) => k.version === this.config.keyStore.signing.activeVersion);
    if (!active) throw new Error('no active export signing key');
    return createEcdsaSigner(active.privateKey, this.activeInfo());
  }

  /** Every configured public key, for apps and other countries (published at a well-known URL). */
  published(): PublishedSigningKey[] {
    return this.publishedKeys;
  }
}
