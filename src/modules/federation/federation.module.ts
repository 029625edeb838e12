import { Inject, Logger, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CrossOriginRoutes } from '../../common/http/cross-origin';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { KeyStoreModule } from '../key-store/key-store.module';
import { CertificateProxy } from './certificate-proxy';
import { federationEntities } from './entities';
import { FederationAdminController } from './federation-admin.controller';
import { FederationStatusService } from './federation-status.service';
import { BatchSignatureVerifier } from './gateway/batch-signature.verifier';
import { CallbackService } from './gateway/callback.service';
import { CertificateRegistry } from './gateway/certificate-registry.service';
import { EfgsClientGuard } from './gateway/efgs-client.guard';
import { GatewayBatchingService } from './gateway/gateway-batching.service';
import { GatewayDownloadService } from './gateway/gateway-download.service';
import { GatewayUploadService } from './gateway/gateway-upload.service';
import { EFGS_PREFIX, GatewayController } from './gateway/gateway.controller';
import {
  GatewayBatchProcessor,
  GatewayCallbackProcessor,
  GatewayRetentionProcessor,
} from './gateway/gateway.processors';
import { BatchSigner } from './member/batch-signer';
import { EfgsGatewayClient } from './member/efgs-gateway.client';
import { MemberCallbackController } from './member/member-callback.controller';
import { MemberDownloadService } from './member/member-download.service';
import { MemberUploadService } from './member/member-upload.service';
import { MemberDownloadProcessor, MemberUploadProcessor } from './member/member.processors';

/**
 * Cross-border federation (docs/federation.md, docs/protocols/efgs.md): the EFGS-compatible gateway and the
 * national member in one module. Both are always wired (jobs must have their processors); FEDERATION_ROLES
 * decides which routes answer and which schedules run.
 */
@Module({
  imports: [TypeOrmModule.forFeature(federationEntities), KeyStoreModule],
  controllers: [GatewayController, MemberCallbackController, FederationAdminController],
  providers: [
    CertificateProxy,
    CertificateRegistry,
    EfgsClientGuard,
    BatchSignatureVerifier,
    GatewayUploadService,
    GatewayBatchingService,
    GatewayDownloadService,
    CallbackService,
    GatewayBatchProcessor,
    GatewayCallbackProcessor,
    GatewayRetentionProcessor,
    EfgsGatewayClient,
    BatchSigner,
    MemberUploadService,
    MemberDownloadService,
    MemberUploadProcessor,
    MemberDownloadProcessor,
    FederationStatusService,
  ],
})
export class FederationModule implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Federation');

  constructor(
    private readonly jobs: JobRunner,
    private readonly crossOrigin: CrossOriginRoutes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // No browser calls the gateway: no CORS grants, and OPTIONS reaches our handler instead of the CORS
    // middleware's preflight answer.
    this.crossOrigin.register({ prefix: EFGS_PREFIX, allowedOrigins: async () => [] });
    const { gatewayEnabled, gateway } = this.config.federation;
    if (gatewayEnabled && gateway.directMtls && !this.config.http.tls) {
      throw new Error('FEDERATION_GATEWAY_DIRECT_MTLS needs TLS_CERT and TLS_KEY (our own HTTPS listener)');
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const { gatewayEnabled, memberEnabled, gateway, member } = this.config.federation;
    if (gatewayEnabled) {
      await this.jobs.addRepeatable(JOBS.federationGatewayBatch, {}, { everyMs: gateway.batchIntervalMs });
      await this.jobs.addRepeatable(
        JOBS.federationGatewayCallbacks,
        {},
        { everyMs: gateway.callbackIntervalMs },
      );
      await this.jobs.addRepeatable(JOBS.federationGatewayRetention, {}, { cron: '7 0 * * *' });
    }
    if (memberEnabled) {
      await this.jobs.addRepeatable(JOBS.federationMemberUpload, {}, { everyMs: member.uploadIntervalMs });
      await this.jobs.addRepeatable(
        JOBS.federationMemberDownload,
        {},
        { everyMs: member.downloadIntervalMs },
      );
    }
    if (gatewayEnabled || memberEnabled)
      this.logger.log({ gateway: gatewayEnabled, member: memberEnabled }, 'federation roles active');
  }
}
