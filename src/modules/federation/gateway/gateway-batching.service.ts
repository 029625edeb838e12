import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { MAX_DOWNLOAD_BATCH_KEYS, nextGatewayBatchTag } from '../../../protocol/efgs';
import { GatewayBatch } from '../entities/gateway-batch.entity';
import { GatewayUpload } from '../entities/gateway-upload.entity';
import { CallbackService } from './callback.service';

/** Uploads considered per batch: a batch of ≤ 5,000 keys never needs more than 5,000 uploads. */
const CANDIDATES = MAX_DOWNLOAD_BATCH_KEYS;

/**
 * The gateway's batching job (efgs.md §A7): whole uploads, oldest first, into download batches of at most
 * 5,000 keys and one format, tagged `yyyyMMdd-N` and linked from the previous batch (one list across days).
 * Each batch is created in one transaction; the unique tag and link make a racing second run fail instead
 * of forking the list, and the Bull schedule runs it once per period across instances anyway.
 */
@Injectable()
export class GatewayBatchingService {
  private readonly logger = new Logger('EfgsGateway');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly callbacks: CallbackService,
  ) {}

  /** Creates batches until no unbatched upload is left; returns the new tags in list order. */
  async runBatching(now: Date): Promise<string[]> {
    const tags: string[] = [];
    for (;;) {
      const tag = await this.createBatch(now);
      if (tag === undefined) break;
      tags.push(tag);
    }
    if (tags.length) {
      await this.callbacks.announce(tags, now);
      this.logger.log({ batches: tags.length, first: tags[0], last: tags.at(-1) }, 'download batches created');
    }
    return tags;
  }

  private createBatch(now: Date): Promise<string | undefined> {
    return this.dataSource.transaction(async (em) => {
      const candidates = await em.find(GatewayUpload, {
        select: { id: true, keyCount: true, format: true },
        where: { batchId: IsNull() },
        order: { id: 'ASC' },
        take: CANDIDATES,
      });
      if (candidates.length === 0) return undefined;
      const format = candidates[0].format;
      const chosen: number[] = [];
      let keyCount = 0;
      for (const upload of candidates) {
        if (upload.format !== format) continue;
        if (keyCount + upload.keyCount > MAX_DOWNLOAD_BATCH_KEYS) break;
        chosen.push(upload.id);
        keyCount += upload.keyCount;
      }
      const previous = await em.findOne(GatewayBatch, { where: {}, order: { id: 'DESC' } });
      const tag = nextGatewayBatchTag(previous?.tag, now);
      const inserted = await em.insert(GatewayBatch, { tag, link: null, createdAt: now, keyCount, format });
      const batchId = Number((inserted.identifiers[0] as { id: number }).id);
      if (previous) {
        const linked = await em.update(GatewayBatch, { id: previous.id, link: IsNull() }, { link: tag });
        // Someone linked the previous batch meanwhile: roll back rather than fork the list.
        if (linked.affected !== 1) throw new Error('the batch list changed during batching');
      }
      await em.update(GatewayUpload, { id: In(chosen), batchId: IsNull() }, { batchId });
      return tag;
    });
  }
}
