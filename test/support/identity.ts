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
 * Opens `url` like a system browser: follows redirects (the app's public URL is routed to `appOrigin`),
 * on the simulator's login page submits the form of `choice`, and returns the URL that leaves for the
 * app's redirect URI. Any other page is an error.
 */
export async function browse(
  url: string,
  choice: TestIdentityKey | 'cancel',
  appOrigin: string,
): Promise<string> {
  let next = url;
  let init: RequestInit = {};
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(APP_REDIRECT_URI)) return next;
    const target = next.startsWith(PUBLIC_URL) ? appOrigin + next.slice(PUBLIC_URL.length) : next;
    const res = await fetch(target, { ...init, redirect: 'manual' });
    init = {};
    if (res.status >= 300 && res.status < 400) {
      next = new URL(res.headers.get('location')!, target).toString();
      continue;
    }
    const body = await res.text();
    const request = /name="request" value="([^"]+)"/.exec(body)?.[1];
    if (res.status !== 200 || !request)
      throw new Error(`browser stopped at ${new URL(target).pathname}: ${res.status} ${body.slice(0, 300)}`);
    const form = new URLSearchParams({
      request,
      ...(choice === 'cancel' ? { cancel: '1' } : { identity: choice }),
    });
    next = new URL('/authorize/decision', target).toString();
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    };
  }
  throw new Error('too many redirects');
}
