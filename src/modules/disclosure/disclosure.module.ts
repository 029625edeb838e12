import { Inject, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { KeyStoreModule } from '../key-store/key-store.module';
import { UploadAuthorizers } from '../key-store/upload-authorization';
import { ApprovalUploadAuthorizer } from './approval-upload.authorizer';
import { ApprovalVerifier } from './approval-verifier.service';
import { BackofficeController } from './backoffice.controller';
import { DisclosureController } from './disclosure.controller';
import { DisclosureExpireProcessor } from './disclosure.processor';
import { DisclosureService } from './disclosure.service';
import { DisclosureRequest } from './entities/disclosure-request.entity';

/**
 * Professional-signed disclosure (docs/protocols/dp3t-backoffice.md): 6+4 codes registered by phones, the GP
 * backoffice API that verifies UZI-signed approvals, and the upload authorizer that re-verifies them at
 * upload.
 */
@Module({
  imports: [TypeOrmModule.forFeature([DisclosureRequest]), KeyStoreModule, AuditModule],
  controllers: [DisclosureController, BackofficeController],
  providers: [DisclosureService, ApprovalVerifier, DisclosureExpireProcessor],
})
export class DisclosureModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly authorizers: UploadAuthorizers,
    private readonly service: DisclosureService,
    private readonly verifier: ApprovalVerifier,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.authorizers.register(
      new ApprovalUploadAuthorizer(this.service, this.verifier, this.audit, this.clock, {
        homeRegion: this.config.keyStore.homeRegion,
        maxKeys: this.config.disclosure.maxKeys,
      }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.addRepeatable(JOBS.disclosureExpire, {}, { everyMs: 5 * 60_000 });
  }
}
