import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, type EntityManager } from 'typeorm';
import type { QueryResult } from 'typeorm/query-runner/QueryResult';
import { badRequest, ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/errors';
import { Clock } from '../../infrastructure/clock';
import { isCountryCode } from '../../protocol/countries';
import {
  checkUploadKeys,
  daysSinceOnset,
  exportableFrom,
  receiptTime,
  type KeyUploadRequest,
} from '../../protocol/key-upload';
import { DiagnosisKey } from './entities/diagnosis-key.entity';
import { UploadAuthorizers } from './upload-authorization';
import { PostgresUploadStore, type KeyRow } from './upload-statements';

/** Validates, authorises and stores one upload of diagnosis keys, all or nothing. */
@Injectable()
export class KeyUploadService {
  /** PostgreSQL: uploads go as few statements as the load allows (see PostgresUploadStore). */
  private readonly postgres?: PostgresUploadStore;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authorizers: UploadAuthorizers,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (config.database.kind === 'postgres') this.postgres = new PostgresUploadStore(dataSource);
  }

  /**
   * Checks every key and country, verifies the proof with the flow that applies, then stores the keys
   * and spends the proof in one transaction. Returns the number of keys stored.
   */
  async upload(body: KeyUploadRequest, authorization: string | undefined): Promise<number> {
    const now = this.clock.now();
    const checked = checkUploadKeys(body.keys, now.getTime(), {
      maxKeys: 30,
      retentionDays: this.config.keyStore.retentionDays,
      maxDaysSinceOnset: 14,
    });
    if (!checked.ok)
      throw badRequest(`key-${checked.reason}`, checked.detail, {
        reason: checked.reason,
        keyIndex: checked.keyIndex,
      });
    const origin = body.origin ?? this.config.keyStore.homeRegion;
    if (!isCountryCode(origin))
      throw badRequest('bad-country', `origin "${origin}" is not an ISO 3166-1 alpha-2 code.`, {
        reason: 'bad-country',
      });
    const visited = [...new Set(body.visitedCountries ?? [])];
    const badVisited = visited.findIndex((c) => !isCountryCode(c));
    if (badVisited >= 0) {
      throw badRequest('bad-country', `visitedCountries[${badVisited}] is not an ISO 3166-1 alpha-2 code.`, {
        reason: 'bad-country',
      });
    }
    const grant = await this.authorizers.authorize({ authorization, body, keys: checked.keys });
    if (checked.keys.length > grant.maxKeys) {
      throw badRequest('key-too-many-keys', `This verification allows at most ${grant.maxKeys} keys.`, {
        reason: 'too-many-keys',
      });
    }
    const rows = checked.keys.map((k) => ({
      keyData: k.keyData,
      rollingStartIntervalNumber: k.rollingStartIntervalNumber,
      rollingPeriod: k.rollingPeriod,
      transmissionRiskLevel: k.transmissionRiskLevel,
      reportType: grant.reportType,
      daysSinceOnsetOfSymptoms:
        k.daysSinceOnsetOfSymptoms ??
        (grant.onsetDayMs !== undefined
          ? clampDsos(daysSinceOnset(k.rollingStartIntervalNumber, grant.onsetDayMs))
          : null),
      origin,
      region: this.config.keyStore.homeRegion,
      visitedCountries: visited,
      consentToFederation: body.consentToFederation === true,
      source: 'app',
      flow: grant.flow,
      receivedAt: receiptTime(now, this.config.keyStore.receiptResolutionMs),
      availableAt: exportableFrom(
        k,
        now,
        this.config.keyStore.embargoMs,
        this.config.keyStore.receiptResolutionMs,
      ),
    }));
    try {
      // A replayed proof fails at the spend (refused as such, whatever its keys); a key stored before
      // fails the insert, and the proof stays unspent.
      if (this.postgres && !grant.alsoInTransaction) await this.postgres.store({ spend: grant.spend, rows });
      else
        await this.dataSource.transaction(async (em) => {
          const [sql, params] = withPlaceholders(em, grant.spend.sql, grant.spend.params);
          const spent: QueryResult = await em.queryRunner!.query(sql, params, true);
          if (spent.affected !== 1) throw grant.spend.refusal();
          await grant.alsoInTransaction?.(em);
          await insertKeys(em, rows);
        });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const existing = await this.dataSource
        .getRepository(DiagnosisKey)
        .find({ select: { keyData: true }, where: { keyData: In(rows.map((r) => r.keyData)) } });
      const index = rows.findIndex((r) => existing.some((x) => Buffer.from(x.keyData).equals(r.keyData)));
      throw new ProblemException(
        409,
        'duplicate-key',
        'Conflict',
        `keys[${Math.max(index, 0)}] was uploaded before.`,
        {
          reason: 'duplicate-key',
          keyIndex: Math.max(index, 0),
        },
      );
    }
    return rows.length;
  }
}

/**
 * The keys as one multi-row INSERT, each value converted by its column as TypeORM would: its insert
 * builder took a sixth of an upload's CPU (a placeholder lookup per parameter) for the same statement.
 */
async function insertKeys(em: EntityManager, rows: KeyRow[]): Promise<void> {
  const columns = em.connection.getMetadata(DiagnosisKey).columns.filter((c) => !c.isGenerated);
  const driver = em.connection.driver;
  const postgres = em.connection.options.type === 'postgres';
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = columns.map((c) => {
      params.push(driver.preparePersistentValue(c.getEntityValue(row), c));
      return postgres ? `$${params.length}` : '?';
    });
    return `(${placeholders.join(', ')})`;
  });
  await em.query(
    `INSERT INTO diagnosis_key (${columns.map((c) => c.databaseName).join(', ')}) VALUES ${tuples.join(', ')}`,
    params,
  );
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

/** DSOS beyond ±14 carries no infectiousness in the v2 model (gaen.md §B7); keep it within the range. */
function clampDsos(dsos: number): number {
  return Math.max(-14, Math.min(14, dsos));
}
