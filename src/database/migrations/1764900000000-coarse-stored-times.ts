/**
 * Stored times that could pair a verification with the upload after it are kept to the hour from now
 * on (docs/identity-verification.md, "Time and the anonymity set"); this truncates the rows written
 * before, to the millisecond: verification times and key receipt times. Availability times stay as
 * they are: moving them could put an already exported key into a later export window, and they go with
 * the keys within KEY_RETENTION_DAYS. Data only, no schema change, so the statement is written per
 * dialect; it cannot be undone (the precision is gone), so `down` does nothing.
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CoarseStoredTimes1764900000000 implements MigrationInterface {
  name = 'CoarseStoredTimes1764900000000';

  async up(qr: QueryRunner): Promise<void> {
    const postgres = qr.connection.driver.options.type === 'postgres';
    for (const [table, column] of [
      ['identity_verification', 'verified_at'],
      ['diagnosis_key', 'received_at'],
    ]) {
      // TypeORM writes SQLite datetimes as UTC 'YYYY-MM-DD HH:MM:SS.SSS'; PostgreSQL's are timestamptz.
      const hour = postgres
        ? `date_trunc('hour', ${column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`
        : `strftime('%Y-%m-%d %H:00:00.000', ${column})`;
      await qr.query(`UPDATE ${table} SET ${column} = ${hour} WHERE ${column} <> ${hour}`);
    }
  }

  async down(): Promise<void> {
    // The finer times are gone; nothing to restore.
  }
}
