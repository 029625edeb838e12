/**
 * Veilig bellen: per-municipality line settings (number, purposes, agent link, opening hours, widget
 * origins, exchange account) and the short-lived call sessions with the caller's disclosed attributes
 * (encrypted at rest; rows are deleted when the call ends and after a maximum age).
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class VeiligBellen1764200000000 implements MigrationInterface {
  name = 'VeiligBellen1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.createTable(
      new Table({
        name: 'vb_municipality',
        columns: [
          { name: 'organisation_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'phone_number', type: 'varchar', length: '32' },
          { name: 'purposes', type: 'text' },
          { name: 'link_template', type: 'varchar', length: '1000', isNullable: true },
          { name: 'opening_hours', type: 'text' },
          { name: 'allowed_origins', type: 'text' },
          { name: 'exchange_provider', type: 'varchar', length: '16', default: "'twilio'" },
          { name: 'twilio_account_sid', type: 'varchar', length: '64', isNullable: true },
          { name: 'twilio_auth_token', type: t.binary, isNullable: true },
          { name: 'agent_dial', type: 'text' },
          { name: 'exchange_key_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'updated_at', type: t.timestamp, default: t.now },
        ],
        foreignKeys: [
          {
            columnNames: ['organisation_id'],
            referencedTableName: 'organisation',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'vb_call_session',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'organisation_id', type: 'varchar', length: '36' },
          { name: 'purpose', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'failure', type: 'varchar', length: '32', isNullable: true },
          { name: 'status_token_hash', type: 'varchar', length: '64' },
          { name: 'dtmf_hmac', type: 'varchar', length: '64', isNullable: true },
          { name: 'irma_session', type: t.binary, isNullable: true },
          { name: 'attributes', type: t.binary, isNullable: true },
          { name: 'call_ref', type: 'varchar', length: '64', isNullable: true },
          { name: 'queue_ref', type: 'varchar', length: '64', isNullable: true },
          { name: 'agent_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
          { name: 'expires_at', type: t.timestamp },
        ],
        foreignKeys: [
          {
            columnNames: ['organisation_id'],
            referencedTableName: 'organisation',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          new TableIndex({
            name: 'idx_vb_call_session_org_state',
            columnNames: ['organisation_id', 'state'],
          }),
          new TableIndex({
            name: 'uq_vb_call_session_status_token',
            columnNames: ['status_token_hash'],
            isUnique: true,
          }),
          new TableIndex({ name: 'uq_vb_call_session_dtmf', columnNames: ['dtmf_hmac'], isUnique: true }),
          new TableIndex({ name: 'idx_vb_call_session_call_ref', columnNames: ['call_ref'] }),
          new TableIndex({ name: 'idx_vb_call_session_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('vb_call_session');
    await qr.dropTable('vb_municipality');
  }
}
