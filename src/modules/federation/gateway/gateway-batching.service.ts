import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull } from 'typeorm';
import { isUniqueViolation } from '../../../database/errors';
import { MAX_DOWNLOAD_BATCH_KEYS, nextGatewayBatchTag } from '../../../protocol/efgs';
import { GatewayBatch } from '../entities/gateway-batch.entity';
import { GatewayUpload } from '../entities/gateway-upload.entity';
import { CallbackService } from './callback.service';

const MAX_CONFLICTS = 20;
const LIST_CHANGED = 'the batch list changed during batching';

function isRaceLost(error: unknown): boolean {
  const message = String((error as Error)?.message);
  return (
    message === LIST_CHANGED ||
    isUniqueViolation(error) ||
    /could not serialize|deadlock|database is locked/i.test(message)
  );
}

/** Uploads considered per batch: a batch of ≤ 5,000 keys never needs more than 5,000 uploads. */
const CANDIDATES = MAX_DOWNLOAD_BATCH_KEYS;

/**
 * The gateway's batching job (docs/protocols/efgs.md §A7): whole uploads, oldest first, into download batches
 * of at most 5,000 keys and one format, tagged `yyyyMMdd-N` and linked from the previous batch (one list
 * across days). Each batch is created in one transaction; the unique tag and link make a racing second run
 * fail instead of forking the list, and the Bull schedule runs it once per period across instances anyway.
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
    let conflicts = 0;
    for (;;) {
      let tag: string | undefined;
      try {
        tag = await this.createBatch(now);
      } catch (error) {
        // Another run created the batch we were about to create (same tag, or it linked the previous one):
        // read the list again and go on from its new end.
        if (!isRaceLost(error) || ++conflicts > MAX_CONFLICTS) throw error;
        continue;
      }
      if (tag === undefined) break;
      tags.push(tag);
    }
    if (tags.length) {
      await this.callbacks.announce(tags, now);
      this.logger.log(
        { batches: tags.length, first: tags[0], last: tags.at(-1) },
        'download batches created',
      );
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
        if (linked.affected !== 1) throw new Error(LIST_CHANGED);
      }
      const claimed = await em.update(GatewayUpload, { id: In(chosen), batchId: IsNull() }, { batchId });
      if (claimed.affected !== chosen.length) throw new Error(LIST_CHANGED);
      return tag;
    });
  }
}
