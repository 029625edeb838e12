/**
 * Exposure key store: uploaded diagnosis keys waiting for the aggregation cycle, export batches and
 * their signed files, and the used upload-token ids that make tokens single-use.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class KeyStore1764300000000 implements MigrationInterface {
  name = 'KeyStore1764300000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.createTable(
      new Table({
        name: 'diagnosis_key',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'key_data', type: t.binary },
          { name: 'rolling_start_interval_number', type: 'integer' },
          { name: 'rolling_period', type: 'integer' },
          { name: 'transmission_risk_level', type: 'integer', isNullable: true },
          { name: 'report_type', type: 'integer' },
          { name: 'days_since_onset', type: 'integer', isNullable: true },
          { name: 'origin', type: 'varchar', length: '2' },
          { name: 'region', type: 'varchar', length: '2' },
          { name: 'visited_countries', type: 'text' },
          { name: 'consent_to_federation', type: 'boolean' },
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'flow', type: 'varchar', length: '32' },
          { name: 'received_at', type: t.timestamp },
          { name: 'available_at', type: t.timestamp },
          { name: 'export_batch_id', type: 'varchar', length: '36', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_diagnosis_key_data', columnNames: ['key_data'], isUnique: true }),
          new TableIndex({
            name: 'idx_diagnosis_key_ready',
            columnNames: ['region', 'export_batch_id', 'available_at'],
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'export_batch',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'region', type: 'varchar', length: '2' },
          { name: 'window_start', type: t.timestamp },
          { name: 'window_end', type: t.timestamp },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'key_count', type: 'integer', default: 0 },
          { name: 'created_at', type: t.timestamp },
          { name: 'completed_at', type: t.timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'uq_export_batch_window',
            columnNames: ['region', 'window_end'],
            isUnique: true,
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'export_file',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'batch_id', type: 'varchar', length: '36' },
          { name: 'region', type: 'varchar', length: '2' },
          { name: 'name', type: 'varchar', length: '100', isUnique: true },
          { name: 'batch_num', type: 'integer' },
          { name: 'real_keys', type: 'integer' },
          { name: 'total_keys', type: 'integer' },
          { name: 'bytes', type: 'integer' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'start_timestamp', type: 'bigint' },
          { name: 'end_timestamp', type: 'bigint' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'idx_export_file_batch', columnNames: ['batch_id'] }),
          new TableIndex({ name: 'idx_export_file_region_created', columnNames: ['region', 'created_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'used_upload_token',
        columns: [
          { name: 'jti', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expires_at', type: t.timestamp },
          { name: 'used_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_used_upload_token_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of ['used_upload_token', 'export_file', 'export_batch', 'diagnosis_key'])
      await qr.dropTable(table);
  }
}
