/**
 * Veilig bellen on real Twilio: a call that an agent does not answer goes back to the front of the
 * queue, so a call keeps the moment it first entered the queue (`queued_at`, the console's order), and
 * the state `called` is now `waiting` beside the new `ringing`. A municipality chooses the voice and
 * language, prompt texts and recordings callers hear (`speech`, null: the Dutch defaults).
 */
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypesFor } from '../column-types';

export class VeiligBellenCallPhases1765000000000 implements MigrationInterface {
  name = 'VeiligBellenCallPhases1765000000000';

  async up(qr: QueryRunner): Promise<void> {
    const types = columnTypesFor(qr);
    await qr.addColumn(
      'vb_call_session',
      new TableColumn({ name: 'queued_at', type: types.timestamp, isNullable: true }),
    );
    await qr.query(
      `UPDATE vb_call_session SET state = 'waiting', queued_at = updated_at WHERE state = 'called'`,
    );
    await qr.addColumn(
      'vb_municipality',
      new TableColumn({ name: 'speech', type: 'text', isNullable: true }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('vb_municipality', 'speech');
    await qr.query(`UPDATE vb_call_session SET state = 'called' WHERE state = 'waiting'`);
    await qr.query(`UPDATE vb_call_session SET state = 'assigned' WHERE state = 'ringing'`);
    await qr.dropColumn('vb_call_session', 'queued_at');
  }
}
