/**
 * The identity flow against a real, certified OpenID provider: panva's `oidc-provider` configured as
 * ID-porten (pairwise `sub`, `pid`, `acr` levels, private_key_jwt, single sign-on sessions, RP-initiated
 * logout), not only against our own simulator.
 */
import { BackendError } from '../mobile/backend-client';
import { ManualClock } from '../mobile/clock';
import { IdentityVerificationFlow } from '../mobile/identity-flow';
import { Phone } from '../mobile/phone';
import { DAY_MS } from '../src/protocol/gaen';
import { isoDay } from '../src/protocol/identity';
import { LabRegistrySimulator } from '../src/protocol/identity/simulators/lab-registry-simulator';
import type { TestIdentityKey } from '../src/protocol/identity/simulators/test-identities';
import { startApp, type TestApp } from './support/app';
import { APP_REDIRECT_URI, LAB_API_KEY, PUBLIC_URL, TestBrowser } from './support/identity';
import { startOidcProvider, type RealIdp } from './support/oidc-provider';
import { freshEnv, testName } from './support/profile';

describe('identity-based verification with oidc-provider as ID-porten', () => {
  let idp: RealIdp;
  let lab: LabRegistrySimulator;
  const apps: TestApp[] = [];

  const start = async (extra: Record<string, string> = {}) => {
    const t = await startApp({
      env: await freshEnv(testName(`app${apps.length}`), {
        PUBLIC_URL,
        ...idp.env,
        LAB_REGISTRY_URL: lab.url,
        LAB_REGISTRY_API_KEY: LAB_API_KEY,
        ...extra,
      }),
      listen: true,
    });
    apps.push(t);
    const { port } = t.app.getHttpServer().address() as { port: number };
    return `http://127.0.0.1:${port}`;
  };
  const verify = async (
    base: string,
    browser: TestBrowser,
    who: TestIdentityKey | 'cancel',
    fields: Record<string, string> = {},
  ) => {
    const flow = new IdentityVerificationFlow(base, APP_REDIRECT_URI);
    const pending = flow.begin({ identityLookup: true });
    return flow.complete(pending, await browser.open(pending.authorizationUrl, who, fields));
  };

  beforeAll(async () => {
    idp = await startOidcProvider();
    lab = await LabRegistrySimulator.start({ apiKey: LAB_API_KEY });
  });
  afterAll(async () => {
    await Promise.all(apps.map((t) => t.close()));
    await idp.close();
    await lab.close();
  });

  it('logs in with PKCE and private_key_jwt at a high level over a substantial minimum, logs out at the provider, and uploads with the token', async () => {
    const base = await start();
    const browser = new TestBrowser(base);
    const auth = await verify(base, browser, 'positive');
    expect(auth.sampleDate).toBe(isoDay(Date.now() - 3 * DAY_MS));
    // The provider's end-session endpoint was visited, and confirmed, before the app got its code.
    expect(browser.visited).toEqual(
      expect.arrayContaining([
        '/auth',
        '/session/end',
        '/session/end/confirm',
        '/api/v1/identity/logged-out',
      ]),
    );
    const phone = Phone.create({ id: 'A', clock: new ManualClock(Date.now()) });
    for (let day = 0; day < 14; day++) phone.tekAt(Date.now() - day * DAY_MS);
    const uploaded = await new IdentityVerificationFlow(base, APP_REDIRECT_URI).upload(phone, auth, {
      onsetDate: null,
    });
    expect(uploaded.insertedKeys).toBeGreaterThan(0);
  });

  it.each([
    ['with the logout', {}],
    ['with prompt=login alone (logout off)', { IDENTITY_OIDC_LOGOUT: 'false' }],
  ])(
    'in one browser, a second verification is a new login and comes back as the second person (%s)',
    async (_how, extra: Record<string, string>) => {
      const base = await start(extra);
      const browser = new TestBrowser(base);
      await expect(verify(base, browser, 'positive')).resolves.toMatchObject({
        sampleDate: isoDay(Date.now() - 3 * DAY_MS),
      });
      await expect(verify(base, browser, 'positive-2')).resolves.toMatchObject({
        sampleDate: isoDay(Date.now() - 2 * DAY_MS),
      });
      // The login page was shown both times.
      expect(browser.visited.filter((p) => /^\/interaction\/[\w-]+$/.test(p))).toHaveLength(2);
    },
  );

  it('refuses a login below the minimum level, and a cancelled one, with the documented answers', async () => {
    const base = await start();
    const low = await verify(base, new TestBrowser(base), 'positive-3', { acr: 'idporten-loa-low' }).catch(
      (e: unknown) => e as BackendError,
    );
    expect(low).toMatchObject({
      status: 401,
      slug: 'identity-login-failed',
      problem: { reason: 'login-failed' },
    });
    const cancelled = await verify(base, new TestBrowser(base), 'cancel').catch(
      (e: unknown) => e as BackendError,
    );
    expect(cancelled).toMatchObject({
      status: 401,
      slug: 'identity-login-failed',
      problem: { reason: 'login-cancelled' },
    });
  });
});
