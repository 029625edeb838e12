/**
 * Federation gateway: the payload-hash table loses its index on upload_id. Nothing looks hashes up by
 * upload (retention deletes by created_at), and each index is one more B-tree written for each of the
 * 5,000 keys of an upload — the hot path of `POST /diagnosiskeys/upload`.
 */
import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

export class FederationKeyHashIndex1764500000001 implements MigrationInterface {
  name = 'FederationKeyHashIndex1764500000001';

  async up(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('efgs_key_hash', 'idx_efgs_key_hash_upload');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.createIndex('efgs_key_hash', new TableIndex({ name: 'idx_efgs_key_hash_upload', columnNames: ['upload_id'] }));
  }
}
