import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../infrastructure/clock';
import { AuditModule } from '../audit/audit.module';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { KeyStoreModule } from '../key-store/key-store.module';
import { UploadAuthorizers } from '../key-store/upload-authorization';
import { BlindTokenUploadAuthorizer } from './blind-token.authorizer';
import { identityVerificationEntities } from './entities';
import { IdentityPurgeProcessor } from './identity-purge.processor';
import { IdentityVerificationController } from './identity-verification.controller';
import { IdentitySimulators, LabRegistryGateway, OidcGateway } from './identity-verification.gateways';
import { IdentityVerificationService } from './identity-verification.service';
import { TokenKeysService } from './token-keys.service';

/**
 * Identity-based verification (docs/identity-verification.md): the second way to authorise key uploads, next
 * to the professional-signed flow. National eID login, lab registry, limits, blind-signed anonymous tokens.
 */
@Module({
  imports: [TypeOrmModule.forFeature(identityVerificationEntities), KeyStoreModule, AuditModule],
  controllers: [IdentityVerificationController],
  providers: [
    IdentityVerificationService,
    TokenKeysService,
    IdentitySimulators,
    OidcGateway,
    LabRegistryGateway,
    IdentityPurgeProcessor,
  ],
  exports: [IdentitySimulators],
})
export class IdentityVerificationModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly authorizers: UploadAuthorizers,
    private readonly tokenKeys: TokenKeysService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly jobs: JobRunner,
  ) {}

  onModuleInit(): void {
    this.authorizers.register(new BlindTokenUploadAuthorizer(this.tokenKeys, this.dataSource, this.clock));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.addRepeatable(JOBS.identityPurge, {}, { everyMs: 10 * 60_000 });
  }
}
