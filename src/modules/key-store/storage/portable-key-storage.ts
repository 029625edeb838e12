import { DataSource, In, type EntityManager } from 'typeorm';
import type { QueryResult } from 'typeorm/query-runner/QueryResult';
import { DSOS_MISSING, FIELD_ABSENT } from '../../../protocol/gaen';
import { DiagnosisKey } from '../entities/diagnosis-key.entity';
import { PackedKeys } from '../packed-keys';
import { KeyStorage, type AvailableRange, type KeyRow, type PendingUpload } from './key-storage';

/** Rows per page when reading a window. */
const PAGE = 50_000;
/** Keys per look-up or insert statement (below SQLite's limit of bound parameters). */
const CHUNK = 500;

interface RawKeyRow {
  id: number;
  key_data: Buffer;
  rsin: number;
  period: number;
  trl: number | null;
  report_type: number;
  dsos: number | null;
}

/**
 * The key store on TypeORM: the same code on SQLite and PostgreSQL, one transaction per upload, windows
 * read page by page. The embedded profile runs on it; on PostgreSQL it is the reference the tuned
 * storage is checked against (KEY_STORAGE=portable selects it there too).
 */
export class PortableKeyStorage extends KeyStorage {
  constructor(protected readonly dataSource: DataSource) {
    super();
  }

  async storeUpload(upload: PendingUpload): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const [sql, params] = withPlaceholders(em, upload.spend.sql, upload.spend.params);
      const spent: QueryResult = await em.queryRunner!.query(sql, params, true);
      if (spent.affected !== 1) throw upload.spend.refusal();
      await upload.alsoInTransaction?.(em);
      await em.insert(DiagnosisKey, upload.rows);
    });
  }

  async storedKeys(keyData: readonly Buffer[]): Promise<Set<string>> {
    return this.known(this.dataSource.manager, keyData);
  }

  async importKeys(em: EntityManager, rows: readonly KeyRow[]): Promise<number> {
    const known = await this.known(
      em,
      rows.map((r) => r.keyData),
    );
    const fresh = rows.filter((r) => {
      const hex = r.keyData.toString('hex');
      if (known.has(hex)) return false;
      known.add(hex);
      return true;
    });
    for (let i = 0; i < fresh.length; i += CHUNK) await em.insert(DiagnosisKey, fresh.slice(i, i + CHUNK));
    return fresh.length;
  }

  /** The regions that have keys, by a loose index scan (one index probe per region, not a pass over the keys). */
  async regions(): Promise<string[]> {
    const rows = await this.dataSource.query<{ region: string | null }[]>(
      `WITH RECURSIVE r(region) AS (
         SELECT MIN(region) FROM diagnosis_key
         UNION ALL
         SELECT (SELECT MIN(k.region) FROM diagnosis_key k WHERE k.region > r.region) FROM r WHERE r.region IS NOT NULL
       ) SELECT region FROM r WHERE region IS NOT NULL`,
    );
    return rows.map((r) => r.region!);
  }

  /** Two index probes on (region, available_at). */
  async availableRange(region: string, start: Date | null, end: Date): Promise<AvailableRange | null> {
    const row = await this.window(region, start, end)
      .select('MIN(k.available_at)', 'first')
      .addSelect('MAX(k.available_at)', 'last')
      .getRawOne<{ first: Date | string | null; last: Date | string | null }>();
    if (!row || row.first === null || row.last === null) return null;
    const column = this.dataSource.getMetadata(DiagnosisKey).findColumnWithPropertyName('availableAt')!;
    const hydrate = (v: Date | string) => this.dataSource.driver.prepareHydratedValue(v, column) as Date;
    return { first: hydrate(row.first), last: hydrate(row.last) };
  }

  async readWindow(region: string, start: Date, end: Date): Promise<PackedKeys> {
    const keys = new PackedKeys();
    const writer = keys.writer();
    for (let lastId = 0; ;) {
      const rows = await this.window(region, start, end)
        .select('k.id', 'id')
        .addSelect('k.key_data', 'key_data')
        .addSelect('k.rolling_start_interval_number', 'rsin')
        .addSelect('k.rolling_period', 'period')
        .addSelect('k.transmission_risk_level', 'trl')
        .addSelect('k.report_type', 'report_type')
        .addSelect('k.days_since_onset', 'dsos')
        .andWhere('k.id > :lastId', { lastId })
        .orderBy('k.id')
        .limit(PAGE)
        .getRawMany<RawKeyRow>();
      if (rows.length === 0) break;
      for (const k of rows)
        writer.appendFields({
          id: k.id,
          keyData: k.key_data,
          rollingStartIntervalNumber: k.rsin,
          rollingPeriod: k.period,
          transmissionRiskLevel: k.trl ?? FIELD_ABSENT,
          reportType: k.report_type,
          daysSinceOnset: k.dsos ?? DSOS_MISSING,
        });
      lastId = rows[rows.length - 1].id;
    }
    return keys;
  }

  async deleteEndedBefore(oldestInterval: number): Promise<number> {
    const deleted = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(DiagnosisKey)
      .where('rolling_start_interval_number + rolling_period < :oldestInterval', { oldestInterval })
      .execute();
    return deleted.affected ?? 0;
  }

  private window(region: string, start: Date | null, end: Date) {
    const q = this.dataSource
      .createQueryBuilder(DiagnosisKey, 'k')
      .where('k.region = :region', { region })
      .andWhere('k.available_at <= :end', { end });
    return start ? q.andWhere('k.available_at > :start', { start }) : q;
  }

  private async known(em: EntityManager, keyData: readonly Buffer[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (let i = 0; i < keyData.length; i += CHUNK) {
      const rows = await em.find(DiagnosisKey, {
        select: { keyData: true },
        where: { keyData: In(keyData.slice(i, i + CHUNK)) },
      });
      for (const row of rows) known.add(Buffer.from(row.keyData).toString('hex'));
    }
    return known;
  }
}

/** A spend statement for the transaction's database: SQLite takes `?` placeholders, in order of appearance. */
function withPlaceholders(em: EntityManager, sql: string, params: unknown[]): [string, unknown[]] {
  if (em.connection.options.type === 'postgres') return [sql, params];
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(params[Number(n) - 1]);
    return '?';
  });
  return [text, ordered];
}
