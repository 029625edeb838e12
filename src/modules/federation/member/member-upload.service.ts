import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThanOrEqual } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { dbTypes } from '../../../database/column-types';
import { Clock } from '../../../infrastructure/clock';
import {
  encodeBatchJson,
  encodeBatchProtobuf,
  memberBatchTag,
  rollingStartIntervalWindow,
} from '../../../protocol/efgs';
import { AuditService } from '../../audit/audit.service';
import { DiagnosisKey as StoredKey } from '../../key-store/entities/diagnosis-key.entity';
import { OutboundBatch, type OutboundStatus } from '../entities/outbound-batch.entity';
import { OutboundKey } from '../entities/outbound-key.entity';
import { BatchSigner } from './batch-signer';
import { EfgsGatewayClient, GatewayUnreachableError, type GatewayResponse } from './efgs-gateway.client';
import { toEfgsKey } from './key-mapping';

const INTERVAL_MS = 600_000;
const DAY_INTERVALS = 144;
const INSERT_CHUNK = 1000;
const MAX_BACKOFF_MS = 24 * 3_600_000;

export interface UploadRunReport {
  assembled: string[];
  results: { batchTag: string; status: OutboundStatus; httpStatus: number | null }[];
}

/** What an answer of the gateway means for one of our batches (docs/protocols/efgs.md §A5, §A10). */
export type UploadOutcome =
  | { kind: 'delivered'; note?: string }
  | { kind: 'partial'; release: number[] }
  | { kind: 'retry'; error: string }
  | { kind: 'rejected'; error: string };

/**
 * Maps the gateway's answer to an upload onto what we do with the batch (docs/protocols/efgs.md §A5, and NL's
 * handling in docs/protocols/efgs.md §A10): 201 delivered; 409 delivered too, since our tag is the hash of
 * the body and only an earlier try of this very batch can have used it; 207 releases every key the gateway
 * did not already hold (nothing of the upload was kept); 403, 408, 429 and 5xx are retried with the same
 * bytes; any other 4xx is final.
 */
export function classifyUploadResponse(
  response: Pick<GatewayResponse, 'status' | 'body'>,
  keyCount: number,
): UploadOutcome {
  const { status } = response;
  if (status === 200 || status === 201) return { kind: 'delivered' };
  if (status === 409)
    return { kind: 'delivered', note: 'batchTag known to the gateway: an earlier try arrived' };
  if (status === 207) {
    let map: Record<string, unknown> = {};
    try {
      map = JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return { kind: 'retry', error: '207 without a readable index map' };
    }
    const conflicts = new Set(
      Array.isArray(map['409'])
        ? (map['409'] as unknown[]).filter((i): i is number => Number.isInteger(i))
        : [],
    );
    if (conflicts.size === 0) return { kind: 'retry', error: '207 without conflicts (insert failures only)' };
    const release: number[] = [];
    for (let i = 0; i < keyCount; i++) if (!conflicts.has(i)) release.push(i);
    return { kind: 'partial', release };
  }
  if (status === 403 || status === 408 || status === 429 || status >= 500)
    return { kind: 'retry', error: `HTTP ${status}` };
  return { kind: 'rejected', error: `HTTP ${status}: ${messageOf(response)}` };
}

function messageOf(response: Pick<GatewayResponse, 'body'>): string {
  try {
    const parsed = JSON.parse(response.body.toString('utf8')) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message.slice(0, 150) : '';
  } catch {
    return '';
  }
}

/**
 * The member's upload job (docs/protocols/efgs.md §A10): claims our consented keys once their validity ended
 * long enough ago, stores each batch with its body, content-derived tag and signature before the first try,
 * and handles the gateway's answer per status. A key is claimed by exactly one batch (primary key), sent
 * under one unchanging tag until it is delivered, and released only when the gateway kept nothing of it.
 */
@Injectable()
export class MemberUploadService {
  private readonly logger = new Logger('FederationMember');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: EfgsGatewayClient,
    private readonly signer: BatchSigner,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The country our keys originate from: FEDERATION_COUNTRY, else the key store's home region. */
  get country(): string {
    return this.config.federation.country ?? this.config.keyStore.homeRegion;
  }

  /** One run of the job at `now`: assemble new batches, then send every due one. */
  async run(now: Date = this.clock.now()): Promise<UploadRunReport> {
    const assembled = await this.assemble(now);
    const results = await this.sendDue(now);
    return { assembled, results };
  }

  /**
   * Builds batches of waiting keys (≤ FEDERATION_UPLOAD_MAX_KEYS each): consented, ours, from our apps,
   * expired for FEDERATION_UPLOAD_EXPIRY_MINUTES, inside the gateway's 15-day window with a day to spare
   * for retries. Fewer than FEDERATION_UPLOAD_MIN_KEYS wait, unless the oldest waited FEDERATION_UPLOAD_MAX_WAIT_HOURS.
   * @returns the tags of the new batches.
   */
  async assemble(now: Date): Promise<string[]> {
    const { uploadMaxKeys, uploadMinKeys, uploadMaxWaitMs, uploadExpiryMs, format } =
      this.config.federation.member;
    const maxEnd = Math.floor((now.getTime() - uploadExpiryMs) / INTERVAL_MS);
    const minStart = rollingStartIntervalWindow(now).min + DAY_INTERVALS;
    const tags: string[] = [];
    for (;;) {
      const rows = await this.dataSource
        .getRepository(StoredKey)
        .createQueryBuilder('k')
        .leftJoin(OutboundKey, 'o', 'o.diagnosis_key_id = k.id')
        .where('o.diagnosis_key_id IS NULL')
        .andWhere(`k.source = 'app' AND k.consent_to_federation = ${dbTypes.true} AND k.origin = :country`, {
          country: this.country,
        })
        .andWhere(
          'k.rolling_start_interval_number + k.rolling_period <= :maxEnd AND k.rolling_start_interval_number >= :minStart',
          { maxEnd, minStart },
        )
        .orderBy('k.id', 'ASC')
        .take(uploadMaxKeys)
        .getMany();
      if (rows.length === 0) break;
      if (
        rows.length < uploadMinKeys &&
        now.getTime() - Math.min(...rows.map((r) => r.receivedAt.getTime())) < uploadMaxWaitMs
      )
        break;
      const keys = rows.map(toEfgsKey);
      const protobuf = Buffer.from(encodeBatchProtobuf({ keys }));
      const body = format === 'protobuf' ? protobuf : Buffer.from(encodeBatchJson({ keys }), 'utf8');
      const batch = Object.assign(new OutboundBatch(), {
        batchTag: memberBatchTag(protobuf),
        body,
        format,
        signature: await this.signer.sign(keys, now),
        keyCount: keys.length,
        status: 'pending' as const,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        createdAt: now,
        nextAttemptAt: now,
        finishedAt: null,
      });
      await this.dataSource.transaction(async (em) => {
        await em.insert(OutboundBatch, batch);
        const claims = rows.map((r, position) => ({ diagnosisKeyId: r.id, batchId: batch.id, position }));
        // The primary key on the key id is the claim: a racing run fails here and rolls back entirely.
        for (let i = 0; i < claims.length; i += INSERT_CHUNK)
          await em.insert(OutboundKey, claims.slice(i, i + INSERT_CHUNK));
      });
      tags.push(batch.batchTag);
      if (rows.length < uploadMaxKeys) break;
    }
    return tags;
  }

  /** Sends every pending batch that is due, oldest first, and records what the gateway answered. */
  async sendDue(now: Date): Promise<UploadRunReport['results']> {
    const due = await this.dataSource.getRepository(OutboundBatch).find({
      where: { status: 'pending', nextAttemptAt: LessThanOrEqual(now) },
      order: { createdAt: 'ASC' },
    });
    const results: UploadRunReport['results'] = [];
    for (const batch of due) {
      let outcome: UploadOutcome;
      let httpStatus: number | null = null;
      try {
        const response = await this.client.upload(batch.body, batch.format, batch.batchTag, batch.signature);
        httpStatus = response.status;
        outcome = classifyUploadResponse(response, batch.keyCount);
      } catch (error) {
        if (!(error instanceof GatewayUnreachableError)) throw error;
        outcome = { kind: 'retry', error: error.message };
      }
      const status = await this.record(batch, outcome, httpStatus, now);
      results.push({ batchTag: batch.batchTag, status, httpStatus });
    }
    return results;
  }

  /** Puts a failed or rejected batch back in the queue after an operator fixed the cause (same bytes, same tag). */
  async retry(batchId: string, now: Date): Promise<boolean> {
    const updated = await this.dataSource
      .getRepository(OutboundBatch)
      .update(
        { id: batchId, status: In(['failed', 'rejected']) },
        { status: 'pending', attempts: 0, nextAttemptAt: now, finishedAt: null },
      );
    return (updated.affected ?? 0) > 0;
  }

  private async record(
    batch: OutboundBatch,
    outcome: UploadOutcome,
    httpStatus: number | null,
    now: Date,
  ): Promise<OutboundStatus> {
    const attempts = batch.attempts + 1;
    const base = { attempts, lastStatus: httpStatus };
    const log = { batchTag: batch.batchTag, keys: batch.keyCount, httpStatus, attempts };
    switch (outcome.kind) {
      case 'delivered':
        await this.dataSource
          .getRepository(OutboundBatch)
          .update(
            { id: batch.id },
            { ...base, status: 'sent', lastError: outcome.note ?? null, finishedAt: now },
          );
        this.logger.log(log, 'upload batch delivered');
        return 'sent';
      case 'partial':
        await this.dataSource.transaction(async (em) => {
          for (let i = 0; i < outcome.release.length; i += INSERT_CHUNK) {
            await em.delete(OutboundKey, {
              batchId: batch.id,
              position: In(outcome.release.slice(i, i + INSERT_CHUNK)),
            });
          }
          await em.update(
            OutboundBatch,
            { id: batch.id },
            {
              ...base,
              status: 'partial',
              lastError: `207: ${outcome.release.length} keys released for a later batch`,
              finishedAt: now,
            },
          );
        });
        this.logger.warn(
          { ...log, released: outcome.release.length },
          'upload batch partly known to the gateway; the rest goes again',
        );
        return 'partial';
      case 'retry': {
        const gaveUp = attempts >= this.config.federation.member.uploadMaxAttempts;
        const backoff = Math.min(
          this.config.federation.member.uploadIntervalMs * 2 ** (attempts - 1),
          MAX_BACKOFF_MS,
        );
        await this.dataSource.getRepository(OutboundBatch).update(
          { id: batch.id },
          {
            ...base,
            status: gaveUp ? 'failed' : 'pending',
            lastError: outcome.error.slice(0, 200),
            nextAttemptAt: new Date(now.getTime() + backoff),
            finishedAt: gaveUp ? now : null,
          },
        );
        this.logger.warn({ ...log, error: outcome.error, gaveUp }, 'upload batch not accepted yet');
        if (gaveUp)
          await this.audit.record(
            { kind: 'system' },
            {
              action: 'federation.upload.failed',
              outcome: 'failure',
              objectType: 'federation-batch',
              objectId: batch.id,
              details: { httpStatus, attempts },
            },
          );
        return gaveUp ? 'failed' : 'pending';
      }
      case 'rejected':
        await this.dataSource
          .getRepository(OutboundBatch)
          .update(
            { id: batch.id },
            { ...base, status: 'rejected', lastError: outcome.error.slice(0, 200), finishedAt: now },
          );
        this.logger.error(
          { ...log, error: outcome.error },
          'upload batch rejected by the gateway; not retried',
        );
        await this.audit.record(
          { kind: 'system' },
          {
            action: 'federation.upload.rejected',
            outcome: 'failure',
            objectType: 'federation-batch',
            objectId: batch.id,
            details: { httpStatus, keys: batch.keyCount },
          },
        );
        return 'rejected';
    }
  }
}
