/**
 * Export batches claim keys by window instead of per key: a batch exports the keys of its region whose
 * `available_at` lies in (window_start, window_end], so keys are never updated after their upload. The
 * per-key `export_batch_id` goes; (region, window_start) becomes unique so a region's windows form one
 * chain without overlap; keys are found by (region, available_at).
 */
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class ExportWindows1764700000000 implements MigrationInterface {
  name = 'ExportWindows1764700000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('diagnosis_key', 'idx_diagnosis_key_ready');
    await qr.dropColumn('diagnosis_key', 'export_batch_id');
    await qr.createIndex(
      'diagnosis_key',
      new TableIndex({ name: 'idx_diagnosis_key_available', columnNames: ['region', 'available_at'] }),
    );
    await qr.createIndex(
      'export_batch',
      new TableIndex({
        name: 'uq_export_batch_chain',
        columnNames: ['region', 'window_start'],
        isUnique: true,
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('export_batch', 'uq_export_batch_chain');
    await qr.dropIndex('diagnosis_key', 'idx_diagnosis_key_available');
    await qr.addColumn(
      'diagnosis_key',
      new TableColumn({ name: 'export_batch_id', type: 'varchar', length: '36', isNullable: true }),
    );
    await qr.createIndex(
      'diagnosis_key',
      new TableIndex({
        name: 'idx_diagnosis_key_ready',
        columnNames: ['region', 'export_batch_id', 'available_at'],
      }),
    );
  }
}
