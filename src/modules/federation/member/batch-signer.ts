import { Inject, Injectable } from '@nestjs/common';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { bytesToBase64, cmsCrypto, cryptoKeySigner, signCms, type CmsSigner } from '../../../protocol/cms';
import { batchSigningBytes, type DiagnosisKey } from '../../../protocol/efgs';

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384' };

/**
 * Loads a PEM certificate and its private key (PKCS#8, PKCS#1 or SEC1) as a CMS signer: RSA with SHA-256, or
 * ECDSA P-256/P-384 (docs/protocols/efgs.md §A4.2).
 */
export async function loadPemSigner(
  certificatePem: string | Buffer,
  keyPem: string | Buffer,
): Promise<CmsSigner> {
  const certificate = new X509Certificate(certificatePem);
  const key = createPrivateKey(keyPem);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const algorithm =
    key.asymmetricKeyType === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
      : key.asymmetricKeyType === 'ec' && CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']
        ? { name: 'ECDSA', namedCurve: CURVES[key.asymmetricKeyDetails!.namedCurve!] }
        : undefined;
  if (!algorithm) throw new Error(`unsupported signing key type ${key.asymmetricKeyType ?? 'unknown'}`);
  const privateKey = await cmsCrypto().importKey('pkcs8', new Uint8Array(pkcs8), algorithm, false, ['sign']);
  return cryptoKeySigner(privateKey, new Uint8Array(certificate.raw));
}

/**
 * The member's batch signer: a detached CMS with our SIGNING certificate over the bytes of
 * docs/protocols/efgs.md §A4.1.
 */
@Injectable()
export class BatchSigner {
  private signer: Promise<CmsSigner> | undefined;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Signs `keys` as EFGS expects in the `batchSignature` header: base64 of a DER SignedData without eContent. */
  async sign(keys: readonly DiagnosisKey[], now: Date): Promise<string> {
    const cms = await signCms({
      content: batchSigningBytes(keys),
      signer: await this.load(),
      detached: true,
      signingTime: now,
    });
    return bytesToBase64(cms);
  }

  private load(): Promise<CmsSigner> {
    if (!this.signer) {
      const { signingCertFile, signingKeyFile } = this.config.federation.member;
      if (!signingCertFile || !signingKeyFile)
        return Promise.reject(new Error('FEDERATION_SIGNING_CERT/KEY are not configured'));
      this.signer = loadPemSigner(readFileSync(signingCertFile), readFileSync(signingKeyFile));
      void this.signer.catch(() => (this.signer = undefined));
    }
    return this.signer;
  }
}
