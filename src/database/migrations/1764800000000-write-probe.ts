/**
 * A table for the readiness check's write probe: `SELECT 1` still succeeds on a full disk while every
 * write fails, so readiness writes (and deletes) a row big enough to need new pages.
 */
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class WriteProbe1764800000000 implements MigrationInterface {
  name = 'WriteProbe1764800000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(
      new Table({
        name: 'write_probe',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'payload', type: columnTypesFor(qr).binary },
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('write_probe');
  }
}
