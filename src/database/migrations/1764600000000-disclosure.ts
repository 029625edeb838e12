/**
 * Professional-signed disclosure (docs/protocols/dp3t-backoffice.md): the requests phones register (upload
 * hash under a 6-digit reference, poll secret as a hash) and the GP approvals waiting for the phone. The
 * reference column is unique and set to NULL when a request closes, which makes references unique among open
 * requests only.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class Disclosure1764600000000 implements MigrationInterface {
  name = 'Disclosure1764600000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.createTable(
      new Table({
        name: 'disclosure_request',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'reference', type: 'varchar', length: '6', isNullable: true },
          { name: 'upload_hash', type: 'varchar', length: '64' },
          { name: 'poll_secret_hash', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '12' },
          { name: 'created_at', type: t.timestamp },
          { name: 'expires_at', type: t.timestamp },
          { name: 'signed_at', type: t.timestamp, isNullable: true },
          { name: 'approval', type: t.binary, isNullable: true },
          { name: 'signature_count', type: 'integer', default: 0 },
          { name: 'signed_by_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'organisation_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'signer_role', type: 'varchar', length: '6', isNullable: true },
        ],
        indices: [
          new TableIndex({
            name: 'uq_disclosure_request_reference',
            columnNames: ['reference'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_disclosure_request_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('disclosure_request');
  }
}
