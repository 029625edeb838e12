/**
 * Veilig bellen on Amazon Connect: a municipality chooses its phone exchange (`exchange_provider`
 * `twilio` or `amazon-connect`) and, for Amazon Connect, names its instance (`amazon_connect`: the
 * instance ARN and optionally an AWS profile; never credentials). Rotating the exchange key keeps the
 * previous key's hash valid for a grace period (`exchange_key_previous_hash`, `exchange_key_rotated_at`),
 * so a contact flow that still holds the old key keeps working for the calls already waiting.
 */
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class VeiligBellenAmazonConnect1765100000000 implements MigrationInterface {
  name = 'VeiligBellenAmazonConnect1765100000000';

  async up(qr: QueryRunner): Promise<void> {
    const types = columnTypesFor(qr);
    await qr.addColumns('vb_municipality', [
      new TableColumn({ name: 'amazon_connect', type: 'text', isNullable: true }),
      new TableColumn({
        name: 'exchange_key_previous_hash',
        type: 'varchar',
        length: '64',
        isNullable: true,
      }),
      new TableColumn({ name: 'exchange_key_rotated_at', type: types.timestamp, isNullable: true }),
    ]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`UPDATE vb_municipality SET exchange_provider = 'twilio'`);
    await qr.dropColumn('vb_municipality', 'exchange_key_rotated_at');
    await qr.dropColumn('vb_municipality', 'exchange_key_previous_hash');
    await qr.dropColumn('vb_municipality', 'amazon_connect');
  }
}
