/**
 * The TypeORM CLI DataSource (`npm run migration:run|revert|show|generate`). It reads the same
 * configuration as the app; `synchronize` is false here and everywhere: the schema comes from migrations.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { dataSourceOptions } from './src/database/data-source-options';

export default new DataSource({ ...dataSourceOptions(loadConfig()), synchronize: false });
