import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrations } from '../src/database/migrations';
import { pendingSchemaChanges, runMigrations } from '../src/database/run-migrations';
import { VerificationRecord } from '../src/modules/identity-verification/entities/verification-record.entity';
import { DiagnosisKey } from '../src/modules/key-store/entities/diagnosis-key.entity';
import { freshEnv, testName } from './support/profile';

/**
 * The schema comes from migrations only. After running them on this profile's database, the entities
 * must need no further change; and every migration must revert cleanly.
 */
describe('migrations', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    const config = loadConfig(await freshEnv(testName()));
    dataSource = await new DataSource(dataSourceOptions(config)).initialize();
  });
  afterAll(() => dataSource.destroy());

  it('apply in order and leave no drift between entities and schema', async () => {
    const applied = await runMigrations(dataSource);
    expect(applied).toEqual(migrations.map((m) => new m().name ?? m.name));
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('revert all the way down and apply again', async () => {
    for (let i = 0; i < migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await dataSource.showMigrations()).toBe(true);
    await runMigrations(dataSource);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('truncates verification and key receipt times written before to the hour, and leaves availability alone', async () => {
    const coarse = 'CoarseStoredTimes1764900000000';
    const applied = async () =>
      (await dataSource.query<{ name: string }[]>('SELECT name FROM migrations')).map((m) => m.name);
    while ((await applied()).includes(coarse)) await dataSource.undoLastMigration({ transaction: 'each' });
    // Rows as the code before wrote them: to the millisecond.
    const at = new Date('2026-11-25T10:31:07.123Z');
    await dataSource
      .getRepository(VerificationRecord)
      .insert({ subjectHash: 'a'.repeat(64), verifiedAt: at });
    await dataSource.getRepository(DiagnosisKey).insert({
      keyData: Buffer.alloc(16, 9),
      rollingStartIntervalNumber: 2_949_264,
      rollingPeriod: 144,
      transmissionRiskLevel: null,
      reportType: 1,
      daysSinceOnsetOfSymptoms: 0,
      origin: 'NL',
      region: 'NL',
      visitedCountries: [],
      consentToFederation: false,
      source: 'app',
      flow: 'identity',
      receivedAt: at,
      availableAt: at,
    });
    await runMigrations(dataSource);
    const hour = new Date('2026-11-25T10:00:00Z');
    expect((await dataSource.getRepository(VerificationRecord).find()).map((v) => v.verifiedAt)).toEqual([
      hour,
    ]);
    expect(await dataSource.getRepository(DiagnosisKey).find()).toMatchObject([
      { receivedAt: hour, availableAt: at },
    ]);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });
});
