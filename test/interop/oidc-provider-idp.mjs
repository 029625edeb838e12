/**
 * panva's certified `oidc-provider` set up as ID-porten presents itself to a client, in its own process
 * (the library is an ES module that jest on Node 20 cannot load). Started by test/support/oidc-provider.ts:
 * reads its setup from OIDC_PROVIDER_SETUP (JSON) and prints `{"issuer": …}` once it listens on loopback.
 *
 * As ID-porten: authorization code flow with PKCE S256 only, pairwise `sub` per client, the national
 * identifier in `pid`, levels of assurance `idporten-loa-*` in `acr`, `auth_time` in the ID token, the
 * RFC 9207 `iss` on the redirect, private_key_jwt client authentication, single sign-on sessions and
 * RP-initiated logout at `end_session_endpoint`. The login page lists the test identities; the level a
 * person logs in at is a hidden field (default high, as with BankID).
 */
import { exportJWK, generateKeyPair } from 'jose';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const setup = JSON.parse(process.env.OIDC_PROVIDER_SETUP ?? '{}');
/** @type {{ key: string; label: string; nationalIdentifier: string }[]} */
const people = setup.people;
const pairwiseSecret = randomBytes(32);
const LEVELS = ['idporten-loa-low', 'idporten-loa-substantial', 'idporten-loa-high'];

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: setup.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [setup.clientPublicJwk] },
      redirect_uris: [setup.redirectUri],
      post_logout_redirect_uris: [setup.postLogoutRedirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      subject_type: 'pairwise',
      id_token_signed_response_alg: 'RS256',
      require_auth_time: true,
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'idporten-test' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { methods: ['S256'], required: () => true },
  acrValues: LEVELS,
  subjectTypes: ['pairwise'],
  pairwiseIdentifier: (_ctx, accountId, client) =>
    createHmac('sha256', pairwiseSecret).update(`${client.clientId}\n${accountId}`).digest('base64url'),
  claims: { openid: ['sub', 'pid'] },
  // ID-porten puts `pid` in the ID token itself, not only behind the userinfo endpoint.
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, pid: id }) }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // A first-party client: the grant for openid and pid is given with the login, no consent screen.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid');
    grant.addOIDCClaims(['pid']);
    await grant.save();
    return grant;
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // The user confirms the logout (the form carries oidc-provider's xsrf token).
      logoutSource: (ctx, form) => {
        ctx.body = page(
          '<h1>Log out?</h1>' +
            form.replace(
              '</form>',
              '<input type="hidden" name="logout" value="yes"/><button>Log out</button></form>',
            ),
        );
      },
    },
  },
  ttl: { Session: 3600, Interaction: 600, AuthorizationCode: 60, IdToken: 120, AccessToken: 120 },
});

const callback = provider.callback();
server.on('request', (req, res) => {
  const match = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return callback(req, res);
  interaction(req, res, match[2]).catch((e) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
  });
});

async function interaction(req, res, action) {
  const details = await provider.interactionDetails(req, res);
  if (!action) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    const forms = people
      .map(
        (p) =>
          `<form method="post" action="/interaction/${details.uid}/login"><input type="hidden" name="identity" value="${p.key}"><input type="hidden" name="acr" value="idporten-loa-high"><button>${p.label}</button></form>`,
      )
      .join('\n');
    return res.end(
      page(
        `<h1>ID-porten (oidc-provider)</h1>${forms}<form method="post" action="/interaction/${details.uid}/abort"><input type="hidden" name="cancel" value="1"><button>Cancel</button></form>`,
      ),
    );
  }
  const form = new URLSearchParams(await body(req));
  if (action === '/abort')
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
  const person = people.find((p) => p.key === form.get('identity'));
  const acr = form.get('acr');
  if (!person || !LEVELS.includes(acr)) return res.writeHead(400).end('unknown identity or level');
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId: person.nationalIdentifier, acr, amr: ['TestID'] } },
    { mergeWithLastSubmission: false },
  );
}

function body(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function page(html) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ID-porten (test)</title></head><body>${html}</body></html>`;
}

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
