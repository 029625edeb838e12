import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { ProblemException } from '../../common/http/problem';
import type { CheckedKey, KeyUploadRequest } from '../../protocol/key-upload';

/** What a verification flow allows for one upload. Identifies the flow, never the person. */
export interface UploadGrant {
  flow: string;
  reportType: number;
  maxKeys: number;
  /** UTC midnight (ms) of symptom onset, or of the sample when onset is unknown. */
  onsetDayMs?: number;
  /** Marks the proof as used, together with storing the keys (so: spent exactly when stored). */
  spend: SpendStatement;
  /** Other writes that belong with the keys (an audit entry); a grant with them takes a transaction. */
  alsoInTransaction?: (em: EntityManager) => Promise<void>;
}

/**
 * How a flow spends its proof: one statement that changes one row while the proof is unspent and none
 * once it was spent (`INSERT … ON CONFLICT DO NOTHING`, `UPDATE … WHERE <unspent>`), with `$1, $2, …`
 * placeholders. On PostgreSQL the upload runs it and the keys' INSERT as one statement.
 */
export interface SpendStatement {
  sql: string;
  params: unknown[];
  /** The refusal when the statement changed no row. */
  refusal(): ProblemException;
}

/** A spend that adds `values` as a row of `entity`: a second spend finds its primary key taken. */
export function insertOnce<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  values: Partial<T>,
  refusal: () => ProblemException,
): SpendStatement {
  const params: unknown[] = [];
  const columns = bind(dataSource, entity, values, params);
  return {
    sql: `INSERT INTO ${dataSource.getMetadata(entity).tableName} (${columns.map(([name]) => name).join(', ')}) VALUES (${columns.map(([, p]) => p).join(', ')}) ON CONFLICT DO NOTHING`,
    params,
    refusal,
  };
}

/** A spend that sets `set` on the one row of `entity` matching `where` (which must exclude a spent row). */
export function updateOnce<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  set: Partial<T>,
  where: Partial<T>,
  refusal: () => ProblemException,
): SpendStatement {
  const params: unknown[] = [];
  const equals = (values: Partial<T>) =>
    bind(dataSource, entity, values, params).map(([name, p]) => `${name} = ${p}`);
  return {
    sql: `UPDATE ${dataSource.getMetadata(entity).tableName} SET ${equals(set).join(', ')} WHERE ${equals(where).join(' AND ')}`,
    params,
    refusal,
  };
}

/** Each property's column name and placeholder; its value, converted as TypeORM stores it, joins `params`. */
function bind<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  values: Partial<T>,
  params: unknown[],
): [string, string][] {
  const meta = dataSource.getMetadata(entity);
  return Object.keys(values).map((property) => {
    const column = meta.findColumnWithPropertyName(property)!;
    params.push(dataSource.driver.preparePersistentValue(values[property], column));
    return [column.databaseName, `$${params.length}`];
  });
}

export interface UploadContext {
  /** The `Authorization` header, if any. */
  authorization?: string;
  body: KeyUploadRequest;
  keys: CheckedKey[];
}

/** One way to prove that an upload is allowed: an upload token, a professional's signature, … */
export interface UploadAuthorizer {
  readonly name: string;
  /** True when the request carries this flow's kind of proof. */
  accepts(ctx: UploadContext): boolean;
  /** Verifies the proof; throws a ProblemException when it does not hold. */
  authorize(ctx: UploadContext): Promise<UploadGrant>;
}

/** Verification flows register here (in their module's `onModuleInit`); the upload picks the one that applies. */
@Injectable()
export class UploadAuthorizers {
  private readonly authorizers: UploadAuthorizer[] = [];

  register(authorizer: UploadAuthorizer): void {
    if (this.authorizers.some((a) => a.name === authorizer.name))
      throw new Error(`upload authorizer ${authorizer.name} registered twice`);
    this.authorizers.push(authorizer);
  }

  async authorize(ctx: UploadContext): Promise<UploadGrant> {
    const matching = this.authorizers.filter((a) => a.accepts(ctx));
    if (matching.length === 0) {
      throw new ProblemException(
        401,
        'upload-not-authorised',
        'Upload not authorised',
        'An upload needs proof from a verification flow (an upload token or a signed approval).',
      );
    }
    if (matching.length > 1) {
      throw new ProblemException(
        400,
        'ambiguous-verification',
        'Bad request',
        'Send proof from exactly one verification flow.',
      );
    }
    return matching[0].authorize(ctx);
  }
}
