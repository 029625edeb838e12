/**
 * The federation gateway as production runs it: two instances behind Debian's nginx with the
 * configuration in deploy/nginx/ (ports, paths and upstreams substituted). Members connect with their
 * real client certificates; nginx passes each certificate's SHA-256 and DN with the proxy secret, and
 * whatever certificate headers a client sends itself never reach the gateway.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackendClient } from '../mobile/backend-client';
import { CertificateRegistry } from '../src/modules/federation/gateway/certificate-registry.service';
import { GatewayBatchingService } from '../src/modules/federation/gateway/gateway-batching.service';
import { MemberDownloadService } from '../src/modules/federation/member/member-download.service';
import { MemberUploadService } from '../src/modules/federation/member/member-upload.service';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { formatUtcDay } from '../src/protocol/efgs';
import { startApp, type TestApp } from './support/app';
import {
  countryCertificate,
  createTrustAnchor,
  QUIET,
  type TestCertificate,
  type TrustAnchor,
} from './support/federation-pki';
import { aMeetsB } from './support/gaen';
import { httpsGet, startNginx, type NginxProxy } from './support/nginx';
import { freshEnv, sharedEnv, testName } from './support/profile';
import { createTestCa, type TestCa } from './support/test-ca';

// EFGS's answers (docs/protocols/efgs.md §A6): no certificate at all, and one the registry does not know.
const FORBIDDEN = { status: 403, body: { message: 'Forbidden' } };
const NOT_AUTHORIZED = { status: 403, body: { message: 'Client is not authorized to access the service' } };
const port = (t: TestApp) => (t.app.getHttpServer().address() as { port: number }).port;

describe('federation gateway behind nginx with mutual TLS', () => {
  let dir: string;
  let edge: TestCa;
  let anchor: TrustAnchor;
  let noAuth: TestCertificate, noSign: TestCertificate, frAuth: TestCertificate, frSign: TestCertificate;
  let stranger: TestCertificate;
  let gateways: TestApp[];
  let no: TestApp, fr: TestApp;
  let nginx: NginxProxy;
  let ca: string;
  const apps: TestApp[] = [];
  const proxySecret = randomBytes(32).toString('base64');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veilig-nginx-'));
    edge = createTestCa(dir, 'edge');
    anchor = createTrustAnchor(dir);
    [noAuth, noSign, frAuth, frSign, stranger] = await Promise.all([
      countryCertificate(dir, 'no-auth', 'NO', 'AUTHENTICATION'),
      countryCertificate(dir, 'no-sign', 'NO', 'SIGNING'),
      countryCertificate(dir, 'fr-auth', 'FR', 'AUTHENTICATION'),
      countryCertificate(dir, 'fr-sign', 'FR', 'SIGNING'),
      countryCertificate(dir, 'stranger', 'FR', 'AUTHENTICATION'),
    ]);
    const gatewayEnv = await freshEnv(testName('gw'), {
      ...QUIET,
      FEDERATION_ROLES: 'gateway',
      FEDERATION_TRUST_ANCHOR: anchor.publicKeyFile,
      TRUST_PROXY: 'true',
      FEDERATION_PROXY_CERT_HEADERS: 'true',
      FEDERATION_PROXY_ADDRESSES: '127.0.0.1',
      FEDERATION_PROXY_SECRET: proxySecret,
    });
    gateways = [
      await startApp({ env: gatewayEnv, listen: true }),
      await startApp({ env: sharedEnv(gatewayEnv), listen: true }),
    ];
    apps.push(...gateways);
    for (const [cert, type] of [
      [noAuth, 'AUTHENTICATION'],
      [noSign, 'SIGNING'],
      [frAuth, 'AUTHENTICATION'],
      [frSign, 'SIGNING'],
    ] as const) {
      await gateways[0].app
        .get(CertificateRegistry)
        .register({ pem: cert.certPem, type, signature: anchor.sign(cert.certPem) });
    }
    nginx = await startNginx({
      dir: join(dir, 'nginx'),
      upstreams: gateways.map(port),
      publicCert: edge.issue('public', { ip: ['127.0.0.1'] }),
      federationCert: edge.issue('federation', { ip: ['127.0.0.1'] }),
      proxySecret,
    });
    ca = readFileSync(edge.caFile, 'utf8');
    const member = async (country: 'NO' | 'FR', auth: TestCertificate, signing: TestCertificate) => {
      const t = await startApp({
        env: await freshEnv(testName(country.toLowerCase()), {
          ...QUIET,
          HOME_REGION: country,
          FEDERATION_ROLES: 'member',
          FEDERATION_GATEWAY_URL: nginx.federationUrl,
          FEDERATION_GATEWAY_CA_FILE: edge.caFile,
          FEDERATION_CLIENT_CERT: auth.certFile,
          FEDERATION_CLIENT_KEY: auth.keyFile,
          FEDERATION_SIGNING_CERT: signing.certFile,
          FEDERATION_SIGNING_KEY: signing.keyFile,
          FEDERATION_UPLOAD_MIN_KEYS: '1',
        }),
        listen: true,
      });
      apps.push(t);
      return t;
    };
    no = await member('NO', noAuth, noSign);
    fr = await member('FR', frAuth, frSign);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await nginx?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const today = () => formatUtcDay(new Date());
  /** A download through nginx's federation listener, as `client` (or without a certificate). */
  const download = async (client?: TestCertificate, headers: Record<string, string> = {}) => {
    const res = await httpsGet(`${nginx.federationUrl}/diagnosiskeys/download/${today()}`, {
      ca,
      client,
      headers: { Accept: 'application/json; version=1.0', ...headers },
    });
    return {
      status: res.status,
      body: res.body.startsWith('{') ? (JSON.parse(res.body) as unknown) : res.body,
    };
  };
  const forged = (cert: TestCertificate) => ({
    'X-SSL-Client-SHA256': cert.thumbprint,
    'X-SSL-Client-DN': cert.dn,
    'X-Veilig-Proxy-Secret': proxySecret,
  });

  it('carries a member’s upload to another member through nginx, served by both instances', async () => {
    const { A } = aMeetsB(2).phones;
    const { token } = await no.app.get(UploadTokenService).mint({ flow: 'test', reportType: 1, maxKeys: 30 });
    const uploaded = await new BackendClient(`http://127.0.0.1:${port(no)}`).uploadKeys(A.diagnosisKeys(), {
      uploadToken: token,
      visitedCountries: ['FR'],
      consentToFederation: true,
    });

    const run = await no.app.get(MemberUploadService).run();
    expect(run.results).toEqual([{ batchTag: run.assembled[0], status: 'sent', httpStatus: 201 }]);
    const [tag] = await gateways[1].app.get(GatewayBatchingService).runBatching(new Date());
    const reports = await fr.app.get(MemberDownloadService).walk(today(), undefined);
    // Today's key is still in use on the phone: every other one crosses.
    expect(reports).toEqual([
      { batchTag: tag, status: 'PROCESSED', received: uploaded - 1, stored: uploaded - 1 },
    ]);

    for (let i = 0; i < 4; i++) expect((await download(frAuth)).status).toBe(200);
    const log = nginx.federationLog();
    const served = new Set(log.map((line) => /upstream=(\S+)/.exec(line)?.[1]));
    expect(served).toEqual(new Set(gateways.map((g) => `127.0.0.1:${port(g)}`)));
    // The log names the peer's certificate, as the gateway saw it.
    expect(log.some((line) => line.includes(`client_sha256=${frAuth.thumbprint}`))).toBe(true);
  });

  it('refuses a client without a certificate, with an unregistered one, or sending the headers itself', async () => {
    const cases: [string, TestCertificate | undefined, Record<string, string>, object][] = [
      ['no certificate', undefined, {}, FORBIDDEN],
      ['no certificate, headers of a registered one', undefined, forged(frAuth), FORBIDDEN],
      ['an unregistered certificate', stranger, {}, NOT_AUTHORIZED],
      ['an unregistered certificate, headers of a registered one', stranger, forged(frAuth), NOT_AUTHORIZED],
    ];
    for (const [label, client, headers, expected] of cases) {
      expect({ label, ...(await download(client, headers)) }).toEqual({ label, ...expected });
    }
    // Straight to an instance, from an address FEDERATION_PROXY_ADDRESSES allows, without the secret.
    const direct = await fetch(`http://127.0.0.1:${port(gateways[0])}/diagnosiskeys/download/${today()}`, {
      headers: { ...forged(frAuth), 'X-Veilig-Proxy-Secret': 'guessed' },
    });
    expect(direct.status).toBe(403);
  });

  it('serves the public routes over TLS and no federation route there', async () => {
    expect((await httpsGet(`${nginx.publicUrl}/health/live`, { ca })).status).toBe(200);
    const federation = await httpsGet(`${nginx.publicUrl}/diagnosiskeys/download/${today()}`, {
      ca,
      headers: forged(frAuth),
    });
    expect(federation.status).toBe(404);
  });
});
