import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ProblemException } from '../../common/http/problem';
import type { CheckedKey, KeyUploadRequest } from '../../protocol/key-upload';

/** What a verification flow allows for one upload. Identifies the flow, never the person. */
export interface UploadGrant {
  flow: string;
  reportType: number;
  maxKeys: number;
  /** UTC midnight (ms) of symptom onset, or of the sample when onset is unknown. */
  onsetDayMs?: number;
  /** Marks the proof as used, in the same transaction as the keys (so: spent exactly when stored). */
  spend(em: EntityManager): Promise<void>;
}

export interface UploadContext {
  /** The `Authorization` header, if any. */
  authorization?: string;
  body: KeyUploadRequest;
  keys: CheckedKey[];
}

/** One way to prove that an upload is allowed: an upload token, a professional's signature, … */
export interface UploadAuthorizer {
  readonly name: string;
  /** True when the request carries this flow's kind of proof. */
  accepts(ctx: UploadContext): boolean;
  /** Verifies the proof; throws a ProblemException when it does not hold. */
  authorize(ctx: UploadContext): Promise<UploadGrant>;
}

/** Verification flows register here (in their module's `onModuleInit`); the upload picks the one that applies. */
@Injectable()
export class UploadAuthorizers {
  private readonly authorizers: UploadAuthorizer[] = [];

  register(authorizer: UploadAuthorizer): void {
    if (this.authorizers.some((a) => a.name === authorizer.name))
      throw new Error(`upload authorizer ${authorizer.name} registered twice`);
    this.authorizers.push(authorizer);
  }

  async authorize(ctx: UploadContext): Promise<UploadGrant> {
    const matching = this.authorizers.filter((a) => a.accepts(ctx));
    if (matching.length === 0) {
      throw new ProblemException(
        401,
        'upload-not-authorised',
        'Upload not authorised',
        'An upload needs proof from a verification flow (an upload token or a signed approval).',
      );
    }
    if (matching.length > 1) {
      throw new ProblemException(
        400,
        'ambiguous-verification',
        'Bad request',
        'Send proof from exactly one verification flow.',
      );
    }
    return matching[0].authorize(ctx);
  }
}
