import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUniqueViolation } from '../../../database/errors';
import {
  batchSigningRecords,
  decodeBatch,
  EfgsFormatError,
  encodeBatchProtobuf,
  MAX_UPLOAD_KEYS,
  negotiateRequestContentType,
  payloadHashOfRecord,
  validateUploadKeys,
  type DiagnosisKey,
} from '../../../protocol/efgs';
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
/** Rows per INSERT and hashes per lookup: well under SQLite's (32,766) and PostgreSQL's (65,535) bind-parameter limits. */
const INSERT_CHUNK = 2500;
const LOOKUP_CHUNK = MAX_UPLOAD_KEYS;

/**
 * `POST /diagnosiskeys/upload` (docs/protocols/efgs.md §A5), checks in the gateway's order: headers, format,
 * key validation, 413, 409 for a used batchTag, signature, origin; then all keys or none.
 */
@Injectable()
export class GatewayUploadService {
  private readonly logger = new Logger('EfgsGateway');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signatures: BatchSignatureVerifier,
  ) {}

  /**
   * Accepts one upload from an authenticated member at `now` (UTC; the RSIN window of
   * docs/protocols/efgs.md §A3 depends on it).
   * @throws EfgsHttpError with EFGS's status and message for every refusal; 207 carries the
   *   `{"201":[…],"409":[…],"500":[]}` index map and means nothing was kept.
   */
  async upload(
    client: EfgsClient,
    request: UploadRequest,
    now: Date,
  ): Promise<{ batchTag: string; keys: number }> {
    const { batchTag, batchSignature } = request;
    if (batchTag === undefined || batchTag === '')
      throw new EfgsHttpError(400, "Missing request header 'batchTag'");
    if (batchSignature === undefined || batchSignature === '')
      throw new EfgsHttpError(400, "Missing request header 'batchSignature'");
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
    if (keys.length === 0)
      throw new EfgsHttpError(400, 'Validation of diagnosis key failed: The batch contains no keys.');
    const valid = validateUploadKeys(keys, now);
    if (!valid.ok) throw new EfgsHttpError(400, valid.message);
    if (keys.length > MAX_UPLOAD_KEYS) throw new EfgsHttpError(413, 'Too many diagnosis keys');
    if (await this.dataSource.getRepository(GatewayUpload).existsBy({ batchTag }))
      throw new EfgsHttpError(409, 'BatchTag already exists.');

    const { records, bytes } = batchSigningRecords(keys);
    const signer = await this.signatures.verify(batchSignature, keys, bytes, now);
    if (!signer) throw new EfgsHttpError(400, 'Invalid signature');
    if (signer.country !== client.country || keys.some((k) => k.origin !== client.country)) {
      throw new EfgsHttpError(400, 'One or more keys are not originated from uploader country');
    }

    const hashes = records.map((record) => Buffer.from(payloadHashOfRecord(record), 'hex'));
    const repeated = repeatedIndices(hashes);
    if (repeated.size > 0)
      throw partialInsert(hashes.length, new Set([...repeated, ...(await this.knownIndices(hashes))]));

    const upload = Object.assign(new GatewayUpload(), {
      batchTag,
      country: client.country,
      format: `${negotiated.format}-${negotiated.version.major}.${negotiated.version.minor}`,
      clientThumbprint: client.thumbprint,
      signingThumbprint: signer.thumbprint,
      batchSignature: batchSignature.trim(),
      keyCount: keys.length,
      // Our own encoding, not the request body: what members download is normalised (no unknown fields),
      // and protobuf downloads are these blobs concatenated.
      keys: Buffer.from(encodeBatchProtobuf({ keys })),
      createdAt: now,
      batchId: null,
    });
    try {
      await this.dataSource.transaction(async (em) => {
        const inserted = await em.insert(GatewayUpload, upload);
        const uploadId = Number((inserted.identifiers[0] as { id: number }).id);
        // Plain multi-row INSERTs: the query builder's per-parameter bookkeeping cost more than the inserts.
        const createdAt = this.sqlTimestamp(now);
        for (let i = 0; i < hashes.length; i += INSERT_CHUNK) {
          const chunk = hashes.slice(i, i + INSERT_CHUNK);
          await em.query(
            `INSERT INTO efgs_key_hash (payload_hash, upload_id, created_at) VALUES ${chunk.map((_, j) => `(${this.param(3 * j + 1)}, ${this.param(3 * j + 2)}, ${this.param(3 * j + 3)})`).join(', ')}`,
            chunk.flatMap((hash) => [hash, uploadId, createdAt]),
          );
        }
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // As in EFGS, duplicates show as insert conflicts (docs/protocols/efgs.md §A5): the transaction is
      // gone, so nothing of the upload is kept, and the 207 map names the keys the gateway holds. Checking
      // only on conflict keeps 5,000 index probes off the normal path. A concurrent upload may also have
      // taken the tag (409).
      if (await this.dataSource.getRepository(GatewayUpload).existsBy({ batchTag }))
        throw new EfgsHttpError(409, 'BatchTag already exists.');
      const known = await this.knownIndices(hashes);
      // No key is known any more (retention ran meanwhile): an insert failure, which the member retries.
      throw known.size > 0
        ? partialInsert(hashes.length, known)
        : partialInsert(hashes.length, new Set(), true);
    }
    this.logger.log({ country: client.country, keys: keys.length, format: upload.format }, 'upload accepted');
    return { batchTag, keys: keys.length };
  }

  /** Indices of keys whose payload hash the gateway holds already. */
  private async knownIndices(hashes: readonly Buffer[]): Promise<Set<number>> {
    const known = new Set<string>();
    for (let i = 0; i < hashes.length; i += LOOKUP_CHUNK) {
      const chunk = hashes.slice(i, i + LOOKUP_CHUNK);
      const rows: { payload_hash: Buffer }[] = await this.dataSource.query(
        `SELECT payload_hash FROM efgs_key_hash WHERE payload_hash IN (${chunk.map((_, j) => this.param(j + 1)).join(', ')})`,
        chunk,
      );
      for (const row of rows) known.add(Buffer.from(row.payload_hash).toString('hex'));
    }
    const indices = new Set<number>();
    hashes.forEach((hash, index) => {
      if (known.has(hash.toString('hex'))) indices.add(index);
    });
    return indices;
  }

  private param(n: number): string {
    return this.dataSource.options.type === 'postgres' ? `$${n}` : '?';
  }

  /** A timestamp as TypeORM stores it: a Date for PostgreSQL, UTC `yyyy-MM-dd HH:mm:ss.SSS` text for SQLite. */
  private sqlTimestamp(date: Date): Date | string {
    return this.dataSource.options.type === 'postgres'
      ? date
      : date.toISOString().replace('T', ' ').replace('Z', '');
  }
}

/** Indices of keys repeating an earlier key of the same upload (EFGS inserts one by one: the second conflicts). */
function repeatedIndices(hashes: readonly Buffer[]): Set<number> {
  const seen = new Set<string>();
  const repeated = new Set<number>();
  hashes.forEach((hash, index) => {
    const hex = hash.toString('hex');
    if (seen.has(hex)) repeated.add(index);
    seen.add(hex);
  });
  return repeated;
}

/**
 * The 207 answer of docs/protocols/efgs.md §A5: which keys would have been inserted (201) and which
 * conflicted (409); with `failed`, every key that did not conflict is reported as an insert failure (500)
 * instead.
 */
function partialInsert(count: number, conflicts: ReadonlySet<number>, failed = false): EfgsHttpError {
  const others: number[] = [];
  for (let i = 0; i < count; i++) if (!conflicts.has(i)) others.push(i);
  const sortedConflicts = [...conflicts].sort((a, b) => a - b);
  return new EfgsHttpError(
    207,
    'Some keys were not inserted',
    failed
      ? { '201': [], '409': sortedConflicts, '500': others }
      : { '201': others, '409': sortedConflicts, '500': [] },
  );
}
