/**
 * Cross-border federation (docs/protocols/efgs.md). Gateway role: the certificate registry, accepted uploads
 * with the payload hashes that make keys unique, download batches linked into one list, callback
 * subscriptions and their delivery tasks. Member role: our upload batches with the keys they carry (a
 * separate table, so the key store's own table stays untouched) and the status of every batch we downloaded.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class Federation1764500000000 implements MigrationInterface {
  name = 'Federation1764500000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    const serial = {
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment' as const,
    };
    await qr.createTable(
      new Table({
        name: 'federation_certificate',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'thumbprint', type: 'varchar', length: '64' },
          { name: 'country', type: 'varchar', length: '2' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'revoked', type: 'boolean', default: t.false },
          { name: 'host', type: 'varchar', length: '255', isNullable: true },
          { name: 'signature', type: 'text' },
          { name: 'raw_data', type: 'text' },
        ],
        indices: [
          new TableIndex({
            name: 'uq_federation_certificate_thumbprint_type',
            columnNames: ['thumbprint', 'type'],
            isUnique: true,
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'efgs_upload',
        columns: [
          { name: 'id', ...serial },
          { name: 'batch_tag', type: 'varchar', length: '100' },
          { name: 'country', type: 'varchar', length: '2' },
          { name: 'format', type: 'varchar', length: '32' },
          { name: 'client_thumbprint', type: 'varchar', length: '64' },
          { name: 'signing_thumbprint', type: 'varchar', length: '64' },
          { name: 'batch_signature', type: 'text' },
          { name: 'key_count', type: 'integer' },
          { name: 'keys', type: t.binary },
          { name: 'created_at', type: t.timestamp },
          { name: 'batch_id', type: 'integer', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_efgs_upload_batch_tag', columnNames: ['batch_tag'], isUnique: true }),
          new TableIndex({ name: 'idx_efgs_upload_created', columnNames: ['created_at'] }),
          new TableIndex({ name: 'idx_efgs_upload_batch', columnNames: ['batch_id'] }),
        ],
      }),
    );
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
    await qr.createTable(
      new Table({
        name: 'efgs_batch',
        columns: [
          { name: 'id', ...serial },
          { name: 'tag', type: 'varchar', length: '32' },
          { name: 'link', type: 'varchar', length: '32', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'key_count', type: 'integer' },
          { name: 'format', type: 'varchar', length: '32' },
        ],
        indices: [
          new TableIndex({ name: 'uq_efgs_batch_tag', columnNames: ['tag'], isUnique: true }),
          new TableIndex({ name: 'uq_efgs_batch_link', columnNames: ['link'], isUnique: true }),
          new TableIndex({ name: 'idx_efgs_batch_created', columnNames: ['created_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'efgs_callback_subscription',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'country', type: 'varchar', length: '2' },
          { name: 'callback_id', type: 'varchar', length: '64' },
          { name: 'url', type: 'varchar', length: '1000' },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'uq_efgs_callback_country_id',
            columnNames: ['country', 'callback_id'],
            isUnique: true,
          }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'efgs_callback_task',
        columns: [
          { name: 'id', ...serial },
          { name: 'subscription_id', type: 'varchar', length: '36' },
          { name: 'batch_tag', type: 'varchar', length: '32' },
          { name: 'batch_day', type: 'varchar', length: '10' },
          { name: 'retries', type: 'integer', default: 0 },
          { name: 'next_attempt_at', type: t.timestamp },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'idx_efgs_callback_task_due', columnNames: ['subscription_id', 'id'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'federation_outbound_batch',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'batch_tag', type: 'varchar', length: '64' },
          { name: 'body', type: t.binary },
          { name: 'format', type: 'varchar', length: '16' },
          { name: 'signature', type: 'text' },
          { name: 'key_count', type: 'integer' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'last_status', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'next_attempt_at', type: t.timestamp },
          { name: 'finished_at', type: t.timestamp, isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_federation_outbound_tag', columnNames: ['batch_tag'], isUnique: true }),
          new TableIndex({ name: 'idx_federation_outbound_due', columnNames: ['status', 'next_attempt_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'federation_outbound_key',
        columns: [
          { name: 'diagnosis_key_id', type: 'integer', isPrimary: true },
          { name: 'batch_id', type: 'varchar', length: '36' },
          { name: 'position', type: 'integer' },
        ],
        indices: [new TableIndex({ name: 'idx_federation_outbound_key_batch', columnNames: ['batch_id'] })],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'federation_inbound_batch',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'batch_tag', type: 'varchar', length: '100' },
          { name: 'requested_date', type: 'varchar', length: '10' },
          { name: 'next_batch_tag', type: 'varchar', length: '100', isNullable: true },
          { name: 'status', type: 'varchar', length: '24' },
          { name: 'keys_received', type: 'integer', default: 0 },
          { name: 'keys_stored', type: 'integer', default: 0 },
          { name: 'keys_invalid', type: 'integer', default: 0 },
          { name: 'keys_skipped', type: 'integer', default: 0 },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'processed_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'uq_federation_inbound_tag', columnNames: ['batch_tag'], isUnique: true }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    const tables = [
      'federation_inbound_batch',
      'federation_outbound_key',
      'federation_outbound_batch',
      'efgs_callback_task',
      'efgs_callback_subscription',
      'efgs_batch',
      'efgs_key_hash',
      'efgs_upload',
      'federation_certificate',
    ];
    for (const table of tables) await qr.dropTable(table);
  }
}
