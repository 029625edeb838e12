import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository, type EntityManager } from 'typeorm';
import { Clock } from '../../infrastructure/clock';
import { AuditEntry } from './entities/audit-entry.entity';

export interface AuditActor {
  kind: 'user' | 'system' | 'app' | 'exchange' | 'gateway' | 'anonymous';
  userId?: string | null;
  organisationId?: string | null;
  ip?: string | null;
}

export interface AuditRecord {
  action: string;
  outcome: AuditEntry['outcome'];
  objectType?: string;
  objectId?: string | null;
  /** Non-personal facts only (counts, codes, reasons); never names, identifiers or keys of citizens. */
  details?: Record<string, string | number | boolean | null>;
  organisationId?: string | null;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one entry; the audit log is append-only apart from retention. With `em` the entry is part
   * of the caller's transaction: it is written exactly when the audited change is.
   */
  async record(actor: AuditActor, record: AuditRecord, em?: EntityManager): Promise<void> {
    await (em?.getRepository(AuditEntry) ?? this.entries).insert(
      this.entries.create({
        at: this.clock.now(),
        actorKind: actor.kind,
        actorUserId: actor.userId ?? null,
        organisationId: record.organisationId ?? actor.organisationId ?? null,
        action: record.action,
        objectType: record.objectType ?? null,
        objectId: record.objectId ?? null,
        outcome: record.outcome,
        ip: actor.ip ?? null,
        details: record.details ?? null,
      }),
    );
  }

  /** Newest first; `organisationId` undefined lists every organisation (platform admins). */
  async list(filter: {
    organisationId?: string;
    action?: string;
    before?: Date;
    limit: number;
  }): Promise<AuditEntry[]> {
    return this.entries.find({
      where: {
        ...(filter.organisationId ? { organisationId: filter.organisationId } : {}),
        ...(filter.action ? { action: filter.action } : {}),
        ...(filter.before ? { at: LessThan(filter.before) } : {}),
      },
      order: { at: 'DESC' },
      take: filter.limit,
    });
  }
}
