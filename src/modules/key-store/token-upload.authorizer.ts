import type { UploadAuthorizer, UploadContext, UploadGrant } from './upload-authorization';
import type { UploadTokenService } from './upload-token.service';

/** The platform-signed upload token (`Authorization: Bearer <jwt>`), minted by the verification flows. */
export class TokenUploadAuthorizer implements UploadAuthorizer {
  readonly name = 'upload-token';

  constructor(private readonly tokens: UploadTokenService) {}

  accepts(ctx: UploadContext): boolean {
    return /^Bearer\s+\S+$/i.test(ctx.authorization ?? '') && !ctx.body.verification;
  }

  async authorize(ctx: UploadContext): Promise<UploadGrant> {
    const token = this.tokens.verify(ctx.authorization!.replace(/^Bearer\s+/i, ''));
    const onset = token.onsetDate ?? token.sampleDate;
    return {
      flow: token.flow,
      reportType: token.reportType,
      maxKeys: token.maxKeys,
      onsetDayMs: onset ? Date.parse(`${onset}T00:00:00Z`) : undefined,
      spend: this.tokens.spendStatement(token),
    };
  }
}
