import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, type EntityManager } from 'typeorm';
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

/**
 * Roles with power over accounts. Nobody may create, change, reset, unlock or delete a user holding
 * one of them unless they hold it too: an organisation admin cannot take over a platform admin.
 */
const ACCOUNT_POWERS: Role[] = ['platform-admin', 'admin'];

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
    // The attempt is counted before the password is checked, so a burst of parallel guesses gets at
    // most `loginMaxFailures` checks before the lock.
    const failures = await this.countAttempt(user.id, now);
    if (failures === null) {
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
      await this.audit.record(actor, {
        action: 'auth.login',
        outcome: 'failure',
        objectType: 'user',
        objectId: user.id,
        details: {
          reason: 'wrong-password',
          failures,
          locked: failures >= this.config.accounts.loginMaxFailures,
        },
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
    await this.keepingAPlatformAdmin(target.id, async (em) => {
      await em.delete(User, { id: target.id });
    });
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.deleted',
      outcome: 'success',
      objectType: 'user',
      objectId: target.id,
      organisationId: target.organisationId,
    });
  }

  /** Changes a user's roles or name; the roles follow the same rules as at creation. */
  async updateUser(
    admin: User,
    userId: string,
    input: { displayName?: string; roles?: Role[] },
    ip: string,
  ): Promise<UserView> {
    const target = await this.findManaged(admin, userId);
    const changes: Partial<Pick<User, 'displayName' | 'roles'>> = {};
    if (input.displayName !== undefined) changes.displayName = input.displayName.trim();
    if (input.roles !== undefined) {
      const roles = [...new Set(input.roles)];
      const organisation = await this.organisations.findOneByOrFail({ id: target.organisationId });
      this.checkRoles(admin, organisation, roles);
      changes.roles = roles;
    }
    const update = (em: EntityManager) => em.update(User, { id: target.id }, changes);
    if (changes.roles && !changes.roles.includes('platform-admin'))
      await this.keepingAPlatformAdmin(target.id, update);
    else await update(this.dataSource.manager);
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.updated',
      outcome: 'success',
      objectType: 'user',
      objectId: target.id,
      organisationId: target.organisationId,
      details: {
        ...(changes.roles ? { roles: changes.roles.join(',') } : {}),
        name: 'displayName' in changes,
      },
    });
    return this.toView(await this.users.findOneByOrFail({ id: target.id }));
  }

  /** Ends a lock after failed sign-ins before it runs out. */
  async unlockUser(admin: User, userId: string, ip: string): Promise<UserView> {
    const target = await this.findManaged(admin, userId);
    await this.users.update({ id: target.id }, { failedLogins: 0, lockedUntil: null });
    await this.audit.record(this.actor(admin, ip), {
      action: 'user.unlocked',
      outcome: 'success',
      objectType: 'user',
      objectId: target.id,
      organisationId: target.organisationId,
    });
    return this.toView(await this.users.findOneByOrFail({ id: target.id }));
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
    this.checkPowersHeld(admin, target.roles);
    return target;
  }

  private checkPowersHeld(admin: User, roles: Role[]): void {
    const missing = roles.filter((r) => ACCOUNT_POWERS.includes(r) && !admin.roles.includes(r));
    if (missing.length)
      throw forbidden(
        `Only a user with the role ${missing.join(' and ')} can manage a user with that role.`,
        'power-not-held',
      );
  }

  /**
   * Runs a change that may take the platform-admin role from `userId` (deletion, new roles) and refuses
   * it when nobody else would hold that role. The platform organisation's row is locked on PostgreSQL,
   * so two admins removing each other at once cannot both succeed; SQLite runs transactions one by one.
   */
  private async keepingAPlatformAdmin(
    userId: string,
    change: (em: EntityManager) => Promise<unknown>,
  ): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const platform = em.createQueryBuilder(Organisation, 'o').where('o.kind = :kind', { kind: 'platform' });
      if (em.connection.options.type === 'postgres') platform.setLock('pessimistic_write');
      const organisation = await platform.getOne();
      const others = organisation
        ? (await em.findBy(User, { organisationId: organisation.id })).filter(
            (u) => u.id !== userId && u.roles.includes('platform-admin'),
          )
        : [];
      const target = await em.findOneBy(User, { id: userId });
      if (target?.roles.includes('platform-admin') && others.length === 0)
        throw conflict('last-platform-admin', 'This is the last platform admin; make another one first.');
      await change(em);
    });
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
    this.checkPowersHeld(admin, roles);
  }

  /**
   * Counts one sign-in attempt as a failure unless the account is locked, in one conditional UPDATE
   * (parallel attempts wait for each other's row lock), and locks the account when the count reaches
   * the limit. Returns the count, or null when the account is locked. A correct password resets it.
   */
  private async countAttempt(userId: string, now: Date): Promise<number | null> {
    return this.dataSource.transaction(async (em) => {
      const counted = await em
        .createQueryBuilder()
        .update(User)
        .set({ failedLogins: () => 'failed_logins + 1' })
        .where('id = :userId', { userId })
        .andWhere('(locked_until IS NULL OR locked_until <= :now)', { now })
        .execute();
      if (!counted.affected) return null;
      const { failedLogins } = await em.findOneOrFail(User, {
        select: { id: true, failedLogins: true },
        where: { id: userId },
      });
      const over = failedLogins - this.config.accounts.loginMaxFailures;
      if (over >= 0) {
        const lockMs = Math.min(this.config.accounts.loginLockMs * 2 ** over, MAX_LOCK_MS);
        await em.update(User, { id: userId }, { lockedUntil: new Date(now.getTime() + lockMs) });
      }
      return failedLogins;
    });
  }

  private actor(admin: User, ip: string): AuditActor {
    return { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip };
  }
}
