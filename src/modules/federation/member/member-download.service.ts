import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Not } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { isUniqueViolation } from '../../../database/errors';
import { Clock } from '../../../infrastructure/clock';
import {
  decodeBatch,
  formatUtcDay,
  parseNextBatchTagHeader,
  screenDownloadedKeys,
  type DiagnosisKey,
} from '../../../protocol/efgs';
import { KeyStorage } from '../../key-store/storage/key-storage';
import { InboundBatch, type InboundStatus } from '../entities/inbound-batch.entity';
import { EfgsGatewayClient, type GatewayResponse } from './efgs-gateway.client';
import { toStoredKey } from './key-mapping';

const DAY_MS = 86_400_000;
/** A day never has this many batches; the bound only stops a gateway that links in a circle. */
const MAX_BATCHES_PER_WALK = 10_000;

export interface BatchReport {
  batchTag: string;
  status: InboundStatus | 'already-processed';
  received: number;
  stored: number;
}

function header(response: GatewayResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The member's download job (docs/protocols/efgs.md §A7, §A10): per day, from the first batch (or from a
 * callback's batch), follow `nextBatchTag` until "null"; screen each key (report types, ranges, DSOS bands),
 * keep those that concern us, and add them to our key store for the configured export regions. Every batch's
 * outcome is recorded by tag, so a batch is processed once however often it is seen (the list crosses days,
 * and callbacks and the schedule overlap).
 */
@Injectable()
export class MemberDownloadService {
  private readonly logger = new Logger('FederationMember');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly client: EfgsGatewayClient,
    private readonly keyStorage: KeyStorage,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get country(): string {
    return this.config.federation.country ?? this.config.keyStore.homeRegion;
  }

  /** Scheduled run: today and FEDERATION_DOWNLOAD_DAYS days before it, oldest first. */
  async runScheduled(now: Date = this.clock.now()): Promise<BatchReport[]> {
    await this.ensureCallbackSubscription();
    const reports: BatchReport[] = [];
    for (let back = this.config.federation.member.downloadDays; back >= 0; back--) {
      reports.push(
        ...(await this.walk(formatUtcDay(new Date(now.getTime() - back * DAY_MS)), undefined, now)),
      );
    }
    return reports;
  }

  /**
   * Subscribes FEDERATION_CALLBACK_URL at the gateway when it is not subscribed yet
   * (docs/protocols/efgs.md §A8).
   */
  async ensureCallbackSubscription(): Promise<void> {
    const { callbackUrl, callbackId } = this.config.federation.member;
    if (!callbackUrl) return;
    try {
      const list = await this.client.listCallbacks();
      const current =
        list.status === 200
          ? (JSON.parse(list.body.toString('utf8')) as { callbackId: string; url: string }[])
          : [];
      if (current.some((c) => c.callbackId === callbackId && c.url === callbackUrl)) return;
      const put = await this.client.putCallback(callbackId, callbackUrl);
      if (put.status !== 200)
        this.logger.warn({ status: put.status }, 'gateway refused our callback subscription');
    } catch (error) {
      // Callbacks only speed things up; the scheduled walk still runs.
      this.logger.warn({ error: (error as Error).message }, 'could not check our callback subscription');
    }
  }

  /**
   * Walks the batch list for `date` (yyyy-MM-dd) from `batchTag` (a callback's), else from the day's first
   * batch. Batches we processed and whose successor we know are hopped over without downloading them; the
   * last known one is fetched again only to learn whether a successor appeared. A 404 ends the walk.
   */
  async walk(
    date: string,
    batchTag: string | undefined,
    now: Date = this.clock.now(),
  ): Promise<BatchReport[]> {
    const reports: BatchReport[] = [];
    let tag = batchTag;
    for (let i = 0; i < MAX_BATCHES_PER_WALK; i++) {
      if (tag !== undefined) tag = await this.skipKnown(tag);
      const response = await this.client.download(date, tag);
      if (response.status === 404) break;
      if (response.status !== 200)
        throw new Error(`gateway answered ${response.status} to a download of ${date}`);
      const served = header(response, 'batchTag') ?? tag;
      if (!served) throw new Error('gateway answered without a batchTag header');
      const next = parseNextBatchTagHeader(header(response, 'nextBatchTag'));
      reports.push(await this.process(served, date, next, response, now));
      if (next === null || next === served) break;
      tag = next;
    }
    return reports;
  }

  /** Follows our own records from `tag` while they are processed and know their successor. */
  private async skipKnown(tag: string): Promise<string> {
    const repo = this.dataSource.getRepository(InboundBatch);
    let current = tag;
    for (let hops = 0; hops < MAX_BATCHES_PER_WALK; hops++) {
      const record = await repo.findOne({
        select: { nextBatchTag: true },
        where: { batchTag: current, status: Not('ERROR') },
      });
      if (!record?.nextBatchTag) return current;
      current = record.nextBatchTag;
    }
    return current;
  }

  private async process(
    batchTag: string,
    date: string,
    next: string | null,
    response: GatewayResponse,
    now: Date,
  ): Promise<BatchReport> {
    const repo = this.dataSource.getRepository(InboundBatch);
    const seen = await repo.findOneBy({ batchTag });
    if (seen && seen.status !== 'ERROR') {
      if (seen.nextBatchTag !== next) await repo.update({ id: seen.id }, { nextBatchTag: next });
      return { batchTag, status: 'already-processed', received: seen.keysReceived, stored: seen.keysStored };
    }
    let keys: DiagnosisKey[];
    try {
      keys = decodeBatch(this.config.federation.member.format, response.body).keys;
    } catch (error) {
      await this.save(
        seen,
        {
          batchTag,
          requestedDate: date,
          nextBatchTag: next,
          status: 'ERROR_WONT_RETRY',
          lastError: (error as Error).message.slice(0, 200),
        },
        now,
      );
      return { batchTag, status: 'ERROR_WONT_RETRY', received: 0, stored: 0 };
    }
    const { kept, dropped } = screenDownloadedKeys(keys);
    const policy = this.config.federation.member.downloadPolicy;
    const relevant = kept.filter(
      (k) =>
        k.key.origin !== this.country && (policy === 'all' || k.key.visitedCountries.includes(this.country)),
    );
    const rows = relevant.map((k) =>
      toStoredKey(k, this.regionFor(k.key.origin), now, this.config.keyStore.embargoMs),
    );
    const status: InboundStatus = dropped.length > 0 ? 'PROCESSED_WITH_ERROR' : 'PROCESSED';
    try {
      const stored = await this.dataSource.transaction(async (em) => {
        const added = await this.keyStorage.importKeys(em, rows);
        const record = {
          batchTag,
          requestedDate: date,
          nextBatchTag: next,
          status,
          keysReceived: keys.length,
          keysStored: added,
          keysInvalid: dropped.length,
          keysSkipped: keys.length - dropped.length - added,
          lastError: null,
          processedAt: now,
        };
        if (seen) await em.update(InboundBatch, { id: seen.id }, record);
        else await em.insert(InboundBatch, Object.assign(new InboundBatch(), { ...record, createdAt: now }));
        return added;
      });
      this.logger.log(
        { batchTag, received: keys.length, stored, invalid: dropped.length },
        'gateway batch processed',
      );
      return { batchTag, status, received: keys.length, stored };
    } catch (error) {
      // Another instance recorded this batch meanwhile: it is done.
      if (isUniqueViolation(error) && (await repo.existsBy({ batchTag, status: Not('ERROR') }))) {
        return { batchTag, status: 'already-processed', received: keys.length, stored: 0 };
      }
      await this.save(
        seen,
        {
          batchTag,
          requestedDate: date,
          nextBatchTag: next,
          status: 'ERROR',
          lastError: (error as Error).message.slice(0, 200),
        },
        now,
      );
      throw error;
    }
  }

  private async save(
    seen: InboundBatch | null,
    fields: Pick<InboundBatch, 'batchTag' | 'requestedDate' | 'nextBatchTag' | 'status' | 'lastError'>,
    now: Date,
  ): Promise<void> {
    const repo = this.dataSource.getRepository(InboundBatch);
    if (seen) await repo.update({ id: seen.id }, { ...fields, processedAt: now });
    else
      await repo.insert(Object.assign(new InboundBatch(), { ...fields, createdAt: now, processedAt: now }));
  }

  /** Export region for a downloaded key (FEDERATION_EXPORT_REGIONS), by default our home region. */
  private regionFor(origin: string): string {
    const regions = this.config.federation.member.exportRegions;
    return regions[origin] ?? regions['*'] ?? this.config.keyStore.homeRegion;
  }
}
