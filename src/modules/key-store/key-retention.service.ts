import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { FileStore } from '../../infrastructure/file-store';
import { exportStorageKey } from './aggregation.service';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { KeyStorage } from './storage/key-storage';
import { UploadTokenService } from './upload-token.service';

/** Deletes keys, export files and spent token ids past KEY_RETENTION_DAYS (the hourly purge job). */
@Injectable()
export class KeyRetentionService {
  private readonly logger = new Logger('KeyStore');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: KeyStorage,
    private readonly files: FileStore,
    private readonly tokens: UploadTokenService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async purge(): Promise<void> {
    const now = this.clock.now().getTime();
    const cutoff = new Date(now - this.config.keyStore.retentionDays * 86_400_000);
    // A key is useless once its whole day is older than the retention: phones keep 14 days of scans.
    const oldestInterval = Math.floor(cutoff.getTime() / 600_000);
    const keys = await this.storage.deleteEndedBefore(oldestInterval);
    const oldFiles = await this.dataSource.getRepository(ExportFile).findBy({ createdAt: LessThan(cutoff) });
    for (const f of oldFiles) await this.files.delete(exportStorageKey(f.region, f.name));
    if (oldFiles.length)
      await this.dataSource.getRepository(ExportFile).delete({ id: In(oldFiles.map((f) => f.id)) });
    // A region's newest batch stays: the next window starts where it ended.
    const batches = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(ExportBatch)
      .where("status = 'complete' AND window_end < :cutoff", { cutoff })
      .andWhere(
        'window_end < (SELECT MAX(newest.window_end) FROM export_batch newest WHERE newest.region = export_batch.region)',
      )
      .execute();
    const tokens = await this.tokens.purgeExpired();
    this.logger.log(
      { keys, files: oldFiles.length, batches: batches.affected ?? 0, tokens },
      'retention purge done',
    );
  }
}
