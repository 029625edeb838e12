import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InboundBatch } from './entities/inbound-batch.entity';
import { OutboundBatch } from './entities/outbound-batch.entity';

const SHOWN = 200;

/** Read-only overview of the member's batches for operators: tags, states and counts, never key material. */
@Injectable()
export class FederationStatusService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The newest upload and download batches with their status (docs/protocols/efgs.md §A10 batch states). */
  async overview() {
    const [uploads, downloads] = await Promise.all([
      this.dataSource.getRepository(OutboundBatch).find({
        select: {
          id: true,
          batchTag: true,
          keyCount: true,
          status: true,
          attempts: true,
          lastStatus: true,
          lastError: true,
          createdAt: true,
          finishedAt: true,
        },
        order: { createdAt: 'DESC' },
        take: SHOWN,
      }),
      this.dataSource.getRepository(InboundBatch).find({ order: { createdAt: 'DESC' }, take: SHOWN }),
    ]);
    return { uploads, downloads };
  }
}
