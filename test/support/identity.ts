/**
 * Helpers for the identity-verification e2e tests: the identity-provider and lab-registry simulators on
 * loopback, and a minimal "system browser" that follows redirects and clicks on the simulator's login page.
 */
import { LabRegistrySimulator } from '../../src/protocol/identity/simulators/lab-registry-simulator';
import { OidcProviderSimulator } from '../../src/protocol/identity/simulators/oidc-provider-simulator';
import type { TestIdentityKey } from '../../src/protocol/identity/simulators/test-identities';

export const APP_REDIRECT_URI = 'nl.veilig.app:/identity-callback';
export const PUBLIC_URL = 'http://veilig.localhost:3000';
export const OIDC_CLIENT = { clientId: 'veilig-test', clientSecret: 'test-only-oidc-client-secret-000' };
export const LAB_API_KEY = 'test-only-lab-registry-key-00000';

export interface IdentitySims {
  idp: OidcProviderSimulator;
  lab: LabRegistrySimulator;
  /** Env for an app that uses these simulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startIdentitySimulators(): Promise<IdentitySims> {
  const idp = await OidcProviderSimulator.start({
    clients: [{ ...OIDC_CLIENT, redirectUris: [`${PUBLIC_URL}/api/v1/identity/callback`] }],
  });
  const lab = await LabRegistrySimulator.start({ apiKey: LAB_API_KEY });
  return {
    idp,
    lab,
    env: {
      PUBLIC_URL,
      IDENTITY_OIDC_ISSUER: idp.issuer,
      IDENTITY_OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
      IDENTITY_OIDC_CLIENT_SECRET: OIDC_CLIENT.clientSecret,
      IDENTITY_OIDC_MIN_ACR: 'idporten-loa-substantial',
      LAB_REGISTRY_URL: lab.url,
      LAB_REGISTRY_API_KEY: LAB_API_KEY,
      LAB_REGISTRY_TIMEOUT_MS: '700',
    },
    close: async () => {
      await idp.close();
      await lab.close();
    },
  };
}

/**
 * A minimal system browser: follows redirects (the app's public URL is routed to `appOrigin`), keeps
 * cookies per host like a real browser (so an identity provider's single sign-on session survives from
 * one login to the next), and on a page submits the form a user would choose: the test identity's, the
 * cancel form, or the only form there is (a logout confirmation). It stops at the app's redirect URI.
 */
export class TestBrowser {
  /** Paths of every request made, in order (e.g. to see that the provider's logout was visited). */
  readonly visited: string[] = [];
  private readonly cookies = new Map<string, Map<string, string>>();

  constructor(
    private readonly appOrigin: string,
    /** Where the login returns to the app; an http (loopback) one is delivered to the app's listener. */
    private readonly appRedirectUri = APP_REDIRECT_URI,
  ) {}

  /** Opens `url` and returns the URL that leaves for the app's redirect URI. */
  async open(
    url: string,
    choice: TestIdentityKey | 'cancel',
    fields: Record<string, string> = {},
  ): Promise<string> {
    let next = url;
    let init: RequestInit = {};
    for (let hop = 0; hop < 20; hop++) {
      if (next.startsWith(this.appRedirectUri)) {
        if (next.startsWith('http')) await this.fetch(next, {});
        return next;
      }
      const target = next.startsWith(PUBLIC_URL) ? this.appOrigin + next.slice(PUBLIC_URL.length) : next;
      const res = await this.fetch(target, init);
      init = {};
      if (res.status >= 300 && res.status < 400) {
        next = new URL(res.headers.get('location')!, target).toString();
        continue;
      }
      const body = await res.text();
      const forms = [...body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
        action: m[1].replace(/&amp;/g, '&'),
        fields: Object.fromEntries(
          [...m[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((i) => [i[1], i[2]]),
        ),
      }));
      const form =
        choice === 'cancel'
          ? forms.find((f) => f.fields.cancel)
          : (forms.find((f) => f.fields.identity === choice) ?? (forms.length === 1 ? forms[0] : undefined));
      if (res.status !== 200 || !form)
        throw new Error(
          `browser stopped at ${new URL(target).pathname}: ${res.status} ${body.slice(0, 300)}`,
        );
      next = new URL(form.action, target).toString();
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form.fields, ...(form.fields.identity ? fields : {}) }).toString(),
      };
    }
    throw new Error('too many redirects');
  }

  private async fetch(target: string, init: RequestInit): Promise<Response> {
    const url = new URL(target);
    this.visited.push(url.pathname);
    const jar = this.cookies.get(url.host) ?? new Map<string, string>();
    this.cookies.set(url.host, jar);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, value] = [
        pair.slice(0, pair.indexOf('=')).trim(),
        pair.slice(pair.indexOf('=') + 1).trim(),
      ];
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now(),
      );
      if (expired || !value) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
}

/** Opens `url` in a fresh browser (no cookies) and returns the URL that leaves for the app. */
export function browse(url: string, choice: TestIdentityKey | 'cancel', appOrigin: string): Promise<string> {
  return new TestBrowser(appOrigin).open(url, choice);
}
