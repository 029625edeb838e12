import { Injectable } from '@nestjs/common';
import { isRefusal, TrustStore, verifyCms } from '../../../protocol/cms';
import { decodeBase64Strict, type DiagnosisKey } from '../../../protocol/efgs';
import { CertificateRegistry } from './certificate-registry.service';

/** The SIGNING certificate a batch signature was verified with. */
export interface VerifiedBatchSignature {
  thumbprint: string;
  country: string;
}

/** Upper bound of a `batchSignature`: one certificate and one SignerInfo are far below it. */
const MAX_SIGNATURE_BYTES = 64 * 1024;

/**
 * EFGS's `BatchSignatureVerifier` (docs/protocols/efgs.md §A4.2) on the shared CMS module: a detached
 * SignedData over the bytes rebuilt from the keys (docs/protocols/efgs.md §A4.1), signed by a registered,
 * genuine, unrevoked SIGNING certificate (pinned by thumbprint, self-signed allowed) that is valid now, whose
 * country every key's origin names.
 */
@Injectable()
export class BatchSignatureVerifier {
  private readonly trust = TrustStore.forPinnedSigners();

  constructor(private readonly registry: CertificateRegistry) {}

  /**
   * Verifies `batchSignature` (base64 DER CMS) over `signingBytes`, the bytes rebuilt from `keys`
   * (docs/protocols/efgs.md §A4.1), at `now`. Returns the signer, or undefined for every kind of failure: the
   * gateway answers them all alike with 400 "Invalid signature".
   */
  async verify(
    batchSignature: string,
    keys: readonly DiagnosisKey[],
    signingBytes: Uint8Array,
    now: Date,
  ): Promise<VerifiedBatchSignature | undefined> {
    const cms = decodeBase64Strict(batchSignature.trim());
    if (!cms || cms.length === 0 || cms.length > MAX_SIGNATURE_BYTES) return undefined;
    // verifyCms turns every error into a refusal; a failing registry lookup is ours, not the uploader's,
    // so it is carried out separately and answered 500 (retryable) instead of 400.
    let lookupError: Error | undefined;
    try {
      const result = await verifyCms(cms, {
        trust: this.trust,
        content: signingBytes,
        now,
        requireSigningTime: false, // a signing time is only a SHOULD in EFGS's profile
        maxBytes: MAX_SIGNATURE_BYTES,
        pinned: async (signer) => {
          if (!signer.country) return false;
          try {
            const lookup = await this.registry.lookup(
              signer.thumbprintSha256,
              'SIGNING',
              signer.country.toUpperCase(),
            );
            return lookup.found && !lookup.revoked;
          } catch (error) {
            lookupError = error instanceof Error ? error : new Error(String(error));
            return false;
          }
        },
      });
      const country = result.signer.country?.toUpperCase();
      if (!country || keys.some((key) => key.origin !== country)) return undefined;
      return { thumbprint: result.signer.thumbprintSha256, country };
    } catch (error) {
      if (lookupError !== undefined) throw lookupError;
      if (isRefusal(error)) return undefined;
      throw error;
    }
  }
}
