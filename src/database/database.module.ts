import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './run-migrations';
import { serializeSqliteAccess } from './sqlite-serialization';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config),
        migrationsRun: config.database.migrationsRun,
      }),
      dataSourceFactory: async (options) => {
        const { migrationsRun, ...rest } = options!;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false }).initialize();
        if (dataSource.options.type === 'better-sqlite3') serializeSqliteAccess(dataSource);
        if (migrationsRun) {
          const applied = await runMigrations(dataSource);
          if (applied.length)
            new Logger('Database').log({ applied }, `applied ${applied.length} migration(s)`);
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
