import { readFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { BackendClient, BackendError } from '../mobile/backend-client';
import { ManualClock } from '../mobile/clock';
import { IdentityVerificationFlow, type UploadAuthorization } from '../mobile/identity-flow';
import { Phone } from '../mobile/phone';
import { loadConfig } from '../src/config/app-config';
import { AuditEntry } from '../src/modules/audit/entities/audit-entry.entity';
import { VerificationRecord } from '../src/modules/identity-verification/entities/verification-record.entity';
import { IdentityPurgeProcessor } from '../src/modules/identity-verification/identity-purge.processor';
import { IdentitySimulators } from '../src/modules/identity-verification/identity-verification.gateways';
import { AggregationService } from '../src/modules/key-store/aggregation.service';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { DAY_MS, Infectiousness, ReportType } from '../src/protocol/gaen';
import {
  IDENTITY_REFUSALS,
  infectiousnessOf,
  isoDay,
  tokenMessage,
  type IdentityRefusal,
  type PublishedTokenKey,
} from '../src/protocol/identity';
import type { IdTokenTampering } from '../src/protocol/identity/simulators/oidc-provider-simulator';
import { testIdentities, type TestIdentityKey } from '../src/protocol/identity/simulators/test-identities';
import { startApp, type TestApp } from './support/app';
import { blindRsaTs } from './support/blindrsa';
import { afterThisHour, aMeetsB, checkExposure, todaysKeyWaits } from './support/gaen';
import {
  APP_REDIRECT_URI,
  browse,
  OIDC_CLIENT,
  startIdentitySimulators,
  type IdentitySims,
} from './support/identity';
import { freshEnv, testName } from './support/profile';
import { dumpDatabase } from './support/veilig-bellen';

const identities = Object.fromEntries(testIdentities(Date.now()).map((p) => [p.key, p]));

describe('identity-based verification: eID login → lab registry → blind-signed token → upload → notification', () => {
  let t: TestApp;
  let sims: IdentitySims;
  let base: string;
  let backend: BackendClient;
  const scenario = aMeetsB(2);
  const { A, B, C } = scenario.phones;
  // B met A two days after A's symptoms began.
  const onsetDate = isoDay(scenario.encounterMs - 2 * DAY_MS);

  /** The app's whole verification: consent, browser round trip, outcome, blind signature. */
  const verify = async (
    who: TestIdentityKey | 'cancel',
    fetchImpl: typeof fetch = fetch,
  ): Promise<UploadAuthorization> => {
    const flow = new IdentityVerificationFlow(base, APP_REDIRECT_URI, fetchImpl);
    const pending = flow.begin({ identityLookup: true });
    return flow.complete(pending, await browse(pending.authorizationUrl, who, base));
  };
  const refusal = async (who: TestIdentityKey | 'cancel') => {
    const err = await verify(who).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    return err as BackendError;
  };
  const flow = () => new IdentityVerificationFlow(base, APP_REDIRECT_URI);
  const storedIdentityKeys = () =>
    t.app.get(DataSource).getRepository(DiagnosisKey).countBy({ flow: 'identity' });

  beforeAll(async () => {
    sims = await startIdentitySimulators();
    t = await startApp({ env: await freshEnv(testName(), sims.env), listen: true });
    const { port } = t.app.getHttpServer().address() as { port: number };
    base = `http://127.0.0.1:${port}`;
    backend = new BackendClient(base);
  });
  afterAll(async () => {
    await t.close();
    await sims.close();
  });

  it('A logs in, is verified and uploads with an onset date; after the next cycle B, who met A two days after onset, is notified with HIGH infectiousness; C is not', async () => {
    expect(() => flow().begin({ identityLookup: false })).toThrow('consent');
    const auth = await verify('positive');
    expect(auth.sampleDate).toBe(isoDay(Date.now() - 3 * DAY_MS));
    expect(auth.maxKeys).toBe(15);

    const uploaded = await flow().upload(A, auth, { onsetDate });
    // Every key of the last 14 days is labelled from the onset; keys NONE would weigh nothing are left out.
    expect(uploaded.insertedKeys).toBe(uploaded.keys.length);
    const encounterKey = uploaded.keys.find(
      (k) => k.key.rollingStartIntervalNumber === Math.floor(scenario.encounterMs / DAY_MS) * 144,
    );
    expect(encounterKey).toMatchObject({ daysSinceOnsetOfSymptoms: 2, infectiousness: Infectiousness.HIGH });
    for (const k of uploaded.keys)
      expect(k.infectiousness).toBe(infectiousnessOf(k.daysSinceOnsetOfSymptoms));
    expect(Math.min(...uploaded.keys.map((k) => k.daysSinceOnsetOfSymptoms))).toBe(-5);

    const stored = await t.app.get(DataSource).getRepository(DiagnosisKey).findBy({ flow: 'identity' });
    expect(stored).toHaveLength(uploaded.keys.length);
    expect(new Set(stored.map((k) => k.reportType))).toEqual(new Set([ReportType.CONFIRMED_TEST]));

    // Nothing stored pairs the upload with the login by time: both are kept to the hour only.
    const hour = 3_600_000;
    const verifiedAt = await t.app.get(DataSource).getRepository(VerificationRecord).find();
    expect(verifiedAt.length).toBeGreaterThan(0);
    for (const v of verifiedAt) expect(v.verifiedAt.getTime() % hour).toBe(0);
    for (const k of stored) {
      expect(k.receivedAt.getTime() % hour).toBe(0);
      // Either the end of the upload's hour or a time that follows from the key alone.
      const validUntil = (k.rollingStartIntervalNumber + k.rollingPeriod) * 600_000;
      const receipt = k.receivedAt.getTime();
      expect([receipt, receipt + hour, validUntil + t.config.keyStore.embargoMs]).toContain(
        k.availableAt.getTime(),
      );
    }

    const cycleEnd = afterThisHour();
    const reports = await t.app.get(AggregationService).runCycle(cycleEnd);
    // Today's key waits for a later cycle.
    expect(reports[0].realKeys).toBe(uploaded.keys.length - todaysKeyWaits(cycleEnd));

    const forB = await checkExposure(backend, B, 'NL');
    expect(forB.notify).toBe(true);
    expect(forB.exposureWindows.length).toBeGreaterThan(0);
    for (const w of forB.exposureWindows) {
      expect(w).toMatchObject({
        infectiousness: Infectiousness.HIGH,
        reportType: ReportType.CONFIRMED_TEST,
        dateMs: Math.floor(scenario.encounterMs / DAY_MS) * DAY_MS,
      });
    }
    expect(forB.matchedKeys.map((m) => m.key.daysSinceOnsetOfSymptoms)).toEqual([2]);
    expect((await checkExposure(backend, C, 'NL')).notify).toBe(false);
  });

  it.each([
    ['positive-15', 'identity-too-young', 'too-young'],
    ['sample-15-days-old', 'identity-test-too-old', 'test-too-old'],
    ['negative', 'identity-not-verified', 'no-positive-test'],
    ['unknown', 'identity-not-verified', 'no-positive-test'],
    ['registry-timeout', 'identity-registry-unavailable', 'registry-unavailable'],
    ['cancel', 'identity-login-failed', 'login-cancelled'],
  ] as const)('refuses %s with %s (reason %s), as documented', async (who, slug: IdentityRefusal, reason) => {
    const err = await refusal(who);
    expect({
      status: err.status,
      slug: err.slug,
      reason: err.problem.reason,
      title: err.problem.title,
    }).toEqual({
      status: IDENTITY_REFUSALS[slug].status,
      slug,
      reason,
      title: IDENTITY_REFUSALS[slug].title,
    });
    expect(err.problem.detail).toBe(IDENTITY_REFUSALS[slug].detail);
  });

  it.each([
    'wrong-nonce',
    'wrong-audience',
    'wrong-issuer',
    'expired',
    'bad-signature',
    'stale-auth-time',
    'low-acr',
    'no-acr',
  ] as IdTokenTampering[])(
    'refuses a login whose ID token has %s (checked by the OIDC client library, or ours for auth_time and acr)',
    async (tampering) => {
      sims.idp.tamperNextIdToken = tampering;
      const err = await refusal('positive-2');
      expect([err.status, err.slug, err.problem.reason]).toEqual([
        401,
        'identity-login-failed',
        'login-failed',
      ]);
    },
  );

  it('redeems a token exactly once, and refuses forged tokens, unknown keys, implausible onsets and keys that contradict the onset', async () => {
    const D = Phone.create({ id: 'D', clock: new ManualClock(Date.now()) });
    for (let day = 0; day < 14; day++) D.tekAt(Date.now() - day * DAY_MS);
    const auth = await verify('positive-2');
    const before = await storedIdentityKeys();
    const keys = () => D.diagnosisKeys();
    const upload = (verification: Record<string, unknown>, k = keys()) =>
      backend.uploadKeys(k, { verification }).catch((e: unknown) => e as BackendError);
    const good = {
      type: 'identity-blind-token',
      keyId: auth.keyId,
      token: auth.token,
      signature: auth.signature,
    };
    const flipped = Buffer.from(auth.token, 'base64url');
    flipped[0] ^= 1;

    expect(await upload({ ...good, token: flipped.toString('base64url') })).toMatchObject({
      status: 401,
      slug: 'invalid-upload-token',
      problem: { reason: 'bad-token-signature' },
    });
    expect(await upload({ ...good, keyId: 'A'.repeat(43) })).toMatchObject({
      status: 401,
      problem: { reason: 'unknown-token-key' },
    });
    expect(await upload({ ...good, extra: 1 })).toMatchObject({ status: 400, slug: 'invalid-verification' });
    expect(await upload({ ...good, onsetDate: isoDay(Date.now() + DAY_MS) })).toMatchObject({
      status: 400,
      slug: 'identity-bad-onset-date',
    });
    expect(await upload({ ...good, onsetDate: isoDay(Date.now() - 30 * DAY_MS) })).toMatchObject({
      status: 400,
      slug: 'identity-bad-onset-date',
    });
    const lying = keys().map((k) => ({ ...k, daysSinceOnsetOfSymptoms: 0 }));
    expect(await upload({ ...good, onsetDate: isoDay(Date.now() - 3 * DAY_MS) }, lying)).toMatchObject({
      status: 400,
      slug: 'identity-dsos-mismatch',
    });
    expect(await storedIdentityKeys()).toBe(before);

    // Without an onset date the sample date is the onset: the server derives DSOS from it.
    const sampleDayMs = Date.parse(`${auth.sampleDate}T00:00:00Z`);
    const result = await flow().upload(D, auth, { onsetDate: null });
    expect(result.insertedKeys).toBeGreaterThan(0);
    for (const k of result.keys)
      expect(k.daysSinceOnsetOfSymptoms).toBe(
        Math.round((k.key.rollingStartIntervalNumber * 600_000 - sampleDayMs) / DAY_MS),
      );
    expect(await storedIdentityKeys()).toBe(before + result.insertedKeys);

    const replay = await upload(good, keys().slice(0, 1));
    expect(replay).toMatchObject({ status: 409, slug: 'upload-token-used' });
  });

  it("interoperates with Cloudflare's blindrsa-ts: its blinded token, signed by us, finalises and uploads; our phone's tokens verify with it", async () => {
    const pending = flow().begin({ identityLookup: true });
    const code = new URL(await browse(pending.authorizationUrl, 'positive-3', base)).searchParams.get(
      'code',
    )!;
    const proof = { code, codeVerifier: pending.codeVerifier };
    const post = <T>(path: string, body: object) =>
      backend.json<T>(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const { tokenKey } = await post<{ tokenKey: PublishedTokenKey }>('/api/v1/identity/verification', proof);
    // The library prepares (32 random bytes first, RFC 9474 §4.1) and blinds our token message.
    const blinded = await blindRsaTs.blind(tokenKey, tokenMessage(tokenKey.keyId));
    const { blindSignature } = await post<{ blindSignature: string }>('/api/v1/identity/blind-signature', {
      ...proof,
      keyId: tokenKey.keyId,
      blindedMessage: blinded.blindedMessage,
    });
    const { signature } = await blindRsaTs.finalize(tokenKey, blinded.prepared, blindSignature, blinded.inv);
    const E = Phone.create({ id: 'E', clock: new ManualClock(Date.now()) });
    for (let day = 0; day < 3; day++) E.tekAt(Date.now() - day * DAY_MS);
    const verification = {
      type: 'identity-blind-token',
      keyId: tokenKey.keyId,
      token: blinded.prepared,
      signature,
    };
    await expect(backend.uploadKeys(E.diagnosisKeys(), { verification })).resolves.toBe(3);

    const ours = await verify('positive-3');
    await expect(blindRsaTs.verify(tokenKey, ours.token, ours.signature)).resolves.toBe(true);
    const forged = Buffer.from(ours.signature, 'base64url');
    forged[10] ^= 1;
    await expect(blindRsaTs.verify(tokenKey, ours.token, forged.toString('base64url'))).resolves.toBe(false);
  });

  it('refuses a fourth verification within 24 h (blocked), without asking the lab registry', async () => {
    // `positive` verified once in the first test.
    await verify('positive');
    await verify('positive');
    const asked = sims.lab.requests;
    const err = await refusal('positive');
    expect([err.status, err.slug, err.problem.reason]).toEqual([
      429,
      'identity-blocked',
      'too-many-verifications',
    ]);
    // Counted from the end of the hour the oldest verification is stored under: 24 to 25 hours.
    expect(err.problem.retryAfterSeconds).toBeGreaterThan(23 * 3600);
    expect(err.problem.retryAfterSeconds).toBeLessThanOrEqual(25 * 3600);
    expect(sims.lab.requests).toBe(asked);
    // Another person is not affected.
    await expect(verify('positive-2')).resolves.toMatchObject({
      sampleDate: isoDay(Date.now() - 2 * DAY_MS),
    });
  });

  it('protects the app leg: registered redirect URIs only, PKCE verifier, one signature per login, unknown logins refused', async () => {
    const f = flow();
    const pending = f.begin({ identityLookup: true });
    const evil = new URL(pending.authorizationUrl);
    evil.searchParams.set('redirect_uri', 'https://evil.example/cb');
    const badRedirect = await fetch(evil, { redirect: 'manual' });
    expect([badRedirect.status, ((await badRedirect.json()) as { type: string }).type]).toEqual([
      400,
      expect.stringMatching(/identity-bad-redirect-uri$/),
    ]);
    const noPkce = new URL(pending.authorizationUrl);
    noPkce.searchParams.delete('code_challenge');
    expect((await fetch(noPkce, { redirect: 'manual' })).status).toBe(400);

    const returned = await browse(pending.authorizationUrl, 'negative', base);
    const code = new URL(returned).searchParams.get('code')!;
    const post = (path: string, body: object) =>
      backend
        .json(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        .catch((e: unknown) => e as BackendError);
    expect(await post('/api/v1/identity/verification', { code, codeVerifier: 'x'.repeat(43) })).toMatchObject(
      { status: 400, slug: 'identity-invalid-code' },
    );
    expect(
      await post('/api/v1/identity/verification', { code, codeVerifier: pending.codeVerifier }),
    ).toMatchObject({ status: 403, slug: 'identity-not-verified' });
    // A refusal is final: the code is gone.
    expect(
      await post('/api/v1/identity/verification', { code, codeVerifier: pending.codeVerifier }),
    ).toMatchObject({ status: 400, slug: 'identity-invalid-code' });

    const again = f.begin({ identityLookup: true });
    const code2 = new URL(await browse(again.authorizationUrl, 'positive-2', base)).searchParams.get('code')!;
    const result = (await post('/api/v1/identity/verification', {
      code: code2,
      codeVerifier: again.codeVerifier,
    })) as { tokenKey: { keyId: string } };
    const sign = { code: code2, codeVerifier: again.codeVerifier, keyId: result.tokenKey.keyId };
    expect(
      await post('/api/v1/identity/blind-signature', { ...sign, blindedMessage: 'A'.repeat(200) }),
    ).toMatchObject({ status: 400, slug: 'identity-bad-blinded-message' });
    const ok = (await post('/api/v1/identity/blind-signature', {
      ...sign,
      blindedMessage: Buffer.alloc(256, 7).toString('base64url'),
    })) as { blindSignature: string };
    expect(ok.blindSignature).toMatch(/^[A-Za-z0-9_-]{342}$/);
    expect(
      await post('/api/v1/identity/blind-signature', {
        ...sign,
        blindedMessage: Buffer.alloc(256, 7).toString('base64url'),
      }),
    ).toMatchObject({ status: 400, slug: 'identity-invalid-code' });

    for (const path of ['callback?code=abc&state=never-issued', 'logged-out?state=never-issued']) {
      const unknown = await fetch(`${base}/api/v1/identity/${path}`, { redirect: 'manual' });
      expect([unknown.status, ((await unknown.json()) as { reason: string }).reason]).toEqual([
        401,
        'unknown-login',
      ]);
    }
  });

  it('keeps no identifier: the audit log records verifications without one, and neither identifier nor pseudonym appears anywhere in the database', async () => {
    const audit = await t.app
      .get(DataSource)
      .getRepository(AuditEntry)
      .findBy({ action: 'identity.verification' });
    const results = audit.map((a) => a.details?.result);
    expect(results.filter((r) => r === 'verified').length).toBeGreaterThanOrEqual(5);
    for (const slug of Object.keys(IDENTITY_REFUSALS)) expect(results).toContain(slug);
    for (const a of audit) {
      expect(a.actorKind).toBe('anonymous');
      expect(a.ip).toBeNull();
      expect(Object.keys(a.details ?? {}).sort()).toEqual(['reason', 'result']);
    }
    const dump = await dumpDatabase(t);
    expect(dump).toContain('identity.verification');
    for (const p of Object.values(identities)) {
      expect(dump).not.toContain(p.nationalIdentifier);
      expect(dump).not.toContain(sims.idp.subjectOf(p.nationalIdentifier, OIDC_CLIENT.clientId));
    }
    // Per person, only HMACs of the pseudonym and times.
    const rows: { subject_hash: string }[] = await t.app
      .get(DataSource)
      .query('SELECT subject_hash FROM identity_verification');
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const r of rows) expect(r.subject_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot link the token to the login: the server only ever saw a blinded value, and keeps nothing of the login once it signed', async () => {
    const seen: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string') seen.push(init.body);
      const res = await fetch(input, init);
      const text = await res.clone().text();
      seen.push(text);
      return res;
    };
    const auth = await verify('positive-3', recording);
    const everythingTheServerSawOrSaid = seen.join('\n');
    const token = Buffer.from(auth.token, 'base64url');
    // Neither the token, its nonce, nor the final signature crossed the wire during verification.
    expect(everythingTheServerSawOrSaid).not.toContain(auth.token);
    expect(everythingTheServerSawOrSaid).not.toContain(auth.signature);
    expect(everythingTheServerSawOrSaid).not.toContain(token.subarray(0, 32).toString('base64url'));
    // And nothing of the login is kept to compare the token with later.
    expect(
      await t.app
        .get(DataSource)
        .query('SELECT id FROM identity_login WHERE outcome IS NOT NULL AND token_key_id IS NOT NULL'),
    ).toEqual([]);
    const dump = await dumpDatabase(t);
    for (const s of seen) {
      const blinded = /"blindedMessage":"([^"]+)"/.exec(s)?.[1] ?? /"blindSignature":"([^"]+)"/.exec(s)?.[1];
      if (blinded) expect(dump).not.toContain(blinded);
    }
  });

  it('leaves a finished login readable nowhere in the SQLite files once the purge job ran (secure_delete, WAL truncated)', async () => {
    if (t.config.database.kind !== 'sqlite') return; // PostgreSQL: dead tuples until vacuum, see the docs
    const f = flow();
    const pending = f.begin({ identityLookup: true });
    // A refusal: its login is deleted when the app fetches it.
    await expect(
      f.complete(pending, await browse(pending.authorizationUrl, 'negative', base)),
    ).rejects.toThrow();
    const challenge = new URL(pending.authorizationUrl).searchParams.get('code_challenge')!;
    expect(await t.app.get(DataSource).query('PRAGMA secure_delete')).toEqual([{ secure_delete: 1 }]);
    await t.app.get(IdentityPurgeProcessor).handle();
    const file = t.config.database.file;
    for (const path of [file, `${file}-wal`]) {
      const bytes = await readFile(path).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(challenge))).toBe(false);
    }
  });

  it('publishes one token key per issuing day and sample date', async () => {
    const res = await t.http().get('/.well-known/veilig/identity-token-keys').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const keys = res.body.keys as { issuedOn: string; sampleDate: string }[];
    expect(new Set(keys.map((k) => `${k.issuedOn}/${k.sampleDate}`)).size).toBe(keys.length);
    expect(keys.map((k) => k.sampleDate).sort()).toEqual(
      [isoDay(Date.now() - 3 * DAY_MS), isoDay(Date.now() - 2 * DAY_MS), isoDay(Date.now())].sort(),
    );
  });
});

describe('identity-based verification in the embedded demo', () => {
  it('starts the identity-provider and lab-registry simulators itself and verifies through them', async () => {
    const t = await startApp({
      env: await freshEnv(testName('demo'), { PUBLIC_URL: 'http://veilig.localhost:3000' }),
      listen: true,
    });
    try {
      expect(t.config.identity.oidc.simulated && t.config.identity.lab.simulated).toBe(true);
      const { port } = t.app.getHttpServer().address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const f = new IdentityVerificationFlow(base, APP_REDIRECT_URI);
      const pending = f.begin({ identityLookup: true });
      const auth = await f.complete(pending, await browse(pending.authorizationUrl, 'positive', base));
      expect(auth.sampleDate).toBe(isoDay(Date.now() - 3 * DAY_MS));
      const sims = t.app.get(IdentitySimulators);
      expect((await sims.idp()).issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await sims.lab()).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await t.close();
    }
  });

  it('is refused by production configuration', () => {
    const prod = { NODE_ENV: 'production', DEMO_SIMULATORS: 'false', DATABASE_URL: 'postgres://x@y/z' };
    expect(() => loadConfig({ ...prod, DEMO_SIMULATORS: 'true' })).toThrow(/DEMO_SIMULATORS/);
    expect(() => loadConfig(prod)).toThrow(/IDENTITY_OIDC_CLIENT_SECRET: production needs its own secret/);
    expect(() => loadConfig({ ...prod, IDENTITY_OIDC_ISSUER: 'http://idp.example' })).toThrow(
      /IDENTITY_OIDC_ISSUER: production requires https/,
    );
    expect(() => loadConfig(prod)).toThrow(/IDENTITY_OIDC_MIN_ACR: production requires a minimum/);
    expect(() => loadConfig({ ...prod, IDENTITY_OIDC_MIN_ACR: 'idporten-loa-medium' })).toThrow(
      /IDENTITY_OIDC_MIN_ACR: must be one of IDENTITY_OIDC_ACR_LEVELS/,
    );
    // private_key_jwt needs no client secret, but a key.
    const keyless = { ...prod, IDENTITY_OIDC_CLIENT_AUTH: 'private_key_jwt' };
    expect(() => loadConfig(keyless)).toThrow(/IDENTITY_OIDC_CLIENT_KEY: required/);
    expect(() => loadConfig(keyless)).not.toThrow(/IDENTITY_OIDC_CLIENT_SECRET/);
  });
});
