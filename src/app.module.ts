import { DynamicModule, Module, RequestMethod, type ModuleMetadata } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { loggerParams } from './common/logging';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { AccountsModule } from './modules/accounts/accounts.module';
import { AuditModule } from './modules/audit/audit.module';
import { DisclosureModule } from './modules/disclosure/disclosure.module';
import { FederationModule } from './modules/federation/federation.module';
import { HealthModule } from './modules/health/health.module';
import { IdentityVerificationModule } from './modules/identity-verification/identity-verification.module';
import type { JobDefinition } from './modules/jobs/job-definitions';
import { JobsModule } from './modules/jobs/jobs.module';
import { KeyStoreModule } from './modules/key-store/key-store.module';
import { KEY_UPLOAD_PATH } from './modules/key-store/key-upload.controller';
import { VeiligBellenModule } from './modules/veilig-bellen/veilig-bellen.module';

export interface AppModuleOptions {
  /** Test-only additions (e.g. a module with a job processor of its own). */
  extraImports?: ModuleMetadata['imports'];
  extraJobs?: JobDefinition[];
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // No access log line per key upload: it would record when an infected person's phone reached
        // us. Metrics count the answers and the keys stored per flow.
        LoggerModule.forRoot(
          loggerParams(config, [{ method: RequestMethod.POST, path: KEY_UPLOAD_PATH.slice(1) }]),
        ),
        DatabaseModule,
        InfrastructureModule,
        JobsModule.forRoot({ extraJobs: options.extraJobs }),
        AuditModule,
        // Express tries routes in registration order, which follows this list: the busiest first.
        KeyStoreModule,
        HealthModule,
        AccountsModule,
        VeiligBellenModule,
        FederationModule,
        IdentityVerificationModule,
        DisclosureModule,
        ...(options.extraImports ?? []),
      ],
    };
  }
}
