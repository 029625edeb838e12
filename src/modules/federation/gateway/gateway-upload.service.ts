import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import {
  decodeBatch,
  encodeBatchProtobuf,
  EfgsFormatError,
  MAX_UPLOAD_KEYS,
  negotiateRequestContentType,
  payloadHash,
  validateUploadKeys,
  type DiagnosisKey,
} from '../../../protocol/efgs';
import { GatewayKeyHash } from '../entities/gateway-key-hash.entity';
import { GatewayUpload } from '../entities/gateway-upload.entity';
import { BatchSignatureVerifier } from './batch-signature.verifier';
import type { EfgsClient } from './efgs-client.guard';
import { EfgsHttpError } from './efgs-error';

export interface UploadRequest {
  contentType: string | undefined;
  batchTag: string | undefined;
  batchSignature: string | undefined;
  body: Buffer;
}

/** Free text in EFGS; bounded here so it fits its column and logs. */
const BATCH_TAG = /^[\x21-\x7e]{1,100}$/;
/** Rows per INSERT: well under SQLite's and PostgreSQL's bind-parameter limits. */
const INSERT_CHUNK = 1000;
const LOOKUP_CHUNK = 500;

function isUniqueViolation(error: unknown): boolean {
  return /unique|duplicate/i.test(String((error as Error)?.message));
}

/**
 * `POST /diagnosiskeys/upload` (efgs.md §A5), checks in the gateway's order: headers, format, key
 * validation, 413, 409 for a used batchTag, signature, origin; then all keys or none.
 */
@Injectable()
export class GatewayUploadService {
  private readonly logger = new Logger('EfgsGateway');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signatures: BatchSignatureVerifier,
  ) {}

  /**
   * Accepts one upload from an authenticated member at `now` (UTC; the RSIN window of §A3 depends on it).
   * @throws EfgsHttpError with EFGS's status and message for every refusal; 207 carries the
   *   `{"201":[…],"409":[…],"500":[]}` index map and means nothing was kept.
   */
  async upload(client: EfgsClient, request: UploadRequest, now: Date): Promise<{ batchTag: string; keys: number }> {
    const { batchTag, batchSignature } = request;
    if (batchTag === undefined || batchTag === '') throw new EfgsHttpError(400, "Missing request header 'batchTag'");
    if (batchSignature === undefined || batchSignature === '') throw new EfgsHttpError(400, "Missing request header 'batchSignature'");
    if (!BATCH_TAG.test(batchTag)) throw new EfgsHttpError(400, 'Invalid batchTag');

    const negotiated = negotiateRequestContentType(request.contentType);
    if (!negotiated.ok) throw new EfgsHttpError(negotiated.status, negotiated.message);
    let keys: DiagnosisKey[];
    try {
      keys = decodeBatch(negotiated.format, request.body).keys;
    } catch (error) {
      if (error instanceof EfgsFormatError) throw new EfgsHttpError(400, error.message);
      throw error;
    }
    if (keys.length === 0) throw new EfgsHttpError(400, 'Validation of diagnosis key failed: The batch contains no keys.');
    const valid = validateUploadKeys(keys, now);
    if (!valid.ok) throw new EfgsHttpError(400, valid.message);
    if (keys.length > MAX_UPLOAD_KEYS) throw new EfgsHttpError(413, 'Too many diagnosis keys');
    if (await this.dataSource.getRepository(GatewayUpload).existsBy({ batchTag })) throw new EfgsHttpError(409, 'BatchTag already exists.');

    const signer = await this.signatures.verify(batchSignature, keys, now);
    if (!signer) throw new EfgsHttpError(400, 'Invalid signature');
    if (signer.country !== client.country || keys.some((k) => k.origin !== client.country)) {
      throw new EfgsHttpError(400, 'One or more keys are not originated from uploader country');
    }

    const hashes = keys.map(payloadHash);
    const duplicates = await this.duplicateIndices(hashes);
    if (duplicates.size > 0) throw partialInsert(hashes.length, duplicates);

    const upload = Object.assign(new GatewayUpload(), {
      batchTag,
      country: client.country,
      format: `${negotiated.format}-${negotiated.version.major}.${negotiated.version.minor}`,
      clientThumbprint: client.thumbprint,
      signingThumbprint: signer.thumbprint,
      batchSignature: batchSignature.trim(),
      keyCount: keys.length,
      keys: Buffer.from(encodeBatchProtobuf({ keys })),
      createdAt: now,
      batchId: null,
    });
    try {
      await this.dataSource.transaction(async (em) => {
        const inserted = await em.insert(GatewayUpload, upload);
        const uploadId = Number((inserted.identifiers[0] as { id: number }).id);
        for (let i = 0; i < hashes.length; i += INSERT_CHUNK) {
          await em.insert(
            GatewayKeyHash,
            hashes.slice(i, i + INSERT_CHUNK).map((payloadHash) => ({ payloadHash, uploadId, createdAt: now })),
          );
        }
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // A concurrent upload won the race: for its tag (409) or for some keys (207, nothing kept).
      if (await this.dataSource.getRepository(GatewayUpload).existsBy({ batchTag })) throw new EfgsHttpError(409, 'BatchTag already exists.');
      const raced = await this.duplicateIndices(hashes);
      throw partialInsert(hashes.length, raced.size > 0 ? raced : new Set(hashes.keys()));
    }
    this.logger.log({ country: client.country, keys: keys.length, format: upload.format }, 'upload accepted');
    return { batchTag, keys: keys.length };
  }

  /** Indices of keys the gateway holds already, or that repeat an earlier key of the same upload. */
  private async duplicateIndices(hashes: readonly string[]): Promise<Set<number>> {
    const known = new Set<string>();
    const repo = this.dataSource.getRepository(GatewayKeyHash);
    for (let i = 0; i < hashes.length; i += LOOKUP_CHUNK) {
      const rows = await repo.find({ select: { payloadHash: true }, where: { payloadHash: In(hashes.slice(i, i + LOOKUP_CHUNK)) } });
      for (const row of rows) known.add(row.payloadHash);
    }
    const duplicates = new Set<number>();
    const seen = new Set<string>();
    hashes.forEach((hash, index) => {
      if (known.has(hash) || seen.has(hash)) duplicates.add(index);
      seen.add(hash);
    });
    return duplicates;
  }
}

/** The 207 answer of efgs.md §A5: which keys would have been inserted (201) and which conflicted (409). */
function partialInsert(count: number, conflicts: ReadonlySet<number>): EfgsHttpError {
  const created: number[] = [];
  for (let i = 0; i < count; i++) if (!conflicts.has(i)) created.push(i);
  return new EfgsHttpError(207, 'Some keys were not inserted', { '201': created, '409': [...conflicts].sort((a, b) => a - b), '500': [] });
}
