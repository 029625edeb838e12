import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { StartupConfigError, explainTlsFailure } from '../infrastructure/startup-errors';
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
        // A server that is still starting is worth waiting for; a TLS misconfiguration is not.
        toRetry: (err: unknown) => !(err instanceof StartupConfigError),
      }),
      dataSourceFactory: async (options) => {
        const { migrationsRun, ...rest } = options!;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false })
          .initialize()
          .catch((err: unknown) => {
            throw (rest.type === 'postgres' && explainPostgresTlsFailure(err, rest)) || err;
          });
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

function explainPostgresTlsFailure(err: unknown, options: Extract<DataSourceOptions, { type: 'postgres' }>) {
  if (!options.ssl || !options.url) return undefined;
  const verify = typeof options.ssl === 'object' && options.ssl.rejectUnauthorized;
  const { hostname, port } = new URL(options.url);
  return explainTlsFailure(err, {
    service: 'PostgreSQL',
    address: `${hostname}:${port || 5432}`,
    urlVariable: 'DATABASE_URL',
    caVariable: 'DATABASE_CA_FILE',
    caConfigured: true,
    tlsSetting: `DATABASE_SSL=${verify ? 'verify-full' : 'require'}`,
  });
}
