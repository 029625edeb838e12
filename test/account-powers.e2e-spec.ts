import { DataSource } from 'typeorm';
import { AccountsService } from '../src/modules/accounts/accounts.service';
import { User } from '../src/modules/accounts/entities/user.entity';
import { PasswordService } from '../src/modules/accounts/password.service';
import type { Role } from '../src/shared/api-contract';
import { createUser, ensurePlatformAdmin, signedInAgent, startApp, type TestApp } from './support/app';
import { freshEnv, testName } from './support/profile';

/**
 * Who may act on whom: nobody manages a user who holds an account power (admin, platform admin) they
 * do not hold themselves, the last platform admin stays, and parallel wrong passwords lock the account
 * after exactly LOGIN_MAX_FAILURES checks.
 */
describe('account powers and lockout', () => {
  let t: TestApp;
  let users = 0;

  beforeAll(async () => {
    // Many sign-ins from one address in a minute: the per-IP limit is not under test here.
    t = await startApp({ env: await freshEnv(testName(), { LOGIN_IP_LIMIT_PER_MINUTE: '1000' }) });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** A signed-in user whose temporary password has been changed. */
  async function signedIn(roles: Role[], organisation?: { name: string; kind: 'gp-practice' }) {
    const u = await createUser(t, { email: `user${users++}@powers.test`, roles, organisation });
    const s = await signedInAgent(t, u.email, u.password);
    await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: u.password, newPassword: 'a long and fresh password' })
      .expect(204);
    const send = (method: 'post' | 'patch' | 'delete', path: string, body?: object) =>
      s.agent[method](path).set('X-XSRF-TOKEN', s.csrf).send(body);
    return { ...u, agent: s.agent, send };
  }

  it('refuses every admin route on a user holding a power the admin lacks', async () => {
    const platformAdmin = (await ensurePlatformAdmin(t)).user;
    const orgAdmin = await signedIn(['admin']); // an admin in the platform organisation
    const routes: [string, () => Promise<{ status: number; body: { type?: string } }>][] = [
      ['reset-password', () => orgAdmin.send('post', `/api/admin/users/${platformAdmin.id}/reset-password`)],
      ['unlock', () => orgAdmin.send('post', `/api/admin/users/${platformAdmin.id}/unlock`)],
      [
        'change roles',
        () => orgAdmin.send('patch', `/api/admin/users/${platformAdmin.id}`, { roles: ['admin'] }),
      ],
      ['rename', () => orgAdmin.send('patch', `/api/admin/users/${platformAdmin.id}`, { displayName: 'x' })],
      ['delete', () => orgAdmin.send('delete', `/api/admin/users/${platformAdmin.id}`)],
      [
        'create a platform admin',
        () =>
          orgAdmin.send('post', '/api/admin/users', {
            email: 'climber@powers.test',
            displayName: 'Climber',
            roles: ['platform-admin', 'admin'],
          }),
      ],
    ];
    for (const [label, call] of routes) {
      const res = await call();
      expect([label, res.status, res.body.type]).toEqual([
        label,
        403,
        'https://veilig.dev/problems/power-not-held',
      ]);
    }
    const stored = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: platformAdmin.id });
    expect(stored.passwordHash).toBe(platformAdmin.passwordHash);
    expect(stored.roles).toEqual(['platform-admin', 'admin']);
  });

  it('lets an admin manage users whose powers they hold, in their organisation', async () => {
    const practice = { name: 'Praktijk Powers', kind: 'gp-practice' as const };
    const practiceAdmin = await signedIn(['admin'], practice);
    const clinician = await signedIn(['clinician'], practice);
    const other = await signedIn(['admin', 'clinician'], practice);
    const renamed = await practiceAdmin.send('patch', `/api/admin/users/${clinician.id}`, {
      displayName: 'Dr. Jansen',
      roles: ['clinician', 'admin'],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ displayName: 'Dr. Jansen', roles: ['clinician', 'admin'] });
    const agentRole = await practiceAdmin.send('patch', `/api/admin/users/${clinician.id}`, {
      roles: ['agent'],
    });
    expect(agentRole.status).toBe(400);
    expect(agentRole.body.type).toMatch(/role-not-allowed$/);
    await practiceAdmin.send('post', `/api/admin/users/${other.id}/reset-password`).expect(200);
    await practiceAdmin.send('post', `/api/admin/users/${other.id}/unlock`).expect(200);
    await practiceAdmin.send('delete', `/api/admin/users/${other.id}`).expect(204);
    const audit = (await practiceAdmin.agent.get('/api/admin/audit').expect(200)).body as {
      action: string;
    }[];
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['user.updated', 'user.unlocked']));
  });

  it('keeps the last platform admin, also when two remove each other at once', async () => {
    const accounts = t.app.get(AccountsService);
    const first = (await ensurePlatformAdmin(t)).user;
    const others = (await accounts.listUsers(first)).filter(
      (u) => u.roles.includes('platform-admin') && u.id !== first.id,
    );
    for (const u of others) await accounts.deleteUser(first, u.id, 'test');
    await expect(accounts.updateUser(first, first.id, { roles: ['admin'] }, 'test')).rejects.toMatchObject({
      slug: 'last-platform-admin',
    });

    const second = await accounts.createPlatformAdmin('second-platform@powers.test');
    const results = await Promise.allSettled([
      accounts.deleteUser(first, second.user.id, 'test'),
      accounts.deleteUser(second.user, first.id, 'test'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const left = (await t.app.get(DataSource).getRepository(User).find()).filter((u) =>
      u.roles.includes('platform-admin'),
    );
    expect(left).toHaveLength(1);
  });

  it('checks at most LOGIN_MAX_FAILURES passwords of a burst of parallel guesses', async () => {
    const u = await createUser(t, { email: 'burst@powers.test', roles: ['admin'] });
    const verify = jest.spyOn(t.app.get(PasswordService), 'verify');
    const agent = t.http();
    const { token } = (await agent.get('/api/auth/csrf')).body as { token: string };
    const guesses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        agent
          .post('/api/auth/login')
          .set('X-XSRF-TOKEN', token)
          .send({ email: u.email, password: `guess number ${i}` }),
      ),
    );
    expect(guesses.every((g) => g.status === 401)).toBe(true);
    // burn() also calls verify, against a dummy hash, to spend the same time on a locked account.
    const { passwordHash } = await t.app.get(DataSource).getRepository(User).findOneByOrFail({ id: u.id });
    const checked = verify.mock.calls.filter(([hash]) => hash === passwordHash);
    expect(checked).toHaveLength(t.config.accounts.loginMaxFailures);
    const right = await agent
      .post('/api/auth/login')
      .set('X-XSRF-TOKEN', token)
      .send({ email: u.email, password: u.password });
    expect(right.status).toBe(401);
  });
});
