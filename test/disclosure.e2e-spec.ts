/**
 * Professional-signed disclosure end to end: the phone registers its upload hash, a clinician
 * finds it by the 6 + 4 digits (or trustwords) and signs with a test-PKI certificate through the backoffice
 * API, the phone verifies the approval against its built-in root and uploads, the backend verifies again,
 * the keys appear in the next export and a phone that met the patient is notified. Then every refusal,
 * each on its own, and the smart-card bridge path with the bridge simulator.
 * Runs on both profiles (embedded; VEILIG_TEST_PROFILE=services for PostgreSQL + Redis).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BackendClient, uploadRequest } from '../mobile/backend-client';
import { runCli } from '../mobile/cli';
import { ManualClock } from '../mobile/clock';
import { DisclosureFlow, type DisclosureState, type PendingDisclosure } from '../mobile/disclosure-flow';
import { Phone } from '../mobile/phone';
import { AuditEntry } from '../src/modules/audit/entities/audit-entry.entity';
import { DisclosureService } from '../src/modules/disclosure/disclosure.service';
import { DisclosureRequest } from '../src/modules/disclosure/entities/disclosure-request.entity';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { bytesToBase64, derToPem, fromHex, signCms, utf8, writePkcs12 } from '../src/protocol/cms';
import { sharedTestPki, type TestPki, type TestSignerName } from '../src/protocol/cms/testing';
import {
  DISCLOSURE_VERIFICATION_TYPE,
  SmartCardBridge,
  SmartCardBridgeError,
  encodeApproval,
  parseDisclosureCode,
  trustwordsToCode,
  type DisclosureCode,
} from '../src/protocol/disclosure';
import {
  SmartCardBridgeSimulator,
  cardFromPkcs12,
} from '../src/protocol/disclosure/simulators/smartcard-bridge-simulator';
import { DAY_MS, ReportType } from '../src/protocol/gaen';
import { listen, type RunningServer } from '../src/protocol/identity/simulators/http-server';
import type { DisclosureRequestView, SubmittedApproval } from '../src/shared/disclosure-contract';
import { createUser, signedInAgent, startApp, type TestApp } from './support/app';
import { aMeetsB, afterThisHour, checkExposure } from './support/gaen';
import { freshEnv, testName } from './support/profile';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;
type Approved = Extract<DisclosureState, { status: 'approved' }>;

const LOOKUP_LIMIT = 40;

describe('professional-signed disclosure: code → GP signature → verified upload → export → notification', () => {
  let t: TestApp;
  let pki: TestPki;
  let base: string;
  let backend: BackendClient;
  let gp: Agent;
  let rootPem: string;
  let crlServer: RunningServer;
  let crlDownloads = 0;
  const scenario = aMeetsB(2);
  const { A, B, C } = scenario.phones;
  const flow = () => new DisclosureFlow({ baseUrl: base, trustedRoots: [pki.root.der] });
  const db = () => t.app.get(DataSource);

  /** The GP's side through the API: look the reference up, sign hash + 10 digits, submit. */
  const lookup = (reference: string, agent = gp) =>
    agent.agent.post('/api/backoffice/disclosure/lookup').set('X-XSRF-TOKEN', agent.csrf).send({ reference });
  const submit = (id: string, cms: Uint8Array | string, agent = gp) =>
    agent.agent
      .post(`/api/backoffice/disclosure/requests/${id}/approval`)
      .set('X-XSRF-TOKEN', agent.csrf)
      .send({ cms: typeof cms === 'string' ? cms : bytesToBase64(cms) });
  const approval = (view: DisclosureRequestView, code: DisclosureCode, signer: TestSignerName = 'huisarts') =>
    signCms({
      content: encodeApproval({ uploadHash: fromHex(view.uploadHash), code }),
      signer: pki.signers[signer].signer(),
    });
  const found = async (code: DisclosureCode): Promise<DisclosureRequestView> => {
    const res = await lookup(code.reference).expect(200);
    return res.body as DisclosureRequestView;
  };
  /** Looks up and signs; the submission must be accepted. */
  const gpSigns = async (
    code: DisclosureCode,
    signer: TestSignerName = 'huisarts',
  ): Promise<SubmittedApproval> => {
    const view = await found(code);
    const res = await submit(view.id, await approval(view, code, signer));
    expect(res.status).toBe(200);
    return res.body as SubmittedApproval;
  };
  const started = async (phone = A, consent = {}): Promise<PendingDisclosure> => {
    const state = await flow().start(phone, { disclose: true, ...consent });
    if (state.status !== 'awaiting-signature') throw new Error(`not started: ${JSON.stringify(state)}`);
    return state.pending;
  };
  const approved = async (pending: PendingDisclosure): Promise<Approved> => {
    await gpSigns(pending.code);
    const state = await flow().poll(pending);
    if (state.status !== 'approved') throw new Error(`not approved: ${JSON.stringify(state)}`);
    return state;
  };
  const rawUpload = (
    pending: PendingDisclosure,
    cms: Uint8Array,
    body: Partial<ReturnType<typeof uploadRequest>> = {},
  ) =>
    t
      .http()
      .post('/api/v1/diagnosis-keys')
      .send({
        ...pending.upload,
        ...body,
        verification: {
          type: DISCLOSURE_VERIFICATION_TYPE,
          requestId: pending.requestId,
          approval: bytesToBase64(cms),
        },
      });
  const storedKeys = () => db().getRepository(DiagnosisKey).countBy({ flow: 'professional-signed' });

  beforeAll(async () => {
    pki = await sharedTestPki();
    // The deployment's trust configuration: the test PKI's root and its CRL, as files.
    const dir = mkdtempSync(join(tmpdir(), 'veilig-disclosure-pki-'));
    rootPem = join(dir, 'root.pem');
    writeFileSync(rootPem, derToPem(pki.root.der, 'CERTIFICATE'));
    // The CRL comes from a URL (as the UZI register publishes it); the backend caches it until nextUpdate.
    crlServer = await listen((_req, _body, res) => {
      crlDownloads++;
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(Buffer.from(pki.intermediateCrl));
    });
    t = await startApp({
      env: await freshEnv(testName(), {
        DISCLOSURE_TRUSTED_ROOTS: join(dir, 'root.pem'),
        DISCLOSURE_CRL_LOCATIONS: `${crlServer.url}/zorgverlener.crl`,
        DISCLOSURE_LOOKUPS_PER_PROFESSIONAL_PER_HOUR: String(LOOKUP_LIMIT),
      }),
      listen: true,
    });
    const { port } = t.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    backend = new BackendClient(base);
    gp = await clinician(t, 'huisarts@praktijk.test');
  });
  afterAll(async () => {
    await t?.close();
    await crlServer?.close();
  });

  it('A discloses: code + trustwords → GP looks up by words and signs → phone verifies and uploads → keys in the next export → B is notified, C is not', async () => {
    expect(await flow().start(A, { disclose: false })).toMatchObject({
      status: 'failed',
      failure: 'CONSENT_REQUIRED',
    });
    const pending = await started(A, { visitedCountries: ['DE', 'BE'], consentToFederation: true });
    expect(pending.codeText).toMatch(/^\d{6}-\d{4}$/);
    expect(pending.trustwords.nl).toHaveLength(5);
    expect(trustwordsToCode(pending.trustwords.en)).toEqual(pending.code);
    expect(await flow().poll(pending)).toMatchObject({ status: 'awaiting-signature' });

    // The GP's portal reads the words into the code and sends only the reference.
    const code = trustwordsToCode(pending.trustwords.nl.join(' '));
    const view = await found(code);
    expect(view).toMatchObject({
      status: 'open',
      uploadHashFingerprint: expect.stringMatching(/^([0-9a-f]{4} ){3}[0-9a-f]{4}$/),
      signatures: 0,
    });
    const signed = await submit(view.id, await approval(view, code)).expect(200);
    expect((signed.body as SubmittedApproval).signer).toEqual({
      name: 'Anna de Vries',
      uziNumber: '900000101',
      role: '01.015',
    });

    const state = await flow().waitForApproval(pending, { intervalMs: 10 });
    expect(state).toMatchObject({ status: 'approved', signer: { name: 'Anna de Vries', role: '01.015' } });
    const disclosedKeys = pending.keys.map((k) => Buffer.from(k.keyData).toString('hex'));
    const uploaded = await flow().upload(A, state as Approved);
    expect(uploaded).toMatchObject({
      status: 'uploaded',
      insertedKeys: pending.keys.length,
      forgottenKeys: pending.keys.length,
    });
    // The disclosed keys are gone from the phone; it broadcasts with a fresh key now.
    expect(
      A.keys()
        .map((k) => Buffer.from(k.keyData).toString('hex'))
        .filter((k) => disclosedKeys.includes(k)),
    ).toEqual([]);
    expect(disclosedKeys).not.toContain(Buffer.from(A.tekAt(Date.now()).keyData).toString('hex'));

    const stored = await db().getRepository(DiagnosisKey).findBy({ flow: 'professional-signed' });
    expect(stored).toHaveLength(pending.keys.length);
    expect(new Set(stored.map((k) => k.reportType))).toEqual(
      new Set([ReportType.CONFIRMED_CLINICAL_DIAGNOSIS]),
    );
    expect(stored[0]).toMatchObject({
      consentToFederation: true,
      visitedCountries: expect.arrayContaining(['BE', 'DE']),
    });
    const row = await db().getRepository(DisclosureRequest).findOneByOrFail({ id: pending.requestId });
    expect(row).toMatchObject({ status: 'used', reference: null, approval: null, signerRole: '01.015' });

    const reports = await t.app.get(AggregationService).runCycle(afterThisHour());
    expect(reports.reduce((n, r) => n + r.realKeys, 0)).toBeGreaterThanOrEqual(12);
    const forB = await checkExposure(backend, B, 'NL');
    expect(forB.notify).toBe(true);
    expect((await checkExposure(backend, C, 'NL')).notify).toBe(false);

    // Audited without the code: no digits of it in any disclosure audit row.
    const audit = await db().getRepository(AuditEntry).find();
    const disclosureRows = audit.filter((a) => a.action.startsWith('disclosure.'));
    expect(disclosureRows.map((a) => `${a.action}:${a.outcome}`)).toEqual(
      expect.arrayContaining([
        'disclosure.lookup:success',
        'disclosure.sign:success',
        'disclosure.upload:success',
      ]),
    );
    expect(disclosureRows.every((a) => a.objectId === null || a.objectId === pending.requestId)).toBe(true);
    expect(JSON.stringify(disclosureRows.map((a) => a.details))).not.toContain(pending.code.reference);
  });

  it('refused: a reused code (the same approval and keys uploaded twice)', async () => {
    const phone = freshPhone('reuse');
    const pending = await started(phone);
    const state = await approved(pending);
    const body = {
      ...pending.upload,
      verification: {
        type: DISCLOSURE_VERIFICATION_TYPE,
        requestId: pending.requestId,
        approval: bytesToBase64(state.approval),
      },
    };
    await t.http().post('/api/v1/diagnosis-keys').send(body).expect(200);
    const replay = await t.http().post('/api/v1/diagnosis-keys').send(body);
    expect({ status: replay.status, type: replay.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/\/disclosure-code-used$/),
    });
    expect(await flow().upload(phone, state)).toMatchObject({
      status: 'failed',
      failure: 'CODE_USED',
      backendSlug: 'disclosure-code-used',
    });
    // The closed request no longer resolves for a GP either.
    await lookup(pending.code.reference).expect(404);
  });

  it('refused: wrong last 4 digits — the backend cannot tell, the phone refuses with CODE_MISMATCH; a corrected signature then passes', async () => {
    const pending = await started(freshPhone('mistyped'));
    const mistyped = {
      reference: pending.code.reference,
      secret: String((Number(pending.code.secret) + 1) % 10_000).padStart(4, '0'),
    };
    await gpSigns(mistyped);
    const state = await flow().poll(pending);
    expect(state).toMatchObject({
      status: 'failed',
      failure: 'CODE_MISMATCH',
      next: 'poll-again',
      message: expect.stringMatching(/^Code mismatch/),
    });
    await gpSigns(pending.code);
    expect(await flow().poll(pending)).toMatchObject({ status: 'approved' });
    expect((await found(pending.code)).signatures).toBe(2);
  });

  it('refused: a certificate outside the root (impostor hierarchy with the same names)', async () => {
    const pending = await started(freshPhone('impostor'));
    const view = await found(pending.code);
    const cms = await approval(view, pending.code, 'impostor');
    await expectRefusal(submit(view.id, cms), 422, 'UNTRUSTED_CHAIN');
    expect(await flow().check(pending, cms)).toMatchObject({ status: 'failed', failure: 'UNTRUSTED_CHAIN' });
  });

  it('refused: an expired certificate', async () => {
    const pending = await started(freshPhone('expired'));
    const view = await found(pending.code);
    const cms = await approval(view, pending.code, 'expired');
    await expectRefusal(submit(view.id, cms), 422, 'CERTIFICATE_EXPIRED');
    expect(await flow().check(pending, cms)).toMatchObject({
      status: 'failed',
      failure: 'CERTIFICATE_EXPIRED',
    });
  });

  it('refused: a revoked certificate, by the backend at signing and again at upload (CRL)', async () => {
    const before = await storedKeys();
    const pending = await started(freshPhone('revoked'));
    const view = await found(pending.code);
    const revoked = await approval(view, pending.code, 'revoked');
    await expectRefusal(submit(view.id, revoked), 422, 'CERTIFICATE_REVOKED');
    // A phone that skips the portal and uploads with its own package from a revoked card is refused too.
    await submit(view.id, await approval(view, pending.code)).expect(200);
    await expectRefusal(rawUpload(pending, revoked), 401, 'CERTIFICATE_REVOKED');
    expect(await storedKeys()).toBe(before);
    // Many verifications so far, one download: the CRL is cached until its nextUpdate.
    expect(crlDownloads).toBe(1);
  });

  it('refused: a professional outside Wet BIG article 3 (diëtist), shown as "signed by a non-BIG professional"', async () => {
    const pending = await started(freshPhone('dietist'));
    const view = await found(pending.code);
    const cms = await approval(view, pending.code, 'dietist');
    await expectRefusal(submit(view.id, cms), 422, 'NOT_ARTICLE_3_PROFESSIONAL');
    expect(await flow().check(pending, cms)).toMatchObject({
      status: 'failed',
      failure: 'NOT_ARTICLE_3_PROFESSIONAL',
      message: expect.stringMatching(/^Signed by a non-BIG professional/),
    });
  });

  it('refused: a tampered payload (hash mismatch at upload); the untampered upload still goes through', async () => {
    const phone = freshPhone('tampered');
    const pending = await started(phone);
    const state = await approved(pending);
    const before = await storedKeys();
    await expectRefusal(
      rawUpload(pending, state.approval, { consentToFederation: true }),
      401,
      'UPLOAD_HASH_MISMATCH',
    );
    await expectRefusal(
      rawUpload(pending, state.approval, { keys: pending.upload.keys.slice(1) }),
      401,
      'UPLOAD_HASH_MISMATCH',
    );
    await expectRefusal(
      rawUpload(pending, state.approval, {
        keys: pending.upload.keys.map((k, i) => (i ? k : { ...k, transmissionRiskLevel: 7 })),
      }),
      401,
      'UPLOAD_HASH_MISMATCH',
    );
    expect(await storedKeys()).toBe(before);
    expect(await flow().upload(phone, state)).toMatchObject({ status: 'uploaded' });
  });

  it('refused: a malformed CMS blob, at submission and at upload', async () => {
    const pending = await started(freshPhone('malformed'));
    const view = await found(pending.code);
    const good = await approval(view, pending.code);
    for (const blob of [
      utf8('not a signature at all'),
      good.subarray(0, good.length - 40),
      Uint8Array.of(0x30, 0x80, 0x06, 0x09),
      new Uint8Array(64),
    ]) {
      await expectRefusal(submit(view.id, blob), 400, 'MALFORMED_CMS');
    }
    const notBase64 = await submit(view.id, '***');
    expect(notBase64.status).toBe(400);
    // Signed content that is not an approval.
    const other = await signCms({
      content: utf8('I approve everything'),
      signer: pki.signers.huisarts.signer(),
    });
    await expectRefusal(submit(view.id, other), 400, 'MALFORMED_APPROVAL');
    await submit(view.id, good).expect(200);
    await expectRefusal(rawUpload(pending, utf8('garbage')), 400, 'MALFORMED_CMS');
    expect(await flow().check(pending, utf8('garbage'))).toMatchObject({
      status: 'failed',
      failure: 'MALFORMED_CMS',
    });
  });

  it('signs through the smart-card bridge simulator (what you see is what you sign)', async () => {
    const p12 = await writePkcs12({
      privateKey: pki.signers.huisartsEcdsa.certificate.keys.privateKey,
      certificate: pki.signers.huisartsEcdsa.certificate.der,
      chain: pki.signers.huisartsEcdsa.chain,
      password: 'pin',
    });
    const card = await cardFromPkcs12(p12, 'pin');
    let decision: 'sign' | 'cancel' = 'cancel';
    const sim = await SmartCardBridgeSimulator.start({
      card,
      allowedOrigins: [base],
      decide: () => decision,
    });
    try {
      const bridge = new SmartCardBridge(sim.url);
      expect(await bridge.status()).toMatchObject({
        protocol: 'veilig-smartcard-bridge/1',
        cardPresent: true,
      });
      const [certificate] = await bridge.certificates();
      const pending = await started(freshPhone('bridge'));
      const view = await found(pending.code);
      const content = encodeApproval({ uploadHash: fromHex(view.uploadHash), code: pending.code });

      await expect(signCms({ content, signer: bridge.signer(certificate, content) })).rejects.toMatchObject({
        code: 'CANCELLED',
      });
      // A page that shows one text but asks to sign another is refused by the bridge.
      await expect(
        signCms({ content, signer: bridge.signer(certificate, utf8('something harmless')) }),
      ).rejects.toMatchObject({ code: 'CONTENT_MISMATCH' });
      decision = 'sign';
      const cms = await signCms({ content, signer: bridge.signer(certificate, content) });
      expect(sim.shown.at(-1)).toBe(new TextDecoder().decode(content));
      expect((await submit(view.id, cms).expect(200)).body.signer).toMatchObject({
        name: 'Bram Jansen',
        role: '01.015',
      });
      expect(await flow().poll(pending)).toMatchObject({
        status: 'approved',
        signer: { name: 'Bram Jansen' },
      });

      // Browsers always send Origin: other pages are refused.
      const foreign = await fetch(`${sim.url}/v1/certificates`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(foreign.status).toBe(403);
      await expect(new SmartCardBridge('http://127.0.0.1:9').status()).rejects.toBeInstanceOf(
        SmartCardBridgeError,
      );
    } finally {
      await sim.close();
    }
  });

  it('the reference CLI discloses a stored phone: shows the code, waits for the signature, verifies and uploads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veilig-cli-phones-'));
    const lines: string[] = [];
    const io = {
      out: (l: string) => lines.push(l),
      err: (l: string) => lines.push(`error: ${l}`),
      env: { VEILIG_PHONE_KEY: 'ab'.repeat(32) },
    };
    expect(await runCli(['create', 'P', '--dir', dir], io)).toBe(0);
    const running = runCli(
      ['disclose', 'P', '--dir', dir, '--backend', base, '--root', rootPem, '--wait', '60'],
      io,
    );
    let codeLine: string | undefined;
    for (let i = 0; i < 200 && !codeLine; i++) {
      await new Promise((r) => setTimeout(r, 50));
      codeLine = lines.find((l) => l.startsWith('code: '));
    }
    await gpSigns(parseDisclosureCode(codeLine!.slice('code: '.length)));
    expect(await running).toBe(0);
    expect(lines.join('\n')).toMatch(
      /signed by Anna de Vries[\s\S]*uploaded 1 keys; 1 disclosed keys destroyed, phone rekeyed/,
    );
  });

  it('a taken reference is refused with 409 and the app redraws', async () => {
    const first = await started(freshPhone('redraw-1'));
    const dup = await t
      .http()
      .post('/api/v1/disclosure/requests')
      .send({ reference: first.code.reference, uploadHash: 'ab'.repeat(32) });
    expect({ status: dup.status, type: dup.body.type }).toEqual({
      status: 409,
      type: expect.stringMatching(/\/reference-taken$/),
    });
    // The flow's random source first yields the taken reference, then another code.
    const taken = codeBytes(first.code);
    const draws = [
      taken,
      taken,
      codeBytes(parseDisclosureCode(first.code.reference === '999999' ? '0000001234' : '9999991234')),
    ];
    const redrawn = await new DisclosureFlow({
      baseUrl: base,
      trustedRoots: [pki.root.der],
      random: () => draws.shift()!,
    }).start(freshPhone('redraw-2'), { disclose: true });
    expect(redrawn).toMatchObject({ status: 'awaiting-signature' });
    expect((redrawn as { pending: PendingDisclosure }).pending.code.reference).not.toBe(first.code.reference);
  });

  it('polls only with the secret, expires unsigned codes (freeing the reference) and lets the phone withdraw', async () => {
    const pending = await started(freshPhone('expiry'));
    const url = `/api/v1/disclosure/requests/${pending.requestId}`;
    expect((await t.http().get(url)).status).toBe(401);
    expect(
      (
        await t
          .http()
          .get(url)
          .set('Authorization', `Bearer ${'x'.repeat(43)}`)
      ).status,
    ).toBe(404);
    expect(
      (await t.http().get(url).set('Authorization', `Bearer ${pending.pollSecret}`).expect(200)).body,
    ).toMatchObject({ status: 'open' });
    const row = await db().getRepository(DisclosureRequest).findOneByOrFail({ id: pending.requestId });
    expect(row.pollSecretHash).toMatch(/^[0-9a-f]{64}$/);

    await db()
      .getRepository(DisclosureRequest)
      .update({ id: pending.requestId }, { expiresAt: new Date(Date.now() - 1000) });
    await lookup(pending.code.reference).expect(404);
    expect(await t.app.get(DisclosureService).closeExpired()).toMatchObject({ expired: 1 });
    expect(await flow().poll(pending)).toMatchObject({
      status: 'failed',
      failure: 'CODE_EXPIRED',
      next: 'start-over',
    });
    await t
      .http()
      .post('/api/v1/disclosure/requests')
      .send({ reference: pending.code.reference, uploadHash: 'cd'.repeat(32) })
      .expect(201);

    const withdrawn = await started(freshPhone('withdrawn'));
    await flow().cancel(withdrawn);
    expect(await flow().poll(withdrawn)).toMatchObject({ status: 'failed', failure: 'REQUEST_CLOSED' });
    await lookup(withdrawn.code.reference).expect(404);
  });

  it('the backoffice needs a clinician; look-ups are rate limited per professional and audited without the code', async () => {
    const stranger = t.http();
    const { token } = (await stranger.get('/api/auth/csrf').expect(200)).body as { token: string };
    expect(
      (
        await stranger
          .post('/api/backoffice/disclosure/lookup')
          .set('X-XSRF-TOKEN', token)
          .send({ reference: '123456' })
      ).status,
    ).toBe(401);
    expect(
      (await gp.agent.post('/api/backoffice/disclosure/lookup').send({ reference: '123456' })).status,
    ).toBe(403);
    const agentUser = await clinician(t, 'agent@gemeente.test', ['agent']);
    await lookup('123456', agentUser).expect(403);
    await lookup('12345', gp).expect(400);

    const guesser = await clinician(t, 'guesser@praktijk.test');
    let limited = 0;
    for (let i = 0; i < LOOKUP_LIMIT + 2; i++) {
      const res = await lookup(String(100000 + i * 7919).slice(0, 6), guesser);
      if (res.status === 429) limited++;
      else expect(res.status).toBe(404);
    }
    expect(limited).toBe(2);
    const rows = await db()
      .getRepository(AuditEntry)
      .findBy({ action: 'disclosure.lookup', actorUserId: guesser.user.id });
    expect(rows.filter((r) => r.outcome === 'failure')).toHaveLength(LOOKUP_LIMIT);
    expect(rows.filter((r) => r.outcome === 'denied')).toHaveLength(2);
    expect(rows.every((r) => r.objectId === null && !/\d{6}/.test(JSON.stringify(r.details ?? {})))).toBe(
      true,
    );
  });
});

/** A phone that has been on for two weeks (a key for every day), met nobody. */
function freshPhone(id: string): Phone {
  const now = Date.now();
  const phone = Phone.create({ id, clock: new ManualClock(now) });
  for (let day = 14; day >= 0; day--) phone.tekAt(now - day * DAY_MS);
  return phone;
}

/** Five random bytes that `drawDisclosureCode` maps to this code (it takes 40 bits modulo 10^10). */
function codeBytes(code: DisclosureCode): Uint8Array {
  let value = Number(code.reference + code.secret);
  const bytes = new Uint8Array(5);
  for (let i = 4; i >= 0; i--) {
    bytes[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return bytes;
}

async function expectRefusal(
  request: PromiseLike<{ status: number; body: { type?: string; reason?: string } }>,
  status: number,
  reason: string,
): Promise<void> {
  const res = await request;
  expect({ status: res.status, reason: res.body.reason, type: res.body.type }).toEqual({
    status,
    reason,
    type: expect.stringMatching(new RegExp(`/${reason.toLowerCase().replace(/_/g, '-')}$`)),
  });
}

async function clinician(
  t: TestApp,
  email: string,
  roles: ('clinician' | 'agent')[] = ['clinician'],
): Promise<Agent> {
  const kind = roles.includes('agent') ? 'municipality' : 'gp-practice';
  const user = await createUser(t, {
    email,
    roles,
    organisation: { name: kind === 'municipality' ? 'Gemeente Test' : 'Huisartsenpraktijk Test', kind },
  });
  const s = await signedInAgent(t, user.email, user.password);
  await s.agent
    .post('/api/auth/change-password')
    .set('X-XSRF-TOKEN', s.csrf)
    .send({ currentPassword: user.password, newPassword: 'a long clinician passphrase' })
    .expect(204);
  return s;
}
