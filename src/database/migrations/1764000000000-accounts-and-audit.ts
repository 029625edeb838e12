/**
 * Accounts and audit: organisations (tenants), users with roles and login back-off, server-side
 * sessions stored by token hash, and the audit log. Every portal and every later module builds on these.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class AccountsAndAudit1764000000000 implements MigrationInterface {
  name = 'AccountsAndAudit1764000000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.createTable(
      new Table({
        name: 'organisation',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200', isUnique: true },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'created_at', type: t.timestamp, default: t.now },
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'user_account',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'organisation_id', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '254', isUnique: true },
          { name: 'display_name', type: 'varchar', length: '200' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'roles', type: 'text' },
          { name: 'must_change_password', type: 'boolean', default: t.true },
          { name: 'failed_logins', type: 'integer', default: 0 },
          { name: 'locked_until', type: t.timestamp, isNullable: true },
          { name: 'last_login_at', type: t.timestamp, isNullable: true },
          { name: 'created_at', type: t.timestamp, default: t.now },
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
          new TableIndex({ name: 'idx_user_account_organisation', columnNames: ['organisation_id'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'user_session',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'created_at', type: t.timestamp },
          { name: 'last_seen_at', type: t.timestamp },
          { name: 'expires_at', type: t.timestamp },
        ],
        foreignKeys: [
          {
            columnNames: ['user_id'],
            referencedTableName: 'user_account',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          new TableIndex({ name: 'idx_user_session_user', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_user_session_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'audit_entry',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'at', type: t.timestamp },
          { name: 'actor_user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor_kind', type: 'varchar', length: '32' },
          { name: 'organisation_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'object_type', type: 'varchar', length: '64', isNullable: true },
          { name: 'object_id', type: 'varchar', length: '128', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'details', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'idx_audit_entry_at', columnNames: ['at'] }),
          new TableIndex({ name: 'idx_audit_entry_org_at', columnNames: ['organisation_id', 'at'] }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of ['audit_entry', 'user_session', 'user_account', 'organisation'])
      await qr.dropTable(table);
  }
}
