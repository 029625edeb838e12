import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrations } from '../src/database/migrations';
import { pendingSchemaChanges, runMigrations } from '../src/database/run-migrations';
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
});
