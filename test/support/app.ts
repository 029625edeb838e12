/**
 * Boots the real application for e2e tests (supertest) and browser tests (a listening server).
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import request, { type Test } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app.factory';
import type { AppModuleOptions } from '../../src/app.module';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { AccountsService } from '../../src/modules/accounts/accounts.service';
import type { Role } from '../../src/shared/api-contract';
import { freshEnv, testName } from './profile';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  env: Record<string, string>;
  http: () => TestAgent;
  close(): Promise<void>;
}

export async function startApp(
  options: { env?: Record<string, string>; name?: string; module?: AppModuleOptions; listen?: boolean } = {},
): Promise<TestApp> {
  const env = options.env ?? (await freshEnv(options.name ?? testName()));
  const config = loadConfig(env);
  const app = await createApp(config, options.module);
  try {
    if (options.listen) await app.listen(0, '127.0.0.1');
    else await app.init();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  return {
    app,
    config,
    env,
    http: () => request.agent(app.getHttpServer()),
    close: () => app.close(),
  };
}

/** A signed-in browser-like client: keeps cookies and echoes the CSRF token like the portal does. */
export async function signedInAgent(t: TestApp, email: string, password: string) {
  const agent = t.http();
  const csrf = (await agent.get('/api/auth/csrf').expect(200)).body as { token: string };
  const login = await agent.post('/api/auth/login').set('X-XSRF-TOKEN', csrf.token).send({ email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const token = /XSRF-TOKEN=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] ?? csrf.token;
  return { agent, csrf: token, user: login.body };
}

/** Creates a user directly through the service, optionally with the temporary password already changed. */
export async function createUser(
  t: TestApp,
  input: {
    email: string;
    roles: Role[];
    organisation?: { name: string; kind: 'gp-practice' | 'municipality' | 'health-authority' };
  },
): Promise<{ email: string; password: string; id: string; organisationId: string }> {
  const accounts = t.app.get(AccountsService);
  const { user: platformAdmin } = await ensurePlatformAdmin(t);
  let organisationId = platformAdmin.organisationId;
  if (input.organisation) {
    const existing = (await accounts.listOrganisations()).find((o) => o.name === input.organisation!.name);
    organisationId =
      existing?.id ??
      (
        await accounts.createOrganisation(
          platformAdmin,
          input.organisation.name,
          input.organisation.kind,
          'test',
        )
      ).id;
  }
  const created = await accounts.createUser(
    platformAdmin,
    { email: input.email, displayName: input.email.split('@')[0], roles: input.roles, organisationId },
    'test',
  );
  return { email: input.email, password: created.temporaryPassword, id: created.user.id, organisationId };
}

const platformAdmins = new WeakMap<
  TestApp,
  { user: import('../../src/modules/accounts/entities/user.entity').User; password: string }
>();

export async function ensurePlatformAdmin(t: TestApp) {
  let admin = platformAdmins.get(t);
  if (!admin) {
    const created = await t.app
      .get(AccountsService)
      .createPlatformAdmin(`platform-${Date.now()}@veilig.test`);
    admin = { user: created.user, password: created.temporaryPassword };
    platformAdmins.set(t, admin);
  }
  return admin;
}

/** For the browser tests: a listening server with the built portals. */
export async function startTestServer() {
  const t = await startApp({ listen: true });
  const address = t.app.getHttpServer().address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    app: t,
    close: () => t.close(),
    createAdmin: async () => {
      const admin = await ensurePlatformAdmin(t);
      return { email: admin.user.email, password: admin.password };
    },
  };
}

/** Keeps a binary answer as one Buffer: `.buffer(true).parse(binaryBody)` on a supertest request. */
export const binaryBody: Exclude<Parameters<Test['parse']>[0], (text: string) => unknown> = (res, done) => {
  const stream = res as unknown as NodeJS.ReadableStream; // in Node, superagent hands over the message
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};
