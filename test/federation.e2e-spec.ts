/**
 * Cross-border federation on loopback: an EFGS-compatible gateway (two instances on one
 * database: plain HTTP with proxy headers, and HTTPS with direct mTLS) and two national members, NO and FR,
 * each with its own database. A NO user who visited FR uploads at home; the batch goes NO → gateway → FR
 * (announced by callback through FR's TLS ingress); a FR phone that met them is notified from FR's export.
 * Then every refusal the issue names, the protocol's other answers, and OpenSSL interop both ways.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, In, IsNull } from 'typeorm';
import { BackendClient } from '../mobile/backend-client';
import { FederationCertificate } from '../src/modules/federation/entities/federation-certificate.entity';
import { GatewayBatch } from '../src/modules/federation/entities/gateway-batch.entity';
import { GatewayKeyHash } from '../src/modules/federation/entities/gateway-key-hash.entity';
import { GatewayUpload } from '../src/modules/federation/entities/gateway-upload.entity';
import { InboundBatch } from '../src/modules/federation/entities/inbound-batch.entity';
import { OutboundBatch } from '../src/modules/federation/entities/outbound-batch.entity';
import { OutboundKey } from '../src/modules/federation/entities/outbound-key.entity';
import { CallbackService } from '../src/modules/federation/gateway/callback.service';
import { CertificateRegistry } from '../src/modules/federation/gateway/certificate-registry.service';
import { GatewayBatchingService } from '../src/modules/federation/gateway/gateway-batching.service';
import { GatewayRetentionProcessor } from '../src/modules/federation/gateway/gateway.processors';
import { BatchSigner, loadPemSigner } from '../src/modules/federation/member/batch-signer';
import {
  EfgsGatewayClient,
  GatewayUnreachableError,
} from '../src/modules/federation/member/efgs-gateway.client';
import { toEfgsKey } from '../src/modules/federation/member/key-mapping';
import { MemberDownloadService } from '../src/modules/federation/member/member-download.service';
import { MemberUploadService } from '../src/modules/federation/member/member-upload.service';
import { JobRunner } from '../src/modules/jobs/job-runner';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { DiagnosisKey as StoredKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { bytesToBase64, signCms } from '../src/protocol/cms';
import {
  batchSigningBytes,
  decodeBatchJson,
  decodeBatchProtobuf,
  encodeBatchJson,
  encodeBatchProtobuf,
  formatUtcDay,
  ReportType,
  type DiagnosisKey,
} from '../src/protocol/efgs';
import { validKeyAt } from './fixtures/efgs/diagnosis-keys';
import { binaryBody, ensurePlatformAdmin, signedInAgent, startApp, type TestApp } from './support/app';
import {
  countryCertificate,
  createTrustAnchor,
  tlsCertificate,
  type TestCertificate,
  type TrustAnchor,
} from './support/federation-pki';
import { afterThisHour, aMeetsB, checkExposure } from './support/gaen';
import { freshEnv, sharedEnv, testName } from './support/profile';
import { startTlsIngress, type TlsIngress } from './support/tls-ingress';

/** Status and body of a gateway answer, compared in one assertion. */
const answer = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });
const NOT_AUTHORIZED = { status: 403, body: { message: 'Client is not authorized to access the service' } };

const PROTOBUF = 'application/protobuf; version=1.0';
const JSON_V1 = 'application/json; version=1.0';
// Schedules far apart, so no timer fires during the test; the test drives each step itself.
const QUIET = {
  FEDERATION_GATEWAY_BATCH_INTERVAL_MINUTES: '1440',
  FEDERATION_GATEWAY_CALLBACK_INTERVAL_MINUTES: '1440',
  FEDERATION_UPLOAD_INTERVAL_MINUTES: '1440',
  FEDERATION_DOWNLOAD_INTERVAL_MINUTES: '1440',
  EXPORT_PERIOD_MINUTES: '1440',
};
/** A GET from another loopback address than 127.0.0.1 (Linux routes all of 127/8 to the loopback). */
function fromAddress(
  localAddress: string,
  app: TestApp,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const { port } = app.app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text });
      });
    }).on('error', reject);
  });
}

/** Certificate headers are believed from loopback peers only. */
const PROXY_ON_LOOPBACK = {
  FEDERATION_PROXY_CERT_HEADERS: 'true',
  FEDERATION_PROXY_ADDRESSES: '127.0.0.1,::1',
};

function opensslVersion(): string | undefined {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const port = (t: TestApp) => (t.app.getHttpServer().address() as { port: number }).port;

async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('federation: EFGS gateway with NO and FR members', () => {
  let dir: string;
  let anchor: TrustAnchor;
  let noAuth: TestCertificate, noSign: TestCertificate, frAuth: TestCertificate, frSign: TestCertificate;
  let unknownAuth: TestCertificate,
    revokedAuth: TestCertificate,
    forgedAuth: TestCertificate,
    gwCallbackClient: TestCertificate;
  let frCallback: TestCertificate, gatewayTls: TestCertificate;
  let gw: TestApp, gw2: TestApp, no: TestApp, fr: TestApp;
  let ingress: TlsIngress;
  const apps: TestApp[] = [];

  const register = (t: TestApp, cert: TestCertificate, type: 'AUTHENTICATION' | 'SIGNING' | 'CALLBACK') =>
    t.app
      .get(CertificateRegistry)
      .register({ pem: cert.certPem, type, signature: anchor.sign(cert.certPem) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veilig-federation-'));
    anchor = createTrustAnchor(dir);
    [noAuth, noSign, frAuth, frSign, unknownAuth, revokedAuth, forgedAuth, gwCallbackClient] =
      await Promise.all([
        countryCertificate(dir, 'no-auth', 'NO', 'AUTHENTICATION'),
        countryCertificate(dir, 'no-sign', 'NO', 'SIGNING'),
        countryCertificate(dir, 'fr-auth', 'FR', 'AUTHENTICATION'),
        countryCertificate(dir, 'fr-sign', 'FR', 'SIGNING'),
        countryCertificate(dir, 'unknown-auth', 'NO', 'AUTHENTICATION'),
        countryCertificate(dir, 'revoked-auth', 'NO', 'AUTHENTICATION'),
        countryCertificate(dir, 'forged-auth', 'NO', 'AUTHENTICATION'),
        countryCertificate(dir, 'gateway-callback', 'EU', 'AUTHENTICATION'),
      ]);
    [frCallback, gatewayTls] = await Promise.all([
      tlsCertificate(dir, 'fr-callback', 'FR'),
      tlsCertificate(dir, 'gateway-tls', 'EU'),
    ]);
    ingress = await startTlsIngress(frCallback);

    const gatewayEnv = await freshEnv(testName('gw'), {
      ...QUIET,
      FEDERATION_ROLES: 'gateway',
      FEDERATION_TRUST_ANCHOR: anchor.publicKeyFile,
      FEDERATION_GATEWAY_CALLBACK_CLIENT_CERT: gwCallbackClient.certFile,
      FEDERATION_GATEWAY_CALLBACK_CLIENT_KEY: gwCallbackClient.keyFile,
      FEDERATION_GATEWAY_CALLBACK_ALLOW_PRIVATE: 'true',
      // The tests play the TLS-terminating proxy: they connect from loopback and set the headers.
      ...PROXY_ON_LOOPBACK,
    });
    gw = await startApp({ env: gatewayEnv, listen: true });
    apps.push(gw);
    // A second gateway instance on the same database, serving HTTPS with direct mTLS (no proxy headers).
    gw2 = await startApp({
      env: sharedEnv(gatewayEnv, {
        TLS_CERT: gatewayTls.certFile,
        TLS_KEY: gatewayTls.keyFile,
        FEDERATION_GATEWAY_DIRECT_MTLS: 'true',
        FEDERATION_PROXY_CERT_HEADERS: 'false',
      }),
      listen: true,
    });
    apps.push(gw2);
    await register(gw, noAuth, 'AUTHENTICATION');
    await register(gw, noSign, 'SIGNING');
    await register(gw, frAuth, 'AUTHENTICATION');
    await register(gw, frSign, 'SIGNING');
    await register(gw, frCallback, 'CALLBACK');
    // A row written past onboarding: its trust-anchor signature is over another certificate.
    await gw.app
      .get(DataSource)
      .getRepository(FederationCertificate)
      .insert(
        Object.assign(new FederationCertificate(), {
          createdAt: new Date(),
          thumbprint: forgedAuth.thumbprint,
          country: 'NO',
          type: 'AUTHENTICATION',
          revoked: false,
          host: null,
          signature: anchor.sign(noAuth.certPem),
          rawData: forgedAuth.certPem,
        }),
      );

    no = await startApp({
      env: await freshEnv(testName('no'), {
        ...QUIET,
        HOME_REGION: 'NO',
        FEDERATION_ROLES: 'member',
        FEDERATION_GATEWAY_URL: `https://127.0.0.1:${port(gw2)}`,
        FEDERATION_CLIENT_CERT: noAuth.certFile,
        FEDERATION_CLIENT_KEY: noAuth.keyFile,
        FEDERATION_GATEWAY_CA_FILE: gatewayTls.certFile,
        FEDERATION_SIGNING_CERT: noSign.certFile,
        FEDERATION_SIGNING_KEY: noSign.keyFile,
        FEDERATION_UPLOAD_MIN_KEYS: '1',
      }),
      listen: true,
    });
    apps.push(no);
    fr = await startApp({
      env: await freshEnv(testName('fr'), {
        ...QUIET,
        HOME_REGION: 'FR',
        FEDERATION_ROLES: 'member',
        FEDERATION_GATEWAY_URL: `http://127.0.0.1:${port(gw)}`,
        FEDERATION_SEND_CERT_HEADERS: 'true',
        FEDERATION_CLIENT_CERT: frAuth.certFile,
        FEDERATION_SIGNING_CERT: frSign.certFile,
        FEDERATION_SIGNING_KEY: frSign.keyFile,
        FEDERATION_FORMAT: 'json',
        FEDERATION_CALLBACK_URL: `${ingress.url}/api/v1/federation/callback`,
        FEDERATION_CALLBACK_THUMBPRINTS: gwCallbackClient.thumbprint,
        FEDERATION_UPLOAD_MIN_KEYS: '1',
        ...PROXY_ON_LOOPBACK, // the TLS ingress
      }),
      listen: true,
    });
    apps.push(fr);
    ingress.target = `http://127.0.0.1:${port(fr)}`;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await ingress?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** An upload as a member sends it, authenticated by proxy headers (hex thumbprint form). */
  const upload = (
    client: Pick<TestCertificate, 'thumbprint' | 'dn'>,
    tag: string,
    signature: string,
    body: Buffer | string,
    contentType = PROTOBUF,
  ) =>
    gw
      .http()
      .post('/diagnosiskeys/upload')
      .set('X-SSL-Client-SHA256', client.thumbprint)
      .set('X-SSL-Client-DN', client.dn)
      .set('batchTag', tag)
      .set('batchSignature', signature)
      .set('Content-Type', contentType)
      .send(body);

  const sign = async (keys: readonly DiagnosisKey[], signer: TestCertificate) =>
    bytesToBase64(
      await signCms({
        content: batchSigningBytes(keys),
        signer: await loadPemSigner(signer.certPem, signer.keyPem),
        detached: true,
      }),
    );

  const freshKeys = (n: number, overrides: Partial<DiagnosisKey> = {}) =>
    Array.from({ length: n }, (_, i) =>
      validKeyAt(new Date(), {
        keyData: new Uint8Array(randomBytes(16)),
        rollingStartIntervalNumber: validKeyAt(new Date()).rollingStartIntervalNumber - 144 * (i % 10),
        ...overrides,
      }),
    );

  describe('NO → gateway → FR, and a FR phone is notified', () => {
    const scenario = aMeetsB(2);
    const { A, B, C } = scenario.phones;

    it('carries a consented upload of a NO user who visited FR to FR’s export, where the FR phone that met them matches', async () => {
      const { token } = await no.app.get(UploadTokenService).mint({
        flow: 'test',
        reportType: 1,
        maxKeys: 30,
        onsetDate: formatUtcDay(new Date(scenario.encounterMs - 86_400_000)),
      });
      const noClient = new BackendClient(`http://127.0.0.1:${port(no)}`);
      const uploaded = await noClient.uploadKeys(A.diagnosisKeys(), {
        uploadToken: token,
        visitedCountries: ['FR'],
        consentToFederation: true,
      });
      expect(uploaded).toBeGreaterThan(10);

      // FR's scheduled run subscribes its callback at the gateway; there is nothing to download yet.
      expect(await fr.app.get(MemberDownloadService).runScheduled()).toEqual([]);
      const subscriptions = await gw
        .http()
        .get('/diagnosiskeys/callback')
        .set('X-SSL-Client-SHA256', frAuth.thumbprint)
        .set('X-SSL-Client-DN', frAuth.dn)
        .expect(200);
      expect(subscriptions.body).toEqual([
        { callbackId: 'veilig', url: `${ingress.url}/api/v1/federation/callback` },
      ]);

      // NO uploads over direct mTLS to the second gateway instance: only expired keys (today's is still in use).
      const run = await no.app.get(MemberUploadService).run();
      expect(run.assembled).toHaveLength(1);
      expect(run.results).toEqual([{ batchTag: run.assembled[0], status: 'sent', httpStatus: 201 }]);
      expect(run.assembled[0]).toMatch(/^[0-9a-f]{64}$/);
      const sentKeys = (
        await no.app
          .get(DataSource)
          .getRepository(OutboundBatch)
          .findOneByOrFail({ batchTag: run.assembled[0] })
      ).keyCount;
      expect(sentKeys).toBe(uploaded - 1);
      // A second run has nothing new and sends nothing twice.
      expect(await no.app.get(MemberUploadService).run()).toEqual({ assembled: [], results: [] });

      const tags = await gw.app.get(GatewayBatchingService).runBatching(new Date());
      expect(tags).toEqual([`${formatUtcDay(new Date()).replace(/-/g, '')}-1`]);

      // The gateway calls FR back through FR's TLS ingress with its callback client certificate; FR downloads.
      const inbound = await waitFor(() =>
        fr.app.get(DataSource).getRepository(InboundBatch).findOneBy({ batchTag: tags[0] }),
      );
      expect(inbound).toMatchObject({
        status: 'PROCESSED',
        keysReceived: sentKeys,
        keysStored: sentKeys,
        keysInvalid: 0,
      });
      expect(
        ingress.seen.some(
          (s) =>
            s.path.startsWith(`/api/v1/federation/callback?batchTag=${tags[0]}&date=`) &&
            s.thumbprint === gwCallbackClient.thumbprint,
        ),
      ).toBe(true);
      const stored = await fr.app.get(DataSource).getRepository(StoredKey).findBy({ source: 'federation' });
      expect(stored).toHaveLength(sentKeys);
      expect(
        new Set(
          stored.map(
            (k) => `${k.origin}/${k.region}/${k.visitedCountries.join(',')}/${k.consentToFederation}`,
          ),
        ),
      ).toEqual(new Set(['NO/FR/FR/false']));

      // The gateway never serves a member its own keys.
      const own = await no.app.get(MemberDownloadService).walk(formatUtcDay(new Date()), undefined);
      expect(own).toEqual([{ batchTag: tags[0], status: 'PROCESSED', received: 0, stored: 0 }]);

      const cycle = await fr.app.get(AggregationService).runCycle(afterThisHour());
      expect(cycle).toEqual([expect.objectContaining({ region: 'FR', realKeys: sentKeys })]);
      const frClient = new BackendClient(`http://127.0.0.1:${port(fr)}`);
      const forB = await checkExposure(frClient, B, 'FR');
      expect(forB.notify).toBe(true);
      expect(forB.matchedKeys.length).toBeGreaterThan(0);
      expect((await checkExposure(frClient, C, 'FR')).notify).toBe(false);
    });

    it('processes a batch once, however often it is announced or walked', async () => {
      const date = formatUtcDay(new Date());
      const again = await fr.app.get(MemberDownloadService).runScheduled();
      expect(again.every((r) => r.status === 'already-processed')).toBe(true);
      const repeat = await fr
        .http()
        .get('/api/v1/federation/callback')
        .query({ batchTag: again[0].batchTag, date })
        .set('X-SSL-Client-SHA256', gwCallbackClient.thumbprint)
        .expect(200);
      expect(repeat.body).toEqual({ queued: true });
      await fr.app.get(JobRunner).idle();
      expect(await fr.app.get(DataSource).getRepository(InboundBatch).count()).toBe(1);
      await fr
        .http()
        .get('/api/v1/federation/callback')
        .query({ batchTag: 'x', date })
        .set('X-SSL-Client-SHA256', unknownAuth.thumbprint)
        .expect(403);
      await fr
        .http()
        .get('/api/v1/federation/callback')
        .query({ batchTag: 'x', date: 'yesterday' })
        .set('X-SSL-Client-SHA256', gwCallbackClient.thumbprint)
        .expect(400);
    });
  });

  describe('the member’s upload answers: retry only what is retryable, never lose or double-send', () => {
    const DAY_INTERVALS = 144;
    /** Keys as NO's apps would have stored them: consented, expired, NO origin, visited FR. */
    const seedNoKeys = async (n: number) => {
      const today = Math.floor(Date.now() / 600_000 / DAY_INTERVALS) * DAY_INTERVALS;
      const rows = Array.from({ length: n }, (_, i) =>
        Object.assign(new StoredKey(), {
          keyData: randomBytes(16),
          rollingStartIntervalNumber: today - DAY_INTERVALS * (1 + (i % 10)),
          rollingPeriod: 144,
          transmissionRiskLevel: null,
          reportType: 1,
          daysSinceOnsetOfSymptoms: 2,
          origin: 'NO',
          region: 'NO',
          visitedCountries: ['FR'],
          consentToFederation: true,
          source: 'app',
          flow: 'test',
          receivedAt: new Date(),
          availableAt: new Date(),
        }),
      );
      await no.app.get(DataSource).getRepository(StoredKey).insert(rows);
      return rows;
    };
    const uploads = () => no.app.get(MemberUploadService);
    const outbound = () => no.app.get(DataSource).getRepository(OutboundBatch);

    it('sends only keys whose owners consented, and only ours', async () => {
      const rows = await seedNoKeys(2);
      await no.app
        .get(DataSource)
        .getRepository(StoredKey)
        .update({ keyData: In(rows.map((r) => r.keyData)) }, { consentToFederation: false });
      const foreign = await seedNoKeys(1);
      await no.app
        .get(DataSource)
        .getRepository(StoredKey)
        .update({ keyData: foreign[0].keyData }, { origin: 'DE' });
      expect(await uploads().run()).toEqual({ assembled: [], results: [] });
    });

    it('treats 409 for its own tag after a lost answer as delivered: the gateway holds the batch once', async () => {
      await seedNoKeys(3);
      const first = await uploads().run();
      expect(first.results).toEqual([expect.objectContaining({ status: 'sent', httpStatus: 201 })]);
      // The answer "got lost": the batch is still pending on our side and goes again, same bytes and tag.
      await outbound().update({ batchTag: first.assembled[0] }, { status: 'pending', finishedAt: null });
      expect(await uploads().sendDue(new Date())).toEqual([
        { batchTag: first.assembled[0], status: 'sent', httpStatus: 409 },
      ]);
      expect(
        await gw.app.get(DataSource).getRepository(GatewayUpload).countBy({ batchTag: first.assembled[0] }),
      ).toBe(1);
    });

    it('retries a network failure later with the same batch', async () => {
      await seedNoKeys(2);
      const spy = jest
        .spyOn(no.app.get(EfgsGatewayClient), 'upload')
        .mockRejectedValueOnce(new GatewayUnreachableError('connect ECONNREFUSED'));
      const failed = await uploads().run();
      spy.mockRestore();
      expect(failed.results).toEqual([
        { batchTag: failed.assembled[0], status: 'pending', httpStatus: null },
      ]);
      expect(await uploads().sendDue(new Date())).toEqual([]); // backing off
      const later = await uploads().sendDue(new Date(Date.now() + 86_400_000));
      expect(later).toEqual([{ batchTag: failed.assembled[0], status: 'sent', httpStatus: 201 }]);
    });

    it('after a 207, sends again only the keys the gateway did not hold', async () => {
      const rows = await seedNoKeys(4);
      const stored = await no.app
        .get(DataSource)
        .getRepository(StoredKey)
        .findBy({ keyData: In(rows.map((r) => r.keyData)) });
      // Two of them reached the gateway another way (say, an earlier deployment of ours).
      const already = stored.filter((_, i) => i % 2 === 1).map(toEfgsKey);
      await upload(
        noAuth,
        'elsewhere-1',
        await sign(already, noSign),
        Buffer.from(encodeBatchProtobuf({ keys: already })),
      ).expect(201);

      const partial = await uploads().run();
      expect(partial.results).toEqual([
        { batchTag: partial.assembled[0], status: 'partial', httpStatus: 207 },
      ]);
      const retry = await uploads().run();
      expect(retry.results).toEqual([{ batchTag: retry.assembled[0], status: 'sent', httpStatus: 201 }]);
      const claims = await no.app
        .get(DataSource)
        .getRepository(OutboundKey)
        .findBy({ diagnosisKeyId: In(stored.map((k) => k.id)) });
      const byBatch = new Map<string, number>();
      for (const c of claims) byBatch.set(c.batchId, (byBatch.get(c.batchId) ?? 0) + 1);
      expect([...byBatch.values()].sort()).toEqual([2, 2]);
      expect(
        await gw.app.get(DataSource).getRepository(GatewayUpload).countBy({ batchTag: retry.assembled[0] }),
      ).toBe(1);
    });
  });

  describe('the gateway refuses', () => {
    it('an unknown client certificate, a forged registry row, and requests without certificate headers (403)', async () => {
      const keys = freshKeys(2);
      const signature = await sign(keys, noSign);
      const unknown = await upload(
        unknownAuth,
        'unknown-1',
        signature,
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(answer(unknown)).toEqual(NOT_AUTHORIZED);
      const forged = await upload(
        forgedAuth,
        'forged-1',
        signature,
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(answer(forged)).toEqual(NOT_AUTHORIZED);
      const bare = await gw
        .http()
        .get(`/diagnosiskeys/download/${formatUtcDay(new Date())}`)
        .set('Accept', PROTOBUF);
      expect(answer(bare)).toEqual({
        status: 403,
        body: { message: 'Forbidden' },
      });
      const noCountry = await gw
        .http()
        .get('/diagnosiskeys/callback')
        .set('X-SSL-Client-SHA256', noAuth.thumbprint)
        .set('X-SSL-Client-DN', 'CN=NO authentication');
      expect(answer(noCountry)).toEqual({
        status: 400,
        body: { message: 'Client Certificate must contain country property' },
      });
    });

    it('believes certificate headers only from the proxy: not from another address, not on the member callback', async () => {
      const date = formatUtcDay(new Date());
      const headers = { 'X-SSL-Client-SHA256': noAuth.thumbprint, 'X-SSL-Client-DN': noAuth.dn };
      const download = `/diagnosiskeys/download/${date}`;
      expect((await fromAddress('127.0.0.1', gw, download, headers)).status).not.toBe(403);
      expect(await fromAddress('127.0.0.2', gw, download, headers)).toEqual({
        status: 403,
        body: { message: 'Forbidden' },
      });
      const callback = `/api/v1/federation/callback?batchTag=x&date=${date}`;
      const caller = { 'X-SSL-Client-SHA256': gwCallbackClient.thumbprint };
      expect((await fromAddress('127.0.0.1', fr, callback, caller)).status).toBe(200);
      expect((await fromAddress('127.0.0.2', fr, callback, caller)).status).toBe(403);
    });

    it('a certificate revoked through the operator API (403), after accepting it in both header forms', async () => {
      const admin = await ensurePlatformAdmin(gw);
      const s = await signedInAgent(gw, admin.user.email, admin.password);
      await s.agent
        .post('/api/auth/change-password')
        .set('X-XSRF-TOKEN', s.csrf)
        .send({ currentPassword: admin.password, newPassword: 'federation operator 2026' })
        .expect(204);
      const bad = await s.agent
        .post('/api/admin/federation/certificates')
        .set('X-XSRF-TOKEN', s.csrf)
        .send({ pem: revokedAuth.certPem, type: 'AUTHENTICATION', signature: anchor.sign(noAuth.certPem) });
      expect(bad.status).toBe(400);
      const created = await s.agent
        .post('/api/admin/federation/certificates')
        .set('X-XSRF-TOKEN', s.csrf)
        .send({
          pem: revokedAuth.certPem,
          type: 'AUTHENTICATION',
          signature: anchor.sign(revokedAuth.certPem),
        })
        .expect(201);
      expect(created.body).toMatchObject({
        country: 'NO',
        type: 'AUTHENTICATION',
        thumbprint: revokedAuth.thumbprint,
      });

      const base64Thumbprint = Buffer.from(revokedAuth.thumbprint, 'hex').toString('base64');
      await gw
        .http()
        .get('/diagnosiskeys/callback')
        .set('X-SSL-Client-SHA256', revokedAuth.thumbprint)
        .set('X-SSL-Client-DN', revokedAuth.dn)
        .expect(200);
      await gw
        .http()
        .get('/diagnosiskeys/callback')
        .set('X-SSL-Client-SHA256', encodeURIComponent(base64Thumbprint))
        .set('X-SSL-Client-DN', encodeURIComponent(revokedAuth.dn))
        .expect(200);

      await s.agent
        .post(`/api/admin/federation/certificates/${created.body.id as string}/revoke`)
        .set('X-XSRF-TOKEN', s.csrf)
        .expect(200);
      const refused = await gw
        .http()
        .get('/diagnosiskeys/callback')
        .set('X-SSL-Client-SHA256', base64Thumbprint)
        .set('X-SSL-Client-DN', revokedAuth.dn);
      expect(answer(refused)).toEqual({
        status: 403,
        body: { message: 'Client certificate is revoked' },
      });
      const list = await s.agent.get('/api/admin/federation/certificates').expect(200);
      expect(list.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ thumbprint: forgedAuth.thumbprint, valid: false }),
          expect.objectContaining({ thumbprint: revokedAuth.thumbprint, revoked: true, valid: true }),
        ]),
      );
    });

    it('a batch signed with another country’s SIGNING certificate (400 "Invalid signature")', async () => {
      const keys = freshKeys(3);
      const res = await upload(
        noAuth,
        'other-country-1',
        await sign(keys, frSign),
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(answer(res)).toEqual({
        status: 400,
        body: { message: 'Invalid signature' },
      });
      // FR keys signed by FR but sent with NO's client certificate: the origin check.
      const frKeys = freshKeys(2, { origin: 'FR' });
      const wrongOrigin = await upload(
        noAuth,
        'other-country-2',
        await sign(frKeys, frSign),
        Buffer.from(encodeBatchProtobuf({ keys: frKeys })),
      );
      expect(answer(wrongOrigin)).toEqual({
        status: 400,
        body: { message: 'One or more keys are not originated from uploader country' },
      });
    });

    it('a tampered batch (400 "Invalid signature"), and a signature by an unregistered certificate', async () => {
      const keys = freshKeys(4);
      const signature = await sign(keys, noSign);
      const tampered = keys.map((k, i) => (i === 2 ? { ...k, transmissionRiskLevel: 8 } : k));
      const res = await upload(
        noAuth,
        'tampered-1',
        signature,
        Buffer.from(encodeBatchProtobuf({ keys: tampered })),
      );
      expect(answer(res)).toEqual({
        status: 400,
        body: { message: 'Invalid signature' },
      });
      const unregistered = await upload(
        noAuth,
        'tampered-2',
        await sign(keys, unknownAuth),
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(answer(unregistered)).toEqual({
        status: 400,
        body: { message: 'Invalid signature' },
      });
      const garbage = await upload(
        noAuth,
        'tampered-3',
        'bm90IGEgY21z',
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(garbage.status).toBe(400);
    });

    it('a reused batchTag (409), and duplicate keys under a new tag (207, nothing kept)', async () => {
      const keys = freshKeys(5);
      const signature = await sign(keys, noSign);
      await upload(noAuth, 'reused-1', signature, encodeBatchJson({ keys }), JSON_V1)
        .expect(201)
        .expect('batchTag', 'reused-1');
      const reused = await upload(
        noAuth,
        'reused-1',
        await sign(freshKeys(1), noSign),
        Buffer.from(encodeBatchProtobuf({ keys: freshKeys(1) })),
      );
      expect(answer(reused)).toEqual({
        status: 409,
        body: { message: 'BatchTag already exists.' },
      });

      const mixed = [...freshKeys(2), keys[1], keys[3]];
      const partial = await upload(
        noAuth,
        'reused-2',
        await sign(mixed, noSign),
        Buffer.from(encodeBatchProtobuf({ keys: mixed })),
      );
      expect(answer(partial)).toEqual({
        status: 207,
        body: { '201': [0, 1], '409': [2, 3], '500': [] },
      });
      // Nothing of the 207 upload was kept: its two new keys go through on their own.
      await upload(
        noAuth,
        'reused-3',
        await sign(mixed.slice(0, 2), noSign),
        Buffer.from(encodeBatchProtobuf({ keys: mixed.slice(0, 2) })),
      ).expect(201);
    });

    it('5,001 keys (413 "Too many diagnosis keys"), while 5,000 are accepted', async () => {
      const keys = freshKeys(5001);
      const tooMany = await upload(
        noAuth,
        'big-1',
        await sign(keys, noSign),
        Buffer.from(encodeBatchProtobuf({ keys })),
      );
      expect(answer(tooMany)).toEqual({
        status: 413,
        body: { message: 'Too many diagnosis keys' },
      });
      const max = keys.slice(0, 5000);
      await upload(
        noAuth,
        'big-2',
        await sign(max, noSign),
        Buffer.from(encodeBatchProtobuf({ keys: max })),
      ).expect(201);
    });

    it('bad content types, invalid keys and missing headers with EFGS’s codes and messages', async () => {
      const keys = freshKeys(2);
      const signature = await sign(keys, noSign);
      const body = Buffer.from(encodeBatchProtobuf({ keys }));
      const cases: [string, Promise<{ status: number; body: unknown }>, number, string][] = [
        [
          'no version',
          upload(noAuth, 'ct-1', signature, body, 'application/protobuf'),
          400,
          'Version parameter of Content-Type is required!',
        ],
        [
          'version 1.1',
          upload(noAuth, 'ct-2', signature, body, 'application/protobuf; version=1.1'),
          406,
          'Protocol version is not compatible!',
        ],
        [
          'unknown type',
          upload(noAuth, 'ct-3', signature, body, 'text/plain; version=1.0'),
          400,
          'Unknown Content-Type!',
        ],
        [
          'bad base64',
          upload(noAuth, 'ct-4', signature, '{"keys":[{"keyData":"%%%"}]}', JSON_V1),
          400,
          'Invalid Base64 in JSON object',
        ],
        [
          'short key',
          upload(
            noAuth,
            'ct-5',
            signature,
            Buffer.from(encodeBatchProtobuf({ keys: [{ ...keys[0], keyData: new Uint8Array(8) }] })),
          ),
          400,
          'Validation of diagnosis key failed: The keydata is not 16 bytes.',
        ],
        [
          'rolling period',
          upload(
            noAuth,
            'ct-6',
            signature,
            Buffer.from(encodeBatchProtobuf({ keys: [{ ...keys[0], rollingPeriod: 145 }] })),
          ),
          400,
          'Validation of diagnosis key failed: Invalid rolling period.',
        ],
        [
          'old key',
          upload(
            noAuth,
            'ct-7',
            signature,
            Buffer.from(encodeBatchProtobuf({ keys: [{ ...keys[0], rollingStartIntervalNumber: 144 }] })),
          ),
          400,
          'Validation of diagnosis key failed: Invalid rolling start interval number.',
        ],
        [
          '9 MB body',
          upload(noAuth, 'ct-8', signature, Buffer.alloc(9 * 1024 * 1024)),
          413,
          'Payload too large',
        ],
        [
          'no batchTag',
          gw
            .http()
            .post('/diagnosiskeys/upload')
            .set('X-SSL-Client-SHA256', noAuth.thumbprint)
            .set('X-SSL-Client-DN', noAuth.dn)
            .set('batchSignature', signature)
            .set('Content-Type', PROTOBUF)
            .send(body),
          400,
          "Missing request header 'batchTag'",
        ],
      ];
      for (const [label, pending, status, message] of cases) {
        const res = await pending;
        expect({ label, status: res.status, body: res.body }).toEqual({ label, status, body: { message } });
      }
    });
  });

  describe('downloads, audit, callbacks and OPTIONS', () => {
    const get = (path: string, client: TestCertificate = frAuth) =>
      gw.http().get(path).set('X-SSL-Client-SHA256', client.thumbprint).set('X-SSL-Client-DN', client.dn);
    const today = () => formatUtcDay(new Date());

    it('serves the day as one linked list of batches, in both formats, without the caller’s own keys', async () => {
      const tags = await gw.app.get(GatewayBatchingService).runBatching(new Date());
      expect(tags.length).toBeGreaterThanOrEqual(2); // 5,000 keys fill a batch of their own
      const first = await get(`/diagnosiskeys/download/${today()}`)
        .set('Accept', PROTOBUF)
        .buffer(true)
        .parse(binaryBody);
      expect(first.status).toBe(200);
      expect(first.headers).toMatchObject({
        'content-type': PROTOBUF,
        batchtag: expect.stringMatching(/-1$/),
        'x-protobuf-schema': 'Efgs.proto',
        'x-protobuf-message': 'eu.interop.DiagnosisKeyBatch',
      });
      expect(decodeBatchProtobuf(first.body as Buffer).keys.every((k) => k.origin === 'NO')).toBe(true);
      let tag = String(first.headers.nextbatchtag);
      const walked: string[] = [String(first.headers.batchtag)];
      while (tag !== 'null') {
        const res = await get(`/diagnosiskeys/download/${today()}`)
          .set('Accept', JSON_V1)
          .set('batchTag', tag)
          .expect(200);
        expect(res.headers['content-type']).toBe(JSON_V1);
        decodeBatchJson(JSON.stringify(res.body));
        walked.push(String(res.headers.batchtag));
        tag = String(res.headers.nextbatchtag);
      }
      expect(walked.slice(-tags.length)).toEqual(tags);
      const own = await get(`/diagnosiskeys/download/${today()}`, noAuth)
        .set('Accept', PROTOBUF)
        .set('batchTag', tags.at(-1)!)
        .expect(200);
      expect(own.headers['content-length']).toBe('0');
    });

    it('answers download errors with 400, 404, 410 and 415', async () => {
      const tomorrow = formatUtcDay(new Date(Date.now() + 86_400_000));
      const old = formatUtcDay(new Date(Date.now() - 3 * 86_400_000));
      const cases: [string, ReturnType<typeof get>, number, string][] = [
        [
          'no batch yet',
          get(`/diagnosiskeys/download/${tomorrow}`).set('Accept', PROTOBUF),
          404,
          'Could not find any batches for given date',
        ],
        [
          'unknown tag',
          get(`/diagnosiskeys/download/${today()}`).set('Accept', PROTOBUF).set('batchTag', '20200101-1'),
          404,
          'Could not find batch with given BatchTag',
        ],
        [
          'tag before date',
          get(`/diagnosiskeys/download/${tomorrow}`)
            .set('Accept', PROTOBUF)
            .set('batchTag', `${today().replace(/-/g, '')}-1`),
          400,
          'Given date does not match the requested batch',
        ],
        [
          'too old',
          get(`/diagnosiskeys/download/${old}`).set('Accept', PROTOBUF),
          410,
          'Requested date is too old!',
        ],
        [
          'bad date',
          get('/diagnosiskeys/download/2021-02-30').set('Accept', PROTOBUF),
          400,
          'Invalid date, expected yyyy-MM-dd',
        ],
        [
          'no version',
          get(`/diagnosiskeys/download/${today()}`).set('Accept', 'application/protobuf'),
          415,
          'Version parameter of Content-Type is required!',
        ],
      ];
      for (const [label, pending, status, message] of cases) {
        const res = await pending;
        expect({ label, status: res.status, body: res.body }).toEqual({ label, status, body: { message } });
      }
    });

    it('lists one audit entry per upload of a batch, with certificates and trust-anchor signatures', async () => {
      const first = await get(`/diagnosiskeys/download/${today()}`).set('Accept', JSON_V1).expect(200);
      const audit = await get(
        `/diagnosiskeys/audit/download/${today()}/${String(first.headers.batchtag)}`,
      ).expect(200);
      expect(audit.body[0]).toMatchObject({
        country: 'NO',
        uploaderThumbprint: noAuth.thumbprint,
        uploaderCertificate: noAuth.certPem,
        signingCertificate: noSign.certPem,
        uploaderSigningThumbprint: noSign.thumbprint,
        amount: expect.any(Number),
      });
      expect(audit.body[0].signingCertificateOperatorSignature).toBe(anchor.sign(noSign.certPem));
      const missing = await get(`/diagnosiskeys/audit/download/${today()}/20200101-9`);
      expect(answer(missing)).toEqual({
        status: 404,
        body: { message: 'Batchtag not found' },
      });
    });

    it('keeps callback subscriptions per country and applies the URL rules', async () => {
      const put = (id: string, url: string) =>
        gw
          .http()
          .put(`/diagnosiskeys/callback/${id}`)
          .query({ url })
          .set('X-SSL-Client-SHA256', frAuth.thumbprint)
          .set('X-SSL-Client-DN', frAuth.dn);
      for (const url of [
        'http://127.0.0.1/cb',
        `${ingress.url}/cb?x=1`,
        'https://unregistered.example/cb',
        'not a url',
      ]) {
        const res = await put('second', url);
        expect({ url, status: res.status, body: res.body }).toEqual({
          url,
          status: 400,
          body: { message: 'Callback URL is invalid' },
        });
      }
      await put('second', `${ingress.url}/other`).expect(200);
      expect((await get('/diagnosiskeys/callback').expect(200)).body).toHaveLength(2);
      expect((await get('/diagnosiskeys/callback', noAuth).expect(200)).body).toEqual([]);
      await gw
        .http()
        .delete('/diagnosiskeys/callback/second')
        .set('X-SSL-Client-SHA256', frAuth.thumbprint)
        .set('X-SSL-Client-DN', frAuth.dn)
        .expect(200);
      const gone = await gw
        .http()
        .delete('/diagnosiskeys/callback/second')
        .set('X-SSL-Client-SHA256', frAuth.thumbprint)
        .set('X-SSL-Client-DN', frAuth.dn);
      expect(answer(gone)).toEqual({
        status: 404,
        body: { message: 'Could not find any callback subscription for the given callbackId.' },
      });
    });

    it('screens downloaded keys at the member: invalid ones and ones that do not concern FR stay out', async () => {
      await gw.app.get(GatewayBatchingService).runBatching(new Date());
      const base = freshKeys(4);
      const keys = [
        base[0],
        { ...base[1], reportType: ReportType.SELF_REPORT },
        { ...base[2], visitedCountries: ['DE'] },
        { ...base[3], rollingStartIntervalNumber: base[3].rollingStartIntervalNumber + 3 },
      ];
      await upload(
        noAuth,
        'screened-1',
        await sign(keys, noSign),
        Buffer.from(encodeBatchProtobuf({ keys })),
      ).expect(201);
      const [tag] = await gw.app.get(GatewayBatchingService).runBatching(new Date());
      const reports = await fr.app.get(MemberDownloadService).walk(today(), tag);
      expect(reports).toEqual([{ batchTag: tag, status: 'PROCESSED_WITH_ERROR', received: 4, stored: 1 }]);
      expect(
        await fr.app.get(DataSource).getRepository(InboundBatch).findOneBy({ batchTag: tag }),
      ).toMatchObject({ keysInvalid: 2, keysSkipped: 1, keysStored: 1 });
    });

    it('keeps one list when two gateway instances batch at the same time, every upload in exactly one batch', async () => {
      for (let i = 0; i < 6; i++) {
        const keys = freshKeys(2);
        await upload(
          noAuth,
          `concurrent-${i}`,
          await sign(keys, noSign),
          Buffer.from(encodeBatchProtobuf({ keys })),
        ).expect(201);
      }
      const [a, b] = await Promise.all([
        gw.app.get(GatewayBatchingService).runBatching(new Date()),
        gw2.app.get(GatewayBatchingService).runBatching(new Date()),
      ]);
      expect([...a, ...b].length).toBeGreaterThanOrEqual(1);
      const db = gw.app.get(DataSource);
      expect(await db.getRepository(GatewayUpload).countBy({ batchId: IsNull() })).toBe(0);
      const batches = await db.getRepository(GatewayBatch).find({ order: { id: 'ASC' } });
      batches.forEach((batch, i) => expect(batch.link).toBe(batches[i + 1]?.tag ?? null));
      expect(new Set(batches.map((x) => x.tag)).size).toBe(batches.length);
      expect(batches.every((x) => x.keyCount <= 5000)).toBe(true);
    });

    it('retries a failing callback and drops the subscription after the last retry, keeping the working one', async () => {
      const put = (id: string, url: string) =>
        gw
          .http()
          .put(`/diagnosiskeys/callback/${id}`)
          .query({ url })
          .set('X-SSL-Client-SHA256', frAuth.thumbprint)
          .set('X-SSL-Client-DN', frAuth.dn);
      await put('broken', `${ingress.url}/no-such-route`).expect(200);
      const keys = freshKeys(1);
      await upload(
        noAuth,
        'callback-retry-1',
        await sign(keys, noSign),
        Buffer.from(encodeBatchProtobuf({ keys })),
      ).expect(201);
      await gw.app.get(GatewayBatchingService).runBatching(new Date());
      const callbacks = gw.app.get(CallbackService);
      let t = Date.now();
      for (let i = 0; i < 10; i++) {
        await callbacks.deliverDue(new Date(t));
        const listed = (await get('/diagnosiskeys/callback').expect(200)).body as { callbackId: string }[];
        if (!listed.some((c) => c.callbackId === 'broken')) break;
        t += 301_000; // the retry delay (FEDERATION_GATEWAY_CALLBACK_RETRY_SECONDS) passes
      }
      expect(
        ((await get('/diagnosiskeys/callback').expect(200)).body as { callbackId: string }[]).map(
          (c) => c.callbackId,
        ),
      ).toEqual(['veilig']);
      expect(ingress.seen.filter((r) => r.path.startsWith('/no-such-route?')).length).toBe(6); // first try + 5 retries
    });

    it('answers OPTIONS with the formats it speaks', async () => {
      const res = await gw.http().options('/diagnosiskeys').expect(200);
      expect(res.headers).toMatchObject({
        accept: 'application/json; version=1.0, application/protobuf; version=1.0',
        allow: 'POST,GET,OPTIONS',
      });
    });

    it('authenticates by the TLS handshake on the direct-mTLS listener and ignores headers there', async () => {
      const call = (cert?: TestCertificate, headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpsRequest(
            {
              host: '127.0.0.1',
              port: port(gw2),
              path: '/diagnosiskeys/callback',
              ca: gatewayTls.certPem,
              headers,
              ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
            },
            (res) => {
              let body = '';
              res.on('data', (c: Buffer) => (body += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on('error', reject);
          req.end();
        });
      expect(await call(frAuth)).toEqual({ status: 200, body: expect.stringContaining('veilig') });
      expect(await call(unknownAuth)).toEqual({
        status: 403,
        body: JSON.stringify({ message: 'Client is not authorized to access the service' }),
      });
      expect(
        await call(undefined, { 'X-SSL-Client-SHA256': frAuth.thumbprint, 'X-SSL-Client-DN': frAuth.dn }),
      ).toEqual({ status: 403, body: JSON.stringify({ message: 'Forbidden' }) });
    });
  });

  const openssl = opensslVersion();
  if (!openssl)
    console.warn(
      'federation.e2e-spec: OpenSSL interop skipped because no `openssl` binary was found on the PATH',
    );
  (openssl ? describe : describe.skip)(`batch signatures interoperate with ${openssl ?? 'openssl'}`, () => {
    const file = (name: string) => join(dir, name);

    it('accepts an upload signed by `openssl cms -sign -binary -md sha256` over our signing bytes', async () => {
      const keys = freshKeys(25);
      writeFileSync(file('bytes.bin'), batchSigningBytes(keys));
      execFileSync('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-md',
        'sha256',
        '-signer',
        noSign.certFile,
        '-inkey',
        noSign.keyFile,
        '-in',
        file('bytes.bin'),
        '-outform',
        'DER',
        '-out',
        file('openssl.der'),
      ]);
      const signature = readFileSync(file('openssl.der')).toString('base64');
      await upload(noAuth, 'openssl-1', signature, Buffer.from(encodeBatchProtobuf({ keys }))).expect(201);
    });

    it('produces member signatures that `openssl cms -verify` accepts over the same bytes', async () => {
      const keys = freshKeys(25);
      writeFileSync(file('ours-bytes.bin'), batchSigningBytes(keys));
      writeFileSync(
        file('ours.der'),
        Buffer.from(await no.app.get(BatchSigner).sign(keys, new Date()), 'base64'),
      );
      expect(() =>
        execFileSync(
          'openssl',
          [
            'cms',
            '-verify',
            '-binary',
            '-inform',
            'DER',
            '-in',
            file('ours.der'),
            '-content',
            file('ours-bytes.bin'),
            '-noverify',
            '-out',
            file('verified.bin'),
          ],
          { stdio: 'pipe' },
        ),
      ).not.toThrow();
      expect(readFileSync(file('verified.bin'))).toEqual(Buffer.from(batchSigningBytes(keys)));
    });
  });

  describe('retention', () => {
    it('deletes what was created before today minus two days, and the list goes on from what is left', async () => {
      const db = gw.app.get(DataSource);
      const [oldest] = await db.getRepository(GatewayBatch).find({ order: { id: 'ASC' }, take: 1 });
      const old = new Date(Date.now() - 3 * 86_400_000);
      const oldUploads = await db.getRepository(GatewayUpload).findBy({ batchId: oldest.id });
      await db.getRepository(GatewayBatch).update({ id: oldest.id }, { createdAt: old });
      await db.getRepository(GatewayUpload).update({ batchId: oldest.id }, { createdAt: old });
      await db
        .getRepository(GatewayKeyHash)
        .update({ uploadId: In(oldUploads.map((u) => u.id)) }, { createdAt: old });
      const before = await db.getRepository(GatewayKeyHash).count();

      await gw.app.get(GatewayRetentionProcessor).handle();

      expect(await db.getRepository(GatewayBatch).existsBy({ id: oldest.id })).toBe(false);
      expect(await db.getRepository(GatewayUpload).countBy({ batchId: oldest.id })).toBe(0);
      expect(await db.getRepository(GatewayKeyHash).count()).toBe(
        before - oldUploads.reduce((n, u) => n + u.keyCount, 0),
      );
      const first = await gw
        .http()
        .get(`/diagnosiskeys/download/${formatUtcDay(new Date())}`)
        .set('X-SSL-Client-SHA256', frAuth.thumbprint)
        .set('X-SSL-Client-DN', frAuth.dn)
        .set('Accept', JSON_V1)
        .expect(200);
      expect(first.headers.batchtag).not.toBe(oldest.tag);
    });

    it('links batches into one list across days', async () => {
      const tomorrow = new Date(Date.now() + 86_400_000);
      const keys = freshKeys(1);
      await upload(
        noAuth,
        'tomorrow-1',
        await sign(keys, noSign),
        Buffer.from(encodeBatchProtobuf({ keys })),
      ).expect(201);
      const [tag] = await gw.app.get(GatewayBatchingService).runBatching(tomorrow);
      expect(tag).toBe(`${formatUtcDay(tomorrow).replace(/-/g, '')}-1`);
      const batches = await gw.app
        .get(DataSource)
        .getRepository(GatewayBatch)
        .find({ order: { id: 'DESC' }, take: 2 });
      expect(batches.map((b) => b.link)).toEqual([null, tag]);
      // A member walking today's list, from the day's first batch, arrives at tomorrow's first batch.
      const walked: string[] = [];
      let next: string | undefined;
      do {
        const res = await gw
          .http()
          .get(`/diagnosiskeys/download/${formatUtcDay(new Date())}`)
          .set('X-SSL-Client-SHA256', frAuth.thumbprint)
          .set('X-SSL-Client-DN', frAuth.dn)
          .set('Accept', PROTOBUF)
          .set(next ? { batchTag: next } : {})
          .expect(200);
        walked.push(String(res.headers.batchtag));
        next = String(res.headers.nextbatchtag);
      } while (next !== 'null');
      expect(walked.at(-1)).toBe(tag);
    });
  });
});
