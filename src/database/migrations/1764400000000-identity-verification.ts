/**
 * Identity-based verification (docs/identity-verification.md): logins in progress and their outcomes, the
 * verification times per keyed hash of the identity provider's pseudonym (for the "3 per 24 h" rule), the RSA
 * keys that blind-sign anonymous upload tokens (one per issuing day and sample date), and redeemed token
 * hashes.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class IdentityVerification1764400000000 implements MigrationInterface {
  name = 'IdentityVerification1764400000000';

  async up(qr: QueryRunner): Promise<void> {
    const t = columnTypesFor(qr);
    await qr.createTable(
      new Table({
        name: 'identity_login',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'state_hash', type: 'varchar', length: '64' },
          { name: 'nonce', type: 'varchar', length: '64' },
          { name: 'code_verifier', type: 'varchar', length: '128' },
          { name: 'app_redirect_uri', type: 'varchar', length: '512' },
          { name: 'app_state', type: 'varchar', length: '256', isNullable: true },
          { name: 'app_code_challenge', type: 'varchar', length: '64' },
          { name: 'result_code_hash', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '40', isNullable: true },
          { name: 'reason', type: 'varchar', length: '40', isNullable: true },
          { name: 'sample_date', type: 'varchar', length: '10', isNullable: true },
          { name: 'token_key_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'retry_after_seconds', type: 'integer', isNullable: true },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({ name: 'uq_identity_login_state', columnNames: ['state_hash'], isUnique: true }),
          new TableIndex({
            name: 'uq_identity_login_result',
            columnNames: ['result_code_hash'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_identity_login_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'identity_verification',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'subject_hash', type: 'varchar', length: '64' },
          { name: 'verified_at', type: t.timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'idx_identity_verification_subject',
            columnNames: ['subject_hash', 'verified_at'],
          }),
          new TableIndex({ name: 'idx_identity_verification_at', columnNames: ['verified_at'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'identity_token_key',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'issued_on', type: 'varchar', length: '10' },
          { name: 'sample_date', type: 'varchar', length: '10' },
          { name: 'max_keys', type: 'integer' },
          { name: 'public_key', type: 'text' },
          { name: 'private_key', type: t.binary },
          { name: 'not_after', type: t.timestamp },
        ],
        indices: [
          new TableIndex({
            name: 'uq_identity_token_key_day_sample',
            columnNames: ['issued_on', 'sample_date'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_identity_token_key_not_after', columnNames: ['not_after'] }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'identity_spent_token',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expires_at', type: t.timestamp },
        ],
        indices: [new TableIndex({ name: 'idx_identity_spent_token_expires', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const table of [
      'identity_spent_token',
      'identity_token_key',
      'identity_verification',
      'identity_login',
    ])
      await qr.dropTable(table);
  }
}
