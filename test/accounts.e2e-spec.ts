import { AccountsService } from '../src/modules/accounts/accounts.service';
import { createUser, ensurePlatformAdmin, signedInAgent, startApp, type TestApp } from './support/app';

describe('accounts (portal sign-in, admin user management, audit)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  async function adminWithChangedPassword() {
    const { user, password } = await ensurePlatformAdmin(t);
    const s = await signedInAgent(t, user.email, password);
    if (s.user.mustChangePassword) {
      await s.agent
        .post('/api/auth/change-password')
        .set('X-XSRF-TOKEN', s.csrf)
        .send({ currentPassword: password, newPassword: 'a much longer password 1' })
        .expect(204);
      (await ensurePlatformAdmin(t)).password = 'a much longer password 1';
    }
    return s;
  }

  it('refuses a state-changing request without the CSRF header', async () => {
    const res = await t.http().post('/api/auth/login').send({ email: 'x@y.nl', password: 'whatever' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.type).toMatch(/problems\/csrf$/);
  });

  it('answers a wrong password and an unknown account alike', async () => {
    const agent = t.http();
    const { token } = (await agent.get('/api/auth/csrf')).body;
    const { user } = await ensurePlatformAdmin(t);
    const wrong = await agent
      .post('/api/auth/login')
      .set('X-XSRF-TOKEN', token)
      .send({ email: user.email, password: 'nope' });
    const unknown = await agent
      .post('/api/auth/login')
      .set('X-XSRF-TOKEN', token)
      .send({ email: 'nobody@veilig.test', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toEqual(unknown.body.detail);
  });

  it('validates bodies: unknown fields and bad emails are 400 with field errors', async () => {
    const agent = t.http();
    const { token } = (await agent.get('/api/auth/csrf')).body;
    const res = await agent
      .post('/api/auth/login')
      .set('X-XSRF-TOKEN', token)
      .send({ email: 'not-an-email', password: 'x', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['admin', 'email']);
  });

  it('forces a temporary password to be changed before anything else', async () => {
    const u = await createUser(t, {
      email: 'clin@practice.test',
      roles: ['clinician'],
      organisation: { name: 'Practice A', kind: 'gp-practice' },
    });
    const s = await signedInAgent(t, u.email, u.password);
    expect(s.user.mustChangePassword).toBe(true);
    await s.agent.get('/api/auth/me').expect(200);
    const blocked = await s.agent.get('/api/admin/users');
    expect(blocked.status).toBe(403);
    expect(blocked.body.type).toMatch(/password-change-required$/);
    const short = await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: u.password, newPassword: 'short' });
    expect(short.status).toBe(400);
    const wrong = await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: 'wrong', newPassword: 'a long enough password' });
    expect(wrong.status).toBe(400);
    await s.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', s.csrf)
      .send({ currentPassword: u.password, newPassword: 'a long enough password' })
      .expect(204);
    expect((await s.agent.get('/api/auth/me')).body.mustChangePassword).toBe(false);
  });

  it('lets an admin create, list, reset and delete users of their own organisation only', async () => {
    const admin = await adminWithChangedPassword();
    const orgs = (await admin.agent.get('/api/admin/organisations').expect(200)).body as {
      id: string;
      name: string;
    }[];
    const created = await admin.agent
      .post('/api/admin/organisations')
      .set('X-XSRF-TOKEN', admin.csrf)
      .send({ name: 'Gemeente Nijmegen', kind: 'municipality' })
      .expect(201);
    expect(orgs.length).toBeGreaterThan(0);
    const muniId = created.body.id as string;

    const wrongRole = await admin.agent
      .post('/api/admin/users')
      .set('X-XSRF-TOKEN', admin.csrf)
      .send({
        email: 'agent@nijmegen.test',
        displayName: 'Agent',
        roles: ['clinician'],
        organisationId: muniId,
      });
    expect(wrongRole.status).toBe(400);
    expect(wrongRole.body.type).toMatch(/role-not-allowed$/);

    const muniAdmin = await admin.agent
      .post('/api/admin/users')
      .set('X-XSRF-TOKEN', admin.csrf)
      .send({
        email: 'Beheer@Nijmegen.test',
        displayName: 'Beheerder',
        roles: ['admin'],
        organisationId: muniId,
      })
      .expect(201);
    expect(muniAdmin.body.user.email).toBe('beheer@nijmegen.test');
    expect(muniAdmin.body.temporaryPassword).toMatch(/^[\w]{4}-[\w]{4}-[\w]{4}-[\w]{4}$/);

    const dup = await admin.agent
      .post('/api/admin/users')
      .set('X-XSRF-TOKEN', admin.csrf)
      .send({
        email: 'beheer@nijmegen.test',
        displayName: 'Again',
        roles: ['admin'],
        organisationId: muniId,
      });
    expect(dup.status).toBe(409);

    // The municipality admin manages agents of their own municipality.
    const m = await signedInAgent(t, 'beheer@nijmegen.test', muniAdmin.body.temporaryPassword);
    await m.agent
      .post('/api/auth/change-password')
      .set('X-XSRF-TOKEN', m.csrf)
      .send({ currentPassword: muniAdmin.body.temporaryPassword, newPassword: 'nijmegen beheer 2026' })
      .expect(204);
    const agentUser = await m.agent
      .post('/api/admin/users')
      .set('X-XSRF-TOKEN', m.csrf)
      .send({ email: 'agent@nijmegen.test', displayName: 'Agent', roles: ['agent'] })
      .expect(201);
    const list = (await m.agent.get('/api/admin/users').expect(200)).body as { email: string }[];
    expect(list.map((u) => u.email).sort()).toEqual(['agent@nijmegen.test', 'beheer@nijmegen.test']);
    await m.agent.get('/api/admin/organisations').expect(403);
    await m.agent.get(`/api/admin/users?organisationId=${orgs[0].id}`).expect(403);
    const platformUserId = (await ensurePlatformAdmin(t)).user.id;
    await m.agent.delete(`/api/admin/users/${platformUserId}`).set('X-XSRF-TOKEN', m.csrf).expect(404);
    await m.agent.delete('/api/admin/users/not-a-uuid').set('X-XSRF-TOKEN', m.csrf).expect(400);

    const reset = await m.agent
      .post(`/api/admin/users/${agentUser.body.user.id}/reset-password`)
      .set('X-XSRF-TOKEN', m.csrf)
      .expect(200);
    await signedInAgent(t, 'agent@nijmegen.test', reset.body.temporaryPassword);
    await m.agent
      .delete(`/api/admin/users/${agentUser.body.user.id}`)
      .set('X-XSRF-TOKEN', m.csrf)
      .expect(204);
    await expect(signedInAgent(t, 'agent@nijmegen.test', reset.body.temporaryPassword)).rejects.toThrow(
      /401/,
    );

    const audit = (await m.agent.get('/api/admin/audit').expect(200)).body as { action: string }[];
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.password-reset', 'user.deleted']),
    );
  });

  it('locks an account after repeated failures, even for the right password', async () => {
    const u = await createUser(t, {
      email: 'lock@practice.test',
      roles: ['clinician'],
      organisation: { name: 'Practice A', kind: 'gp-practice' },
    });
    const agent = t.http();
    const { token } = (await agent.get('/api/auth/csrf')).body;
    for (let i = 0; i < t.config.accounts.loginMaxFailures; i++) {
      await agent
        .post('/api/auth/login')
        .set('X-XSRF-TOKEN', token)
        .send({ email: u.email, password: `wrong-${i}` })
        .expect(401);
    }
    await agent
      .post('/api/auth/login')
      .set('X-XSRF-TOKEN', token)
      .send({ email: u.email, password: u.password })
      .expect(401);
    const view = (
      await t.app.get(AccountsService).listUsers((await ensurePlatformAdmin(t)).user, u.organisationId)
    ).find((x) => x.email === u.email);
    expect(view?.locked).toBe(true);
  });

  it('ends the session on logout', async () => {
    const u = await createUser(t, {
      email: 'bye@practice.test',
      roles: ['clinician'],
      organisation: { name: 'Practice A', kind: 'gp-practice' },
    });
    const s = await signedInAgent(t, u.email, u.password);
    await s.agent.post('/api/auth/logout').set('X-XSRF-TOKEN', s.csrf).expect(204);
    await s.agent.get('/api/auth/me').expect(401);
  });
});
