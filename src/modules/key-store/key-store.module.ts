import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { AggregationService } from './aggregation.service';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import { ExportBatch } from './entities/export-batch.entity';
import { ExportFile } from './entities/export-file.entity';
import { UsedUploadToken } from './entities/used-upload-token.entity';
import { ExportSigningService } from './export-signing.service';
import { ExportsController } from './exports.controller';
import { KeyRetentionService } from './key-retention.service';
import { AggregateExportsProcessor, PurgeKeysProcessor } from './key-store.processors';
import { KeyUploadController } from './key-upload.controller';
import { KeyUploadService } from './key-upload.service';
import { KeyStorage } from './storage/key-storage';
import { PortableKeyStorage } from './storage/portable-key-storage';
import { PostgresKeyStorage } from './storage/postgres-key-storage';
import { TokenUploadAuthorizer } from './token-upload.authorizer';
import { UploadAuthorizers } from './upload-authorization';
import { UploadTokenService } from './upload-token.service';

/** The national backend's core: verified uploads, aggregation cycles, signed exports, downloads. */
@Module({
  imports: [TypeOrmModule.forFeature([DiagnosisKey, ExportBatch, ExportFile, UsedUploadToken])],
  controllers: [KeyUploadController, ExportsController],
  providers: [
    KeyUploadService,
    UploadTokenService,
    UploadAuthorizers,
    ExportSigningService,
    AggregationService,
    KeyRetentionService,
    AggregateExportsProcessor,
    PurgeKeysProcessor,
    {
      provide: KeyStorage,
      inject: [DataSource, APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        config.database.kind === 'postgres' && config.keyStore.storage === 'tuned'
          ? new PostgresKeyStorage(dataSource)
          : new PortableKeyStorage(dataSource),
    },
  ],
  exports: [UploadTokenService, UploadAuthorizers, AggregationService, ExportSigningService, KeyStorage],
})
export class KeyStoreModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly authorizers: UploadAuthorizers,
    private readonly tokens: UploadTokenService,
    private readonly jobs: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.authorizers.register(new TokenUploadAuthorizer(this.tokens));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.addRepeatable(
      JOBS.aggregateExports,
      {},
      { everyMs: this.config.keyStore.exportPeriodMs },
    );
    await this.jobs.addRepeatable(JOBS.purgeKeys, {}, { cron: '17 * * * *' });
  }
}
