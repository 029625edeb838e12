import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { isUniqueViolation } from '../src/database/errors';
import { AuditService } from '../src/modules/audit/audit.service';
import { AuditEntry } from '../src/modules/audit/entities/audit-entry.entity';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import type { PackedKeys } from '../src/modules/key-store/packed-keys';
import type { KeyRow, KeyStorage } from '../src/modules/key-store/storage/key-storage';
import { PortableKeyStorage } from '../src/modules/key-store/storage/portable-key-storage';
import { PostgresKeyStorage } from '../src/modules/key-store/storage/postgres-key-storage';
import { UploadTokenService } from '../src/modules/key-store/upload-token.service';
import { DSOS_MISSING, FIELD_ABSENT } from '../src/protocol/gaen';
import { startApp, type TestApp } from './support/app';
import { servicesProfile } from './support/profile';

/**
 * The contract of the key store's storage boundary, run against every implementation on this profile's
 * database: the portable (TypeORM) storage on both, and on PostgreSQL the tuned one too, which must
 * answer exactly as its reference does.
 */
describe('key storage contract', () => {
  let t: TestApp;
  let dataSource: DataSource;
  const day = Math.floor(Date.now() / 86_400_000) * 144;
  const hour = 3_600_000;
  const base = Date.UTC(2026, 11, 1);

  beforeAll(async () => {
    t = await startApp();
    dataSource = t.app.get(DataSource);
  });
  afterAll(() => t.close());
  beforeEach(() => dataSource.getRepository(DiagnosisKey).clear());

  const row = (over: Partial<KeyRow> = {}): KeyRow => ({
    keyData: randomBytes(16),
    rollingStartIntervalNumber: day - 144,
    rollingPeriod: 144,
    transmissionRiskLevel: null,
    reportType: 1,
    daysSinceOnsetOfSymptoms: null,
    origin: 'NL',
    region: 'NL',
    visitedCountries: [],
    consentToFederation: false,
    source: 'app',
    flow: 'test',
    receivedAt: new Date(base),
    availableAt: new Date(base),
    ...over,
  });
  const spend = async () => {
    const tokens = t.app.get(UploadTokenService);
    return tokens.spendStatement(
      tokens.verify((await tokens.mint({ flow: 'test', reportType: 1, maxKeys: 30 })).token),
    );
  };
  const count = () => dataSource.getRepository(DiagnosisKey).count();
  /** The records of a read window, in id order, as comparable values. */
  const records = (keys: PackedKeys) => {
    const c = keys.columns(keys.slotsById());
    return Array.from({ length: c.count }, (_, i) => ({
      key: Buffer.from(c.keyData.subarray(i * 16, i * 16 + 16)).toString('hex'),
      rsin: c.rollingStartIntervalNumber[i],
      period: c.rollingPeriod[i],
      trl: c.transmissionRiskLevel[i],
      reportType: c.reportType[i],
      dsos: c.daysSinceOnsetOfSymptoms[i],
    }));
  };

  const implementations: [string, () => KeyStorage][] = [
    ['portable', () => new PortableKeyStorage(dataSource)],
  ];
  if (servicesProfile) implementations.push(['tuned (PostgreSQL)', () => new PostgresKeyStorage(dataSource)]);

  describe.each(implementations)('%s', (_name, make) => {
    let sut: KeyStorage;
    beforeEach(() => {
      sut = make();
    });

    it('stores an upload with its proof spent, all or nothing', async () => {
      const proof = await spend();
      const rows = [row(), row({ rollingStartIntervalNumber: day - 288 })];
      await sut.storeUpload({ spend: proof, rows });
      expect(await count()).toBe(2);
      // The same proof again: its refusal, nothing stored.
      await expect(sut.storeUpload({ spend: proof, rows: [row()] })).rejects.toMatchObject({
        slug: 'upload-token-used',
      });
      // A key stored before: the unique violation, nothing stored, the proof still unspent.
      const fresh = await spend();
      const failed = await sut.storeUpload({ spend: fresh, rows: [row(), rows[0]] }).catch((e: unknown) => e);
      expect(isUniqueViolation(failed)).toBe(true);
      expect(await count()).toBe(2);
      await sut.storeUpload({ spend: fresh, rows: [row()] });
      expect(await count()).toBe(3);
      expect(await sut.storedKeys([rows[1].keyData, randomBytes(16)])).toEqual(
        new Set([rows[1].keyData.toString('hex')]),
      );
    });

    it("writes the flow's own rows in the upload's transaction, and not when the upload fails", async () => {
      const audits = () => dataSource.getRepository(AuditEntry).countBy({ action: 'contract.upload' });
      const audit = {
        alsoInTransaction: (em: EntityManager) =>
          t.app
            .get(AuditService)
            .record({ kind: 'app' }, { action: 'contract.upload', outcome: 'success' }, em),
      };
      const before = await audits();
      const stored = row();
      await sut.storeUpload({ spend: await spend(), rows: [stored], ...audit });
      await expect(sut.storeUpload({ spend: await spend(), rows: [stored], ...audit })).rejects.toBeTruthy();
      expect(await audits()).toBe(before + 1);
    });

    it('imports keys without a proof inside the caller transaction, skipping stored ones and repeats', async () => {
      const stored = row();
      await sut.storeUpload({ spend: await spend(), rows: [stored] });
      const incoming = row({ source: 'federation' });
      const added = await dataSource.transaction((em) =>
        sut.importKeys(em, [incoming, { ...stored, source: 'federation' }, { ...incoming }]),
      );
      expect(added).toBe(1);
      expect(await count()).toBe(2);
      await expect(
        dataSource.transaction(async (em) => {
          await sut.importKeys(em, [row()]);
          throw new Error('the batch record failed');
        }),
      ).rejects.toThrow('the batch record failed');
      expect(await count()).toBe(2);
    });

    it('finds regions and windows, and reads exactly a window with absent fields as sentinels', async () => {
      const at = (h: number) => new Date(base + h * hour);
      const inWindow = [
        row({ availableAt: at(1), transmissionRiskLevel: 3, daysSinceOnsetOfSymptoms: -2 }),
        row({ availableAt: at(2) }),
        row({ availableAt: at(3), reportType: 2, daysSinceOnsetOfSymptoms: 14 }),
      ];
      const outside = [
        row({ availableAt: at(0) }),
        row({ availableAt: at(4) }),
        row({ region: 'DE', availableAt: at(2) }),
      ];
      await sut.storeUpload({ spend: await spend(), rows: [...inWindow, ...outside] });

      expect((await sut.regions()).sort()).toEqual(['DE', 'NL']);
      expect(await sut.availableRange('NL', at(0), at(3))).toEqual({ first: at(1), last: at(3) });
      expect(await sut.availableRange('NL', null, at(0))).toEqual({ first: at(0), last: at(0) });
      expect(await sut.availableRange('NL', at(4), at(9))).toBeNull();

      const read = records(await sut.readWindow('NL', at(0), at(3)));
      expect(read).toEqual(
        inWindow.map((r) => ({
          key: r.keyData.toString('hex'),
          rsin: r.rollingStartIntervalNumber,
          period: r.rollingPeriod,
          trl: r.transmissionRiskLevel ?? FIELD_ABSENT,
          reportType: r.reportType,
          dsos: r.daysSinceOnsetOfSymptoms ?? DSOS_MISSING,
        })),
      );
      // The tuned reader must give what the reference gives, on any window.
      const reference = new PortableKeyStorage(dataSource);
      for (const [from, to] of [
        [at(-1), at(9)],
        [at(2), at(2)],
        [at(1), at(4)],
      ])
        expect(records(await sut.readWindow('NL', from, to))).toEqual(
          records(await reference.readWindow('NL', from, to)),
        );
    });

    it('deletes keys whose validity ended before the retention limit', async () => {
      await sut.storeUpload({
        spend: await spend(),
        rows: [row({ rollingStartIntervalNumber: day - 20 * 144 }), row()],
      });
      expect(await sut.deleteEndedBefore(day - 144)).toBe(1);
      expect(await count()).toBe(1);
    });
  });

  (servicesProfile ? it : it.skip)(
    'tuned: refuses only the upload holding a stored key when a shared statement fails, and stores the rest together',
    async () => {
      const store = new PostgresKeyStorage(dataSource);
      const pool = (dataSource.driver as unknown as { master: { query(q: unknown): unknown } }).master;
      const queries = jest.spyOn(pool, 'query');
      const upload = async (keys: Buffer[]) => ({
        spend: await spend(),
        rows: keys.map((keyData, i) => row({ keyData, rollingStartIntervalNumber: day - (i + 1) * 144 })),
      });
      const key = () => randomBytes(16);
      const old = key();
      await store.storeUpload(await upload([old]));
      // Two statements run at once; what is submitted meanwhile shares the next one.
      const pending = await Promise.all([
        upload([key()]),
        upload([key()]),
        upload([key(), key()]),
        upload([key(), old]),
        upload([key()]),
      ]);
      const outcomes = await Promise.allSettled(pending.map((u) => store.storeUpload(u)));
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(isUniqueViolation((outcomes[3] as PromiseRejectedResult).reason)).toBe(true);
      const statements = queries.mock.calls
        .map(([q]) => q as { name?: string; text?: string })
        .filter((q) => q.name?.startsWith('upload-'));
      // The stored key's first upload, two alone, the shared one of three that failed, then its two
      // others together again (not one by one).
      expect(statements.map((q) => (q.text!.match(/ s\d+ AS \(/g) ?? []).length)).toEqual([1, 1, 1, 3, 2]);
    },
  );
});
