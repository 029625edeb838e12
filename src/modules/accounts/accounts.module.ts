import { Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { AccountsService } from './accounts.service';
import { AdminController } from './admin.controller';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { CsrfGuard } from './auth/csrf.guard';
import { Organisation } from './entities/organisation.entity';
import { Session } from './entities/session.entity';
import { User } from './entities/user.entity';
import { PasswordService } from './password.service';
import { PurgeSessionsProcessor } from './purge-sessions.processor';
import { SessionService } from './session.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organisation, User, Session])],
  controllers: [AuthController, AdminController],
  providers: [
    AccountsService,
    SessionService,
    PasswordService,
    PurgeSessionsProcessor,
    // CSRF before authentication: a forged request is refused before any session work.
    { provide: APP_GUARD, useClass: CsrfGuard },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccountsService, SessionService],
})
export class AccountsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly accounts: AccountsService,
    private readonly jobs: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.addRepeatable(JOBS.purgeSessions, {}, { everyMs: 15 * 60_000 });
    if (this.config.env !== 'development' || (await this.accounts.hasAnyUser())) return;
    // Embedded first start: an admin to sign in with. Printed to the console, never to the JSON log.
    const { user, temporaryPassword } = await this.accounts.createPlatformAdmin(
      this.config.bootstrapAdminEmail,
    );
    this.logger.log('first start: platform admin created (one-time password printed on the console)');
    process.stdout.write(
      `\n  Veilig is ready at ${this.config.http.publicUrl}\n` +
        `  Sign in as ${user.email} with the one-time password:  ${temporaryPassword}\n` +
        `  (you will be asked to choose a new password)\n\n`,
    );
  }
}
