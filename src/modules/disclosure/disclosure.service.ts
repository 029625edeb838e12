import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, In, LessThan, LessThanOrEqual } from 'typeorm';
import { randomToken, safeEqual, sha256Hex } from '../../common/crypto/tokens';
import { conflict, notFound, ProblemException, tooManyRequests } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/errors';
import { Clock } from '../../infrastructure/clock';
import { RateLimiter } from '../../infrastructure/rate-limiter';
import { base64ToBytes, fromHex, isRefusal } from '../../protocol/cms';
import { uploadHashFingerprint, type DisclosureRefusalReason } from '../../protocol/disclosure';
import type {
  DisclosurePollResult,
  DisclosureRequestView,
  RegisteredDisclosure,
  SubmittedApproval,
} from '../../shared/disclosure-contract';
import type { User } from '../accounts/entities/user.entity';
import { AuditService, type AuditActor } from '../audit/audit.service';
import { updateOnce, type SpendStatement } from '../key-store/upload-authorization';
import { ApprovalVerifier } from './approval-verifier.service';
import { DisclosureRequest, type DisclosureStatus } from './entities/disclosure-request.entity';
import { approvalRefused } from './refusals';

const HOUR = 3_600_000;
/** Closed requests are kept this long (without approval) so a late poll still gets a clear answer. */
const CLOSED_RETENTION_MS = 24 * HOUR;
const LIVE: DisclosureStatus[] = ['open', 'signed'];

const requestNotFound = () =>
  new ProblemException(
    404,
    'disclosure-request-not-found',
    'No request with this code',
    'No open request has this code. Check the digits with the patient; a code is valid for a limited time.',
  );

/**
 * The professional-signed disclosure (docs/protocols/dp3t-backoffice.md): phones register an upload hash
 * under a 6-digit reference, clinicians look it up and submit a signed approval that is verified before the
 * phone may fetch it. Neither the 4 secret digits nor anything about the patient is stored or logged.
 */
@Injectable()
export class DisclosureService {
  private readonly logger = new Logger('Disclosure');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly verifier: ApprovalVerifier,
    private readonly rateLimiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Registers a phone's upload hash under its reference; returns the poll secret once.
   * 409 `reference-taken` when another open request holds the reference (the app draws a new code).
   * Why a per-IP limit: without it one client could fill the 10^6 references.
   */
  async register(
    input: { reference: string; uploadHash: string },
    ip: string,
  ): Promise<RegisteredDisclosure> {
    await this.limit(`disclosure:register:ip:${ip}`, this.config.disclosure.limits.registrationsPerIpPerHour);
    const now = this.clock.now();
    const pollSecret = randomToken();
    const row: DisclosureRequest = {
      id: randomUUID(),
      reference: input.reference,
      uploadHash: input.uploadHash,
      pollSecretHash: sha256Hex(pollSecret),
      status: 'open',
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.disclosure.requestTtlMs),
      signedAt: null,
      approval: null,
      signatureCount: 0,
      signedByUserId: null,
      organisationId: null,
      signerRole: null,
    };
    try {
      await this.dataSource.transaction(async (em) => {
        // An expired request the job has not closed yet must not block its reference.
        await em.update(
          DisclosureRequest,
          { reference: input.reference, status: In(LIVE), expiresAt: LessThanOrEqual(now) },
          { status: 'expired', reference: null, approval: null },
        );
        await em.insert(DisclosureRequest, row);
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new ProblemException(
          409,
          'reference-taken',
          'Conflict',
          'Another open request uses this reference: draw a new code.',
          { reason: 'reference-taken' },
        );
      }
      throw e;
    }
    return { id: row.id, pollSecret, expiresAt: row.expiresAt.toISOString() };
  }

  /** The request's state for the phone, with the approval once signed. 404 for an unknown id or a wrong secret alike. */
  async poll(id: string, pollSecret: string): Promise<DisclosurePollResult> {
    const row = await this.ownRequest(id, pollSecret);
    const status = this.effectiveStatus(row);
    return {
      status,
      expiresAt: row.expiresAt.toISOString(),
      ...(status === 'signed' && row.approval
        ? { approval: Buffer.from(row.approval).toString('base64'), signedAt: row.signedAt!.toISOString() }
        : {}),
    };
  }

  /** The phone withdraws its request (the patient changed their mind, or the app starts over); frees the reference. */
  async cancel(id: string, pollSecret: string): Promise<void> {
    await this.ownRequest(id, pollSecret);
    await this.dataSource
      .getRepository(DisclosureRequest)
      .update(
        { id, status: In(LIVE) },
        { status: 'cancelled', reference: null, approval: null, expiresAt: this.clock.now() },
      );
  }

  /**
   * A clinician looks a request up by its 6-digit reference (the 4 secret digits stay in their browser).
   * Rate limited per professional and per IP; audited by request id, never with the code.
   */
  async lookup(user: User, ip: string, reference: string): Promise<DisclosureRequestView> {
    const actor = this.actor(user, ip);
    const { limits } = this.config.disclosure;
    const [byUser, byIp] = await Promise.all([
      this.rateLimiter.consume(`disclosure:lookup:user:${user.id}`, {
        limit: limits.lookupsPerProfessionalPerHour,
        windowMs: HOUR,
      }),
      this.rateLimiter.consume(`disclosure:lookup:ip:${ip}`, {
        limit: limits.lookupsPerIpPerHour,
        windowMs: HOUR,
      }),
    ]);
    if (!byUser.allowed || !byIp.allowed) {
      await this.audit.record(actor, {
        action: 'disclosure.lookup',
        outcome: 'denied',
        details: { reason: 'rate-limited' },
      });
      throw tooManyRequests(
        Math.max(byUser.retryAfterMs, byIp.retryAfterMs),
        'Too many code look-ups; wait a while before trying again.',
      );
    }
    const row = await this.dataSource
      .getRepository(DisclosureRequest)
      .findOneBy({ reference, status: In(LIVE) });
    if (!row || !this.signable(row)) {
      await this.audit.record(actor, {
        action: 'disclosure.lookup',
        outcome: 'failure',
        details: { reason: 'not-found' },
      });
      throw requestNotFound();
    }
    await this.audit.record(actor, {
      action: 'disclosure.lookup',
      outcome: 'success',
      objectType: 'disclosure-request',
      objectId: row.id,
    });
    return this.view(row);
  }

  /**
   * Verifies a clinician's approval package like the phone does (plus revocation) and stores it for the
   * phone. A request may be signed again while the phone has not uploaded (to correct a mistyped code),
   * at most `DISCLOSURE_MAX_SIGNATURES_PER_REQUEST` times.
   */
  async submitApproval(user: User, ip: string, id: string, cmsBase64: string): Promise<SubmittedApproval> {
    const actor = this.actor(user, ip);
    const repo = this.dataSource.getRepository(DisclosureRequest);
    const row = await repo.findOneBy({ id });
    if (!row || !row.reference || !this.signable(row)) throw requestNotFound();
    if (!LIVE.includes(row.status))
      throw conflict(
        'disclosure-request-closed',
        'This request is closed; ask the patient to start again in the app.',
      );
    const max = this.config.disclosure.maxSignaturesPerRequest;
    if (row.signatureCount >= max)
      throw conflict(
        'too-many-signatures',
        `This request was signed ${max} times; ask the patient to start again in the app.`,
      );

    let verified;
    try {
      verified = await this.verifier.verify(base64ToBytes(cmsBase64), {
        uploadHash: fromHex(row.uploadHash),
        reference: row.reference,
      });
    } catch (e) {
      const reason: DisclosureRefusalReason = isRefusal<DisclosureRefusalReason>(e)
        ? e.reason
        : e instanceof TypeError
          ? 'MALFORMED_CMS'
          : rethrow(e);
      await this.audit.record(actor, {
        action: 'disclosure.sign',
        outcome: 'denied',
        objectType: 'disclosure-request',
        objectId: row.id,
        details: { reason },
      });
      throw approvalRefused(reason, 'submit');
    }
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.config.disclosure.uploadWindowMs);
    const { signer, uzi } = verified.signature;
    const updated = await repo.update(
      { id, status: In(LIVE), signatureCount: row.signatureCount },
      {
        status: 'signed',
        approval: Buffer.from(base64ToBytes(cmsBase64)),
        signedAt: now,
        expiresAt,
        signatureCount: row.signatureCount + 1,
        signedByUserId: user.id,
        organisationId: user.organisationId,
        signerRole: uzi.role,
      },
    );
    if (updated.affected !== 1)
      throw conflict(
        'disclosure-request-changed',
        'The request changed meanwhile (signed elsewhere or closed); look it up again.',
      );
    await this.audit.record(actor, {
      action: 'disclosure.sign',
      outcome: 'success',
      objectType: 'disclosure-request',
      objectId: row.id,
      details: {
        role: uzi.role,
        uziNumber: uzi.uziNumber,
        certificate: signer.thumbprintSha256,
        signature: row.signatureCount + 1,
      },
    });
    return {
      status: 'signed',
      signedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      signer: { name: signer.subject.fields.CN ?? '', uziNumber: uzi.uziNumber, role: uzi.role },
    };
  }

  /**
   * Marks the request used, in the upload's transaction: exactly one upload per approval. Throws 409
   * `disclosure-code-used` when another upload got there first.
   */
  spendStatement(id: string): SpendStatement {
    return updateOnce(
      this.dataSource,
      DisclosureRequest,
      { status: 'used', reference: null, approval: null, expiresAt: this.clock.now() },
      { id, status: 'signed' },
      codeUsed,
    );
  }

  /**
   * Closes requests past their expiry (frees their references, drops approvals) and deletes requests
   * closed more than a day ago. Run by the `disclosure-expire` job.
   */
  async closeExpired(): Promise<{ expired: number; deleted: number }> {
    const now = this.clock.now();
    const repo = this.dataSource.getRepository(DisclosureRequest);
    const expired = await repo.update(
      { status: In(LIVE), expiresAt: LessThanOrEqual(now) },
      { status: 'expired', reference: null, approval: null },
    );
    const deleted = await repo.delete({
      status: In(['used', 'expired', 'cancelled']),
      expiresAt: LessThan(new Date(now.getTime() - CLOSED_RETENTION_MS)),
    });
    return { expired: expired.affected ?? 0, deleted: deleted.affected ?? 0 };
  }

  /** A request by id, for the upload authorizer. */
  async findRequest(id: string): Promise<DisclosureRequest | null> {
    return this.dataSource.getRepository(DisclosureRequest).findOneBy({ id });
  }

  /** A live request and its status now (an expired one the job has not closed yet counts as expired). */
  effectiveStatus(row: DisclosureRequest): DisclosureStatus {
    return LIVE.includes(row.status) && row.expiresAt.getTime() <= this.clock.now().getTime()
      ? 'expired'
      : row.status;
  }

  /**
   * A GP may find and sign a request only within the code's lifetime from registration, also when it was
   * signed before (to correct a mistyped code): so the references a guesser could hit are only those
   * registered in the last DISCLOSURE_REQUEST_TTL_MINUTES (README, "guessing odds").
   */
  private signable(row: DisclosureRequest): boolean {
    const now = this.clock.now().getTime();
    return (
      this.effectiveStatus(row) !== 'expired' &&
      row.createdAt.getTime() + this.config.disclosure.requestTtlMs > now
    );
  }

  private async ownRequest(id: string, pollSecret: string): Promise<DisclosureRequest> {
    const row = await this.dataSource.getRepository(DisclosureRequest).findOneBy({ id });
    // Hash first, then a constant-time comparison of equal-length hex: the time does not depend on the secret.
    if (!row || !safeEqual(sha256Hex(pollSecret), row.pollSecretHash))
      throw notFound('No such disclosure request.');
    return row;
  }

  private view(row: DisclosureRequest): DisclosureRequestView {
    return {
      id: row.id,
      status: this.effectiveStatus(row),
      createdAt: row.createdAt.toISOString(),
      // For the GP: by when it must be signed (a signed request waits longer for the phone, not for the GP).
      expiresAt: new Date(row.createdAt.getTime() + this.config.disclosure.requestTtlMs).toISOString(),
      uploadHash: row.uploadHash,
      uploadHashFingerprint: uploadHashFingerprint(fromHex(row.uploadHash)),
      signedAt: row.signedAt?.toISOString() ?? null,
      signatures: row.signatureCount,
      maxSignatures: this.config.disclosure.maxSignaturesPerRequest,
    };
  }

  private actor(user: User, ip: string): AuditActor {
    return { kind: 'user', userId: user.id, organisationId: user.organisationId, ip };
  }

  private async limit(key: string, perHour: number): Promise<void> {
    const result = await this.rateLimiter.consume(key, { limit: perHour, windowMs: HOUR });
    if (!result.allowed) {
      this.logger.warn({ limit: key.split(':').slice(0, 3).join(':') }, 'disclosure: rate limit reached');
      throw tooManyRequests(result.retryAfterMs);
    }
  }
}

/** 409 for an approval whose request was already used for an upload. */
export function codeUsed(): ProblemException {
  return new ProblemException(
    409,
    'disclosure-code-used',
    'Upload not authorised',
    'This code was already used for an upload; start again in the app.',
    { reason: 'code-used' },
  );
}

function rethrow(e: unknown): never {
  throw e;
}
