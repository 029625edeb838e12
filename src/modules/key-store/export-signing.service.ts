import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
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
import { HsmExportKeys } from './hsm-export-keys';

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
 * profile a key is generated under DATA_DIR/keys on first start; production configures PEM files or an
 * HSM (PKCS#11), whose private keys never leave it.
 */
@Injectable()
export class ExportSigningService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ExportSigning');
  private keys: { version: string; publicKey: KeyObject; signer: ExportSigner }[] = [];
  private hsm?: HsmExportKeys;
  /** Built once: every app fetches it, and PEM encoding is not free. */
  private publishedKeys: PublishedSigningKey[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    const { signing } = this.config.keyStore;
    if (signing.pkcs11) {
      const hsm = (this.hsm = await HsmExportKeys.open(signing.pkcs11));
      this.keys = signing.pkcs11.keys.map(({ version }) => ({
        version,
        publicKey: hsm.publicKeys.get(version)!,
        signer: async (exportBin) => [
          { info: this.infoOf(version), signature: await hsm.sign(version, exportBin) },
        ],
      }));
      this.logger.log(`export signing keys on PKCS#11 token "${signing.pkcs11.token}"`);
    } else {
      this.keys = signing.keys.map((k) => {
        const privateKey = this.privateKeyFile(k);
        return {
          version: k.version,
          publicKey: createPublicKey(privateKey),
          signer: createEcdsaSigner(privateKey, this.infoOf(k.version)),
        };
      });
    }
    this.publishedKeys = this.keys.map((k) => ({
      ...this.infoOf(k.version),
      publicKey: k.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      active: k.version === signing.activeVersion,
    }));
  }

  onApplicationShutdown(): void {
    this.hsm?.close();
  }

  /** SignatureInfo of the key that signs new exports. */
  activeInfo(): SignatureInfo {
    return this.infoOf(this.config.keyStore.signing.activeVersion);
  }

  signer(): ExportSigner {
    const active = this.keys.find((k) => k.version === this.config.keyStore.signing.activeVersion);
    if (!active) throw new Error('no active export signing key');
    return active.signer;
  }

  /** Every configured public key, for apps and other countries (published at a well-known URL). */
  published(): PublishedSigningKey[] {
    return this.publishedKeys;
  }

  private infoOf(version: string): SignatureInfo & { signatureAlgorithm: string } {
    return {
      verificationKeyId: this.config.keyStore.signing.keyId,
      verificationKeyVersion: version,
      signatureAlgorithm: ECDSA_P256_SHA256_OID,
    };
  }

  private privateKeyFile(k: { version: string; file: string; generate?: boolean }): KeyObject {
    if (!existsSync(k.file) && k.generate) {
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
    return privateKey;
  }
}
