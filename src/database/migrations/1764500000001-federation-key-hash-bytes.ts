/**
 * Federation gateway: payload hashes as their 32 raw bytes, without the index on upload_id. Each upload
 * inserts 5,000 random hashes into this table's primary-key B-tree, and the pages those inserts dirty are
 * the upload's main cost; 32-byte keys halve them against 64 hex characters, and the upload_id index was
 * unused (retention deletes by created_at). The table only serves duplicate detection over the last two
 * days and is new in this release, so it is recreated rather than converted.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class FederationKeyHashBytes1764500000001 implements MigrationInterface {
  name = 'FederationKeyHashBytes1764500000001';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.dropTable('efgs_key_hash');
    await qr.createTable(
      new Table({
        name: 'efgs_key_hash',
        columns: [
          { name: 'payload_hash', type: t.binary, isPrimary: true },
          { name: 'upload_id', type: 'integer' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_efgs_key_hash_created', columnNames: ['created_at'] })],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.dropTable('efgs_key_hash');
    await qr.createTable(
      new Table({
        name: 'efgs_key_hash',
        columns: [
          { name: 'payload_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'upload_id', type: 'integer' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'idx_efgs_key_hash_upload', columnNames: ['upload_id'] }),
          new TableIndex({ name: 'idx_efgs_key_hash_created', columnNames: ['created_at'] }),
        ],
      }),
    );
  }
}
