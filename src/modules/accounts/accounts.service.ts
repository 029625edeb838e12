import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { temporaryPassword } from '../../common/crypto/tokens';
import { badRequest, conflict, forbidden, notFound, ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import type { OrganisationKind, Role, SessionUser, UserView } from '../../shared/api-contract';
import { AuditService, type AuditActor } from '../audit/audit.service';
import { Organisation } from './entities/organisation.entity';
import { User } from './entities/user.entity';
import { PasswordService } from './password.service';
import { SessionService } from './session.service';

/** Which roles make sense in which kind of organisation. */
const ROLES_BY_KIND: Record<OrganisationKind, Role[]> = {
  platform: ['platform-admin', 'admin'],
  'health-authority': ['admin', 'clinician'],
  'gp-practice': ['admin', 'clinician'],
  municipality: ['admin', 'agent'],
};

const MAX_LOCK_MS = 3_600_000;

export const invalidCredentials = () =>
  new ProblemException(
    401,
    'invalid-credentials',
    'Sign-in failed',
    'Wrong email or password, or the account is temporarily locked after repeated failures.',
  );

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Organisation) private readonly organisations: Repository<Organisation>,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks credentials with per-account back-off: after `loginMaxFailures` consecutive failures the
   * account locks for `loginLockMs`, doubling per further failure up to an hour.
   */
  async login(email: string, password: string, ip: string): Promise<{ user: User; token: string }> {
    const user = await this.users.findOne({
      where: { email: email.trim().toLowerCase() },
      relations: { organisation: true },
    });
    const now = this.clock.now();
    if (!user) {
      await this.passwords.burn(password);
      await this.audit.record(
        { kind: 'anonymous', ip },
        { action: 'auth.login', outcome: 'failure', details: { reason: 'unknown-account' } },
      );
      throw invalidCredentials();
    }
    const actor: AuditActor = { kind: 'user', userId: user.id, organisationId: user.organisationId, ip };
    if (user.lockedUntil && user.lockedUntil > now) {
      await this.passwords.burn(password);
      await this.audit.record(actor, {
        action: 'auth.login',
        outcome: 'denied',
        objectType: 'user',
        objectId: user.id,
        details: { reason: 'locked' },
      });
      throw invalidCredentials();
    }
    if (!(await this.passwords.verify(user.passwordHash, password))) {
      const failures = user.failedLogins + 1;
      const over = failures - this.config.accounts.loginMaxFailures;
      const lockedUntil =
        over >= 0
          ? new Date(now.getTime() + Math.min(this.config.accounts.loginLockMs * 2 ** over, MAX_LOCK_MS))
          : null;
      await this.users.update({ id: user.id }, { failedLogins: failures, lockedUntil });
      await this.audit.record(actor, {
        action: 'auth.login',
        outcome: 'failure',
        objectType: 'user',
        objectId: user.id,
        details: { reason: 'wrong-password', failures, locked: lockedUntil !== null },
      });
      throw invalidCredentials();
    }
    await this.users.update({ id: user.id }, { failedLogins: 0, lockedUntil: null, lastLoginAt: now });
    const token = await this.sessions.create(user);
    await this.audit.record(actor, {
      action: 'auth.login',
      outcome: 'success',
      objectType: 'user',
      objectId: user.id,
    });
    return { user, token };
  }

  async changePassword(
    user: User,
    currentPassword: string,
    newPassword: string,
    keepTokenHash: string,
    ip: string,
  ): Promise<void> {
    const fresh = await this.users.findOneByOrFail({ id: user.id });
    if (!(await this.passwords.verify(fresh.passwordHash, currentPassword))) {
      throw new ProblemException(
        400,
        'wrong-current-password',
        'Password not changed',
        'The current password is not correct.',
        {
          errors: [{ field: 'currentPassword', message: 'The current password is not correct.' }],
        },
      );
    }
    if (currentPassword === newPassword) {
      throw badRequest('password-reused', 'Choose a new password that differs from the current one.', {
        errors: [{ field: 'newPassword', message: 'Must differ from the current password.' }],
      });
    }
    await this.users.update(
      { id: user.id },
      { passwordHash: await this.passwords.hash(newPassword), mustChangePassword: false },
    );
    // Other sessions may belong to whoever knew the old password.
    await this.sessions.destroyAllFor(user.id, keepTokenHash);
    await this.audit.record(
      { kind: 'user', userId: user.id, organisationId: user.organisationId, ip },
      { action: 'auth.password-changed', outcome: 'success', objectType: 'user', objectId: user.id },
    );
  }

  async listUsers(admin: User, organisationId?: string): Promise<UserView[]> {
    const orgId = this.scopeOrganisation(admin, organisationId);
    const list = await this.users.find({ where: { organisationId: orgId }, order: { email: 'ASC' } });
    return list.map((u) => this.toView(u));
  }

  async createUser(
    admin: User,
    input: { email: string; displayName: string; roles: Role[]; organisationId?: string },
    ip: string,
  ) {
    const orgId = this.scopeOrganisation(admin, input.organisationId);
    const organisation = await this.organisations.findOneBy({ id: orgId });
    if (!organisation) throw notFound('No such organisation.');
    const roles = [...new Set(input.roles)];
    this.checkRoles(admin, organisation, roles);
    const email = input.email.trim().toLowerCase();
    if (await this.users.existsBy({ email }))
      throw conflict('email-taken', 'A user with this email address already exists.');
    const password = temporaryPassword();
    const user = this.users.create({
      organisationId: orgId,
      email,
      displayName: input.displayName.trim(),
      roles,
      passwordHash: await this.passwords.hash(password),
      mustChangePassword: true,
      failedLogins: 0,
      lockedUntil: null,
      lastLoginAt: null,
    });
    await this.users.insert(user);
    const saved = await this.users.findOneByOrFail({ id: user.id });
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.created',
      outcome: 'success',
      objectType: 'user',
      objectId: user.id,
      organisationId: orgId,
      details: { roles: roles.join(',') },
    });
    return { user: this.toView(saved), temporaryPassword: password };
  }

  async deleteUser(admin: User, userId: string, ip: string): Promise<void> {
    const target = await this.findManaged(admin, userId);
    if (target.id === admin.id) throw badRequest('cannot-delete-self', 'You cannot delete your own account.');
    await this.users.delete({ id: target.id });
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.deleted',
      outcome: 'success',
      objectType: 'user',
      objectId: target.id,
      organisationId: target.organisationId,
    });
  }

  async resetPassword(admin: User, userId: string, ip: string): Promise<{ temporaryPassword: string }> {
    const target = await this.findManaged(admin, userId);
    const password = temporaryPassword();
    await this.users.update(
      { id: target.id },
      {
        passwordHash: await this.passwords.hash(password),
        mustChangePassword: true,
        failedLogins: 0,
        lockedUntil: null,
      },
    );
    await this.sessions.destroyAllFor(target.id);
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.password-reset',
      outcome: 'success',
      objectType: 'user',
      objectId: target.id,
      organisationId: target.organisationId,
    });
    return { temporaryPassword: password };
  }

  async listOrganisations(): Promise<Organisation[]> {
    return this.organisations.find({ order: { name: 'ASC' } });
  }

  async createOrganisation(
    admin: User,
    name: string,
    kind: Exclude<OrganisationKind, 'platform'>,
    ip: string,
  ): Promise<Organisation> {
    if (await this.organisations.existsBy({ name: name.trim() })) {
      throw conflict('organisation-exists', 'An organisation with this name already exists.');
    }
    const org = this.organisations.create({ name: name.trim(), kind });
    await this.organisations.insert(org);
    await this.audit.record(this.actor(admin, ip), {
      action: 'organisation.created',
      outcome: 'success',
      objectType: 'organisation',
      objectId: org.id,
      details: { kind },
    });
    return this.organisations.findOneByOrFail({ id: org.id });
  }

  /**
   * Creates the platform organisation (if needed) and a platform admin with a one-time password.
   * Used by the CLI and by the embedded profile's first start.
   */
  async createPlatformAdmin(
    email: string,
    displayName = 'Platform admin',
  ): Promise<{ user: User; temporaryPassword: string }> {
    const created = await this.dataSource.transaction(async (em) => {
      let platform = await em.findOneBy(Organisation, { kind: 'platform' });
      if (!platform) {
        platform = em.create(Organisation, { name: 'Veilig platform', kind: 'platform' });
        await em.insert(Organisation, platform);
      }
      const normalised = email.trim().toLowerCase();
      if (await em.existsBy(User, { email: normalised }))
        throw conflict('email-taken', `A user ${normalised} already exists.`);
      const password = temporaryPassword();
      const user = em.create(User, {
        organisationId: platform.id,
        email: normalised,
        displayName,
        roles: ['platform-admin', 'admin'] as Role[],
        passwordHash: await this.passwords.hash(password),
        mustChangePassword: true,
        failedLogins: 0,
        lockedUntil: null,
        lastLoginAt: null,
      });
      await em.insert(User, user);
      return { user, temporaryPassword: password };
    });
    await this.audit.record(
      { kind: 'system' },
      {
        action: 'user.created',
        outcome: 'success',
        objectType: 'user',
        objectId: created.user.id,
        organisationId: created.user.organisationId,
        details: { roles: 'platform-admin,admin' },
      },
    );
    return created;
  }

  async hasAnyUser(): Promise<boolean> {
    return (await this.users.count()) > 0;
  }

  toSessionUser(user: User): SessionUser {
    const org = user.organisation;
    if (!org) throw new Error('user loaded without organisation');
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      organisation: { id: org.id, name: org.name, kind: org.kind },
      mustChangePassword: user.mustChangePassword,
    };
  }

  private toView(u: User): UserView {
    return {
      id: u.id,
      email: u.email,
      displayName: u.displayName,
      roles: u.roles,
      organisationId: u.organisationId,
      mustChangePassword: u.mustChangePassword,
      locked: Boolean(u.lockedUntil && u.lockedUntil > this.clock.now()),
      createdAt: u.createdAt.toISOString(),
      lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    };
  }

  private isPlatformAdmin(user: User): boolean {
    return user.roles.includes('platform-admin');
  }

  /** Organisation admins act on their own organisation only; platform admins may name another one. */
  private scopeOrganisation(admin: User, requested?: string): string {
    if (!requested || requested === admin.organisationId) return admin.organisationId;
    if (!this.isPlatformAdmin(admin)) throw forbidden('You can only manage users of your own organisation.');
    return requested;
  }

  private async findManaged(admin: User, userId: string): Promise<User> {
    const target = await this.users.findOneBy({ id: userId });
    // Same answer for "absent" and "someone else's", so ids of other tenants cannot be probed.
    if (!target || (target.organisationId !== admin.organisationId && !this.isPlatformAdmin(admin)))
      throw notFound('No such user.');
    return target;
  }

  private checkRoles(admin: User, organisation: Organisation, roles: Role[]): void {
    if (roles.length === 0)
      throw badRequest('roles-required', 'Give the user at least one role.', {
        errors: [{ field: 'roles', message: 'At least one role.' }],
      });
    const allowed = ROLES_BY_KIND[organisation.kind];
    const wrong = roles.filter((r) => !allowed.includes(r));
    if (wrong.length) {
      throw badRequest(
        'role-not-allowed',
        `Role ${wrong.join(', ')} is not available in a ${organisation.kind} organisation.`,
        {
          errors: [{ field: 'roles', message: `Allowed here: ${allowed.join(', ')}` }],
        },
      );
    }
    if (roles.includes('platform-admin') && !this.isPlatformAdmin(admin))
      throw forbidden('Only platform admins can create platform admins.');
  }

  private actor(admin: User, ip: string): AuditActor {
    return { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip };
  }
}
