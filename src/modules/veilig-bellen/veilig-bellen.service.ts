import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { In, LessThan, Repository } from 'typeorm';
import { randomToken, safeEqual, sha256Hex } from '../../common/crypto/tokens';
import { conflict, forbidden, notFound, ProblemException } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isUniqueViolation } from '../../database/errors';
import { queryPrepared } from '../../database/prepared';
import { Clock } from '../../infrastructure/clock';
import { RateLimiter } from '../../infrastructure/rate-limiter';
import { acceptedAttributes, disclosureRequest, telReturnUrl } from '../../protocol/irma/disclosure';
import { IrmaError } from '../../protocol/irma/requestor-client';
import {
  TERMINAL_STATUSES,
  type FrontendSessionRequest,
  type SessionPointer,
} from '../../protocol/irma/types';
import { drawDtmfCode } from '../../protocol/telephony/dtmf';
import type {
  AgentEndpoint,
  CallDesk,
  CallPhase,
  ExchangeCallRef,
  RedeemOutcome,
} from '../../protocol/telephony/exchange-port';
import { isOpen } from '../../protocol/telephony/opening-hours';
import type { ConsoleCall } from '../../shared/veilig-bellen-contract';
import type { User } from '../accounts/entities/user.entity';
import { AuditService } from '../audit/audit.service';
import { CallSession, type CallState } from './entities/call-session.entity';
import type { MunicipalitySettings } from './entities/municipality-settings.entity';
import { LiveCallBus } from './live-calls.bus';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { ExchangeGateway, IrmaGateway } from './veilig-bellen.gateways';

export type { ConsoleCall };

/** What the citizen's widget shows. */
export type WidgetState = 'waiting' | 'disclosed' | 'called' | 'connected' | 'error';

export interface StartedSession {
  sessionPtr: SessionPointer;
  frontendRequest: FrontendSessionRequest;
  phoneNumber: string;
  dtmf: string;
  statusToken: string;
  expiresAt: string;
}

const LIVE_FOR_CONSOLE: CallState[] = ['waiting', 'assigned', 'ringing', 'connected'];
const CONSOLE_STATES: Record<CallPhase, ConsoleCall['state']> = {
  waiting: 'waiting',
  assigned: 'taken',
  ringing: 'ringing',
  connected: 'connected',
};
const WRONG_CODE_WINDOW_MS = 15 * 60_000;
/** Margin past the IRMA session timeout for the last status poll. */
const FOLLOW_MARGIN_MS = 30_000;

const sessionEnded = () =>
  new ProblemException(404, 'session-ended', 'Not found', 'This call session has ended or never existed.');

/**
 * Veilig bellen: the citizen's session (IRMA disclosure + DTMF code), the phone exchange's side
 * (`CallDesk`: code in, session out; queue and call events), the agents' console and data lifetime.
 */
@Injectable()
export class VeiligBellenService implements CallDesk, OnModuleDestroy {
  private readonly logger = new Logger('VeiligBellen');
  private readonly followers = new Set<NodeJS.Timeout>();
  private readonly streams = new Set<AbortController>();

  /** The DTMF pepper as a key object: imported once, not for every HMAC on the exchange's hot path. */
  private readonly pepper: KeyObject;

  constructor(
    @InjectRepository(CallSession) private readonly sessions: Repository<CallSession>,
    private readonly settings: MunicipalitySettingsService,
    private readonly irma: IrmaGateway,
    private readonly exchange: ExchangeGateway,
    private readonly bus: LiveCallBus,
    private readonly rateLimiter: RateLimiter,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.pepper = createSecretKey(Buffer.from(config.veiligBellen.dtmfPepper, 'utf8'));
  }

  private get vb() {
    return this.config.veiligBellen;
  }

  /**
   * Starts a call session for the widget: draws the DTMF code (unique among live sessions) and the
   * status token, starts the IRMA disclosure with `clientReturnUrl` `tel:<number>,<dtmf>`. The IRMA
   * requestor token never leaves the backend.
   */
  async start(municipalityId: string, purposeKey: string, ip: string): Promise<StartedSession> {
    const settings = await this.settings.find(municipalityId);
    if (!settings) throw notFound('Veilig bellen is not set up for this municipality.');
    const purpose = settings.purposes.find((p) => p.key === purposeKey);
    if (!purpose)
      throw new ProblemException(
        400,
        'unknown-purpose',
        'Bad request',
        'This button names a purpose the municipality has not configured.',
      );
    if (!isOpen(settings.openingHours, this.clock.now())) {
      throw new ProblemException(
        409,
        'closed',
        'Closed',
        'The phone line is closed now; please call during opening hours.',
      );
    }
    const client = this.irma.client;
    if (!client)
      throw new ProblemException(
        503,
        'irma-unavailable',
        'Service unavailable',
        'No IRMA server is configured.',
      );
    const limit = await this.rateLimiter.consume(`vb:start:${ip}`, { limit: 30, windowMs: 60_000 });
    if (!limit.allowed)
      throw new ProblemException(
        429,
        'rate-limited',
        'Too many requests',
        'Too many new sessions; try again shortly.',
        { retryAfterSeconds: Math.ceil(limit.retryAfterMs / 1000) },
      );

    const now = this.clock.now();
    const statusToken = randomToken();
    const { session, dtmf } = await this.insertWithFreshCode({
      organisationId: municipalityId,
      purpose: purpose.key,
      state: 'pending',
      failure: null,
      statusTokenHash: sha256Hex(statusToken),
      irmaSession: null,
      attributes: null,
      callRef: null,
      queueRef: null,
      agentUserId: null,
      queuedAt: null,
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + this.vb.irma.sessionSeconds * 1000 + FOLLOW_MARGIN_MS),
    });
    let pkg;
    try {
      pkg = await client.startSession({
        timeout: this.vb.irma.sessionSeconds,
        request: disclosureRequest(purpose.attributes, telReturnUrl(settings.phoneNumber, dtmf)),
        ...(this.vb.irma.statusUpdates === 'callback'
          ? { callbackUrl: this.irmaCallbackUrl(session.id) }
          : {}),
      });
    } catch (err) {
      await this.sessions.delete({ id: session.id });
      this.logger.warn(
        { status: (err as IrmaError).status, error: (err as IrmaError).error },
        'IRMA session start failed',
      );
      throw new ProblemException(
        503,
        'irma-unreachable',
        'Service unavailable',
        'The Yivi server cannot be reached; try again later.',
      );
    }
    await this.sessions.update({ id: session.id }, { irmaSession: pkg.token });
    await this.audit.record(
      { kind: 'anonymous', ip },
      {
        action: 'vb.session.started',
        outcome: 'success',
        objectType: 'vb-session',
        objectId: session.id,
        organisationId: municipalityId,
        details: { purpose: purpose.key },
      },
    );
    this.follow(session.id, pkg.token);
    return {
      sessionPtr: pkg.sessionPtr,
      frontendRequest: pkg.frontendRequest,
      phoneNumber: settings.phoneNumber,
      dtmf,
      statusToken,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  /** The citizen's progress, by status token; asks the IRMA server while the disclosure is open. */
  async status(
    municipalityId: string,
    statusToken: string,
  ): Promise<{ state: WidgetState; reason?: string }> {
    let session = await this.sessions.findOneBy({
      statusTokenHash: sha256Hex(statusToken),
      organisationId: municipalityId,
    });
    if (!session) throw sessionEnded();
    if (session.state === 'pending') session = (await this.settle(session)) ?? session;
    return toWidgetState(session);
  }

  /**
   * The IRMA server's `callbackUrl` request: the session has finished. The body is not trusted (nor
   * needed); the URL's MAC proves we made it, and the outcome is read from the IRMA server itself.
   */
  async irmaCallback(sessionId: string, mac: string): Promise<void> {
    if (!safeEqual(mac, this.irmaCallbackMac(sessionId))) throw notFound();
    const session = await this.sessions.findOneBy({ id: sessionId, state: 'pending' });
    if (session) await this.settle(session);
  }

  // ---- CallDesk: the phone exchange's side ----

  /** Whether the municipality's line is open now (its opening hours, in its time zone). */
  async isOpen(municipalityId: string): Promise<boolean> {
    const settings = await this.settings.find(municipalityId);
    return settings !== null && isOpen(settings.openingHours, this.clock.now());
  }

  /**
   * DTMF code in, session out. Wrong codes count per caller (rate limited); the code is invalidated in
   * the same conditional update that moves the session to `waiting`, so it works exactly once.
   */
  async redeem(
    municipalityId: string,
    dtmf: string,
    call: { callRef: string; callerKey: string },
  ): Promise<RedeemOutcome> {
    // Every attempt reserves one wrong code atomically (so parallel guesses cannot exceed the limit);
    // a right code gives it back, so only wrong codes count.
    const budgetKey = `vb:dtmf:${municipalityId}:${call.callerKey}`;
    const budget = await this.rateLimiter.consume(budgetKey, {
      limit: this.vb.wrongCodesPerCaller,
      windowMs: WRONG_CODE_WINDOW_MS,
    });
    if (!budget.allowed) {
      await this.rateLimiter.refund(budgetKey);
      return { ok: false, reason: 'rate-limited' };
    }
    const hmac = this.dtmfHmac(dtmf);
    let sessionId = await this.claimCode(municipalityId, hmac, call.callRef);
    if (!sessionId) {
      // The caller may dial before our poll noticed the disclosure: ask the IRMA server now.
      const pending = await this.sessions.findOneBy({
        dtmfHmac: hmac,
        organisationId: municipalityId,
        state: 'pending',
      });
      if (pending && (await this.settle(pending))?.state === 'disclosed')
        sessionId = await this.claimCode(municipalityId, hmac, call.callRef);
    }
    // The same call asking again (a contact flow retrying a Lambda whose answer was lost) gets the
    // same session: the code stays with the call that redeemed it, and no other call can use it.
    sessionId ??=
      (
        await this.sessions.findOne({
          where: {
            dtmfHmac: hmac,
            organisationId: municipalityId,
            callRef: call.callRef,
            state: In(LIVE_FOR_CONSOLE),
          },
          select: { id: true },
        })
      )?.id ?? null;
    if (!sessionId) {
      await this.audit.record(
        { kind: 'exchange' },
        { action: 'vb.call.code-refused', outcome: 'denied', organisationId: municipalityId },
      );
      return { ok: false, reason: 'wrong-code' };
    }
    await this.rateLimiter.refund(budgetKey);
    await this.bus.publish(municipalityId);
    // No audit entry per successful lookup: it would double the hot path's writes (and wait for a WAL
    // flush); the session start, the take and the end are audited, and so are refused codes.
    return { ok: true, sessionId };
  }

  /**
   * The caller waits in the exchange's queue (on entering it and on every hold loop): remember the
   * queue so an agent can pull the call. False when the session is gone (ended, or past its age).
   */
  async callQueued(municipalityId: string, call: ExchangeCallRef): Promise<boolean> {
    if (!call.callRef) return false;
    const row = await this.sessions.findOne({
      where: { organisationId: municipalityId, callRef: call.callRef },
      select: { id: true, queueRef: true },
    });
    if (!row) return false;
    if (row.queueRef !== call.queueRef) {
      await this.sessions.update({ id: row.id }, { queueRef: call.queueRef, updatedAt: this.clock.now() });
      await this.bus.publish(municipalityId);
    }
    return true;
  }

  /** The assigned agent's phone rings. */
  async agentRinging(municipalityId: string, callRef: string): Promise<void> {
    await this.advance(municipalityId, callRef, ['assigned'], { state: 'ringing' });
  }

  /** The assigned agent answered the pulled call. */
  async callConnected(municipalityId: string, callRef: string): Promise<void> {
    await this.advance(municipalityId, callRef, ['assigned', 'ringing'], { state: 'connected' });
  }

  /**
   * The assigned agent did not answer: the call is `waiting` again for every agent, at the front of
   * the console (it keeps its first queue time), until its maximum age or the caller hangs up.
   */
  async agentMissed(municipalityId: string, callRef: string): Promise<boolean> {
    if (
      await this.advance(municipalityId, callRef, ['assigned', 'ringing'], {
        state: 'waiting',
        agentUserId: null,
      })
    ) {
      await this.audit.record(
        { kind: 'exchange' },
        { action: 'vb.call.not-answered', outcome: 'failure', organisationId: municipalityId },
      );
      return true;
    }
    return (await this.sessions.countBy({ organisationId: municipalityId, callRef })) > 0;
  }

  /** The call is over: the caller's data is deleted now. */
  async callEnded(municipalityId: string, callRef: string): Promise<void> {
    const res = await this.sessions.delete({ organisationId: municipalityId, callRef });
    if (res.affected) {
      await this.audit.record(
        { kind: 'exchange' },
        {
          action: 'vb.call.ended',
          outcome: 'success',
          organisationId: municipalityId,
          details: { deleted: res.affected },
        },
      );
      await this.bus.publish(municipalityId);
    }
  }

  // ---- Agent console ----

  /** Verified calls of the agent's municipality, with the disclosed attributes and the external link. */
  async listCalls(agent: User): Promise<ConsoleCall[]> {
    const [settings, rows] = await Promise.all([
      this.settings.find(agent.organisationId),
      this.sessions.find({
        where: { organisationId: agent.organisationId, state: In(LIVE_FOR_CONSOLE) },
        order: { queuedAt: 'ASC', createdAt: 'ASC' },
      }),
    ]);
    return rows.map((row) => this.toConsoleCall(row, agent, settings));
  }

  /**
   * "Take this call": one conditional update decides which agent gets it; then the exchange pulls the
   * caller to that agent's VoIP client. If the exchange refuses, the claim is released again.
   */
  async take(agent: User, sessionId: string): Promise<ConsoleCall> {
    const settings = await this.settings.find(agent.organisationId);
    if (!settings) throw notFound('No such call.');
    const now = this.clock.now();
    const claimed = await this.sessions.update(
      { id: sessionId, organisationId: agent.organisationId, state: 'waiting' },
      { state: 'assigned', agentUserId: agent.id, updatedAt: now },
    );
    const row = await this.sessions.findOneBy({ id: sessionId, organisationId: agent.organisationId });
    if (!row) throw notFound('No such call.');
    if (!claimed.affected) {
      if (row.agentUserId === agent.id) return this.toConsoleCall(row, agent, settings);
      throw conflict('call-taken', 'Another agent has already taken this call.');
    }
    const outcome = await (
      await this.exchange.for(agent.organisationId)
    ).routeToAgent(
      { callRef: row.callRef ?? '', queueRef: row.queueRef },
      // Amazon Connect agents are users whose username is their e-mail address.
      settings.exchangeProvider === 'amazon-connect'
        ? { kind: 'connect-user', username: agent.email }
        : agentEndpoint(settings, agent.id),
      {
        municipalityId: agent.organisationId,
        sessionId,
      },
    );
    if (!outcome.ok) {
      await this.sessions.update(
        { id: sessionId, agentUserId: agent.id, state: 'assigned' },
        { state: 'waiting', agentUserId: null, updatedAt: this.clock.now() },
      );
      await this.bus.publish(agent.organisationId);
      await this.audit.record(this.actor(agent), {
        action: 'vb.call.take',
        outcome: 'failure',
        objectType: 'vb-session',
        objectId: sessionId,
        details: { reason: outcome.reason },
      });
      if (outcome.reason === 'already-taken')
        throw conflict('call-taken', 'The phone exchange no longer has this caller waiting.');
      if (outcome.reason === 'not-in-queue')
        throw conflict('call-not-queued', 'The caller is not in the queue yet; try again in a moment.');
      if (outcome.reason === 'agent-unknown')
        throw conflict(
          'agent-not-at-exchange',
          'The phone exchange has no user for you (at Amazon Connect: a user whose username is your e-mail address).',
        );
      throw new ProblemException(
        502,
        'exchange-error',
        'Bad gateway',
        'The phone exchange did not accept the transfer; try again.',
      );
    }
    await this.audit.record(this.actor(agent), {
      action: 'vb.call.take',
      outcome: 'success',
      objectType: 'vb-session',
      objectId: sessionId,
    });
    await this.bus.publish(agent.organisationId);
    return this.toConsoleCall({ ...row, state: 'assigned', agentUserId: agent.id }, agent, settings);
  }

  /**
   * The agent closes a call in the console: the caller's data is deleted and the exchange hangs the
   * call up (if it still runs; the exchange's own end-of-call events then find nothing).
   */
  async end(agent: User, sessionId: string): Promise<void> {
    const row = await this.sessions.findOne({
      where: { id: sessionId, organisationId: agent.organisationId },
      select: { id: true, agentUserId: true, callRef: true, queueRef: true },
    });
    if (!row) throw notFound('No such call.');
    if (row.agentUserId && row.agentUserId !== agent.id)
      throw forbidden('Another agent has this call.', 'call-taken');
    await this.sessions.delete({ id: sessionId, organisationId: agent.organisationId });
    if (row.callRef)
      await (
        await this.exchange.for(agent.organisationId)
      ).hangUp({ callRef: row.callRef, queueRef: row.queueRef }, { municipalityId: agent.organisationId });
    await this.audit.record(this.actor(agent), {
      action: 'vb.call.ended',
      outcome: 'success',
      objectType: 'vb-session',
      objectId: sessionId,
    });
    await this.bus.publish(agent.organisationId);
  }

  /**
   * Called by the TwiML dial webhook: the agent a session is assigned to now (for the `<Dial>`);
   * `null` agent when it is not assigned (any more), `null` when the session is gone.
   */
  async assignment(
    municipalityId: string,
    sessionId: string,
  ): Promise<{ agentUserId: string | null } | null> {
    const row = await this.sessions.findOne({
      where: { id: sessionId, organisationId: municipalityId },
      select: { id: true, state: true, agentUserId: true },
    });
    if (!row) return null;
    return { agentUserId: row.state === 'assigned' || row.state === 'ringing' ? row.agentUserId : null };
  }

  // ---- Data lifetime ----

  /** Deletes every session past its expiry or older than the maximum age (milliseconds, config). */
  async purge(): Promise<number> {
    const now = this.clock.now();
    const expired = await this.sessions.find({
      where: [
        { expiresAt: LessThan(now) },
        { createdAt: LessThan(new Date(now.getTime() - this.vb.maxAgeMs)) },
      ],
      select: { id: true, organisationId: true },
    });
    if (!expired.length) return 0;
    await this.sessions.delete({ id: In(expired.map((e) => e.id)) });
    for (const org of new Set(expired.map((e) => e.organisationId))) await this.bus.publish(org);
    await this.audit.record(
      { kind: 'system' },
      { action: 'vb.sessions.purged', outcome: 'success', details: { deleted: expired.length } },
    );
    return expired.length;
  }

  onModuleDestroy(): void {
    for (const t of this.followers) clearTimeout(t);
    this.followers.clear();
    for (const stream of this.streams) stream.abort();
    this.streams.clear();
  }

  /** HMAC-SHA256 of a DTMF code under the configured pepper: what the database stores and indexes. */
  dtmfHmac(dtmf: string): string {
    return createHmac('sha256', this.pepper).update(dtmf).digest('hex');
  }

  /** The calling number, keyed and truncated: enough to count wrong codes, useless to identify anyone. */
  callerKey(caller: string): string {
    return createHmac('sha256', this.pepper).update(`caller:${caller}`).digest('hex').slice(0, 32);
  }

  /** Moves a live call from one of `from` to a new phase; true when it did. */
  private async advance(
    municipalityId: string,
    callRef: string,
    from: CallPhase[],
    values: Partial<CallSession>,
  ): Promise<boolean> {
    const res = await this.sessions.update(
      { organisationId: municipalityId, callRef, state: In(from) },
      { ...values, updatedAt: this.clock.now() },
    );
    if (res.affected) await this.bus.publish(municipalityId);
    return !!res.affected;
  }

  /**
   * Follows the IRMA session until it ends (bounded by its timeout), so a disclosure is noticed
   * without the widget: by polling every VEILIG_BELLEN_IRMA_POLL_MS, or, with status events or
   * callbacks, by those plus a slow safety-net poll; a failing event stream falls back to polling.
   * The widget's status requests and the exchange's lookups also settle a session, so any instance can.
   */
  private follow(sessionId: string, irmaToken: string): void {
    const irma = this.vb.irma;
    const deadline = Date.now() + irma.sessionSeconds * 1000 + FOLLOW_MARGIN_MS;
    let interval = irma.statusUpdates === 'poll' ? irma.pollMs : irma.fallbackPollMs;
    let timer: NodeJS.Timeout | undefined;
    const check = async (): Promise<boolean> => {
      const row = await this.sessions.findOneBy({ id: sessionId });
      if (!row || row.state !== 'pending') return false;
      return (await this.settle(row))?.state === 'pending' && Date.now() < deadline;
    };
    const tick = () => {
      timer = setTimeout(() => {
        this.followers.delete(timer!);
        void check()
          .then((pending) => (pending ? tick() : stream?.abort()))
          .catch((err: Error) => this.logger.warn({ err: err.message }, 'following an IRMA session failed'));
      }, interval);
      timer.unref();
      this.followers.add(timer);
    };
    const stream = irma.statusUpdates === 'events' ? new AbortController() : undefined;
    if (stream) {
      this.streams.add(stream);
      const stop = setTimeout(() => stream.abort(), deadline - Date.now());
      stop.unref();
      void (async () => {
        for await (const status of this.irma.client!.statusEvents(irmaToken, stream.signal))
          if (TERMINAL_STATUSES.includes(status)) return void (await check());
        if (!stream.signal.aborted) throw new Error('the event stream ended early');
      })()
        .catch((err: Error) => {
          if (stream.signal.aborted) return;
          // No event stream (irma server without --sse, a proxy that cuts it): poll as usual.
          this.logger.warn({ err: err.message }, 'IRMA status events failed; polling');
          interval = irma.pollMs;
          if (timer) clearTimeout(timer);
          tick();
        })
        .finally(() => {
          clearTimeout(stop);
          this.streams.delete(stream);
        });
    }
    tick();
  }

  private irmaCallbackMac(sessionId: string): string {
    return createHmac('sha256', this.pepper).update(`irma-callback:${sessionId}`).digest('base64url');
  }

  private irmaCallbackUrl(sessionId: string): string {
    return `${this.config.http.publicUrl}/api/veilig-bellen/irma/sessions/${sessionId}/finished/${this.irmaCallbackMac(sessionId)}`;
  }

  /**
   * Asks the IRMA server about a pending session and records the outcome: on DONE + VALID only the
   * requested attributes (encrypted); otherwise `failed` with a reason. Returns the fresh row.
   */
  private async settle(session: CallSession): Promise<CallSession | null> {
    const client = this.irma.client;
    if (!client || !session.irmaSession) return session;
    let update: Partial<CallSession>;
    try {
      const status = await client.status(session.irmaSession);
      if (status !== 'DONE' && status !== 'CANCELLED' && status !== 'TIMEOUT') return session;
      const settings = await this.settings.find(session.organisationId);
      const requested = settings?.purposes.find((p) => p.key === session.purpose)?.attributes ?? [];
      const result =
        status === 'DONE'
          ? acceptedAttributes(await client.result(session.irmaSession), requested)
          : ({ ok: false, reason: status === 'CANCELLED' ? 'cancelled' : 'timeout' } as const);
      const now = this.clock.now();
      update = result.ok
        ? {
            state: 'disclosed',
            attributes: result.attributes,
            irmaSession: null,
            updatedAt: now,
            expiresAt: new Date(now.getTime() + this.vb.callWithinMs),
          }
        : { state: 'failed', failure: result.reason, dtmfHmac: null, irmaSession: null, updatedAt: now };
    } catch (err) {
      if (err instanceof IrmaError && err.error === 'SESSION_UNKNOWN') {
        update = {
          state: 'failed',
          failure: 'session-unknown',
          dtmfHmac: null,
          irmaSession: null,
          updatedAt: this.clock.now(),
        };
      } else {
        this.logger.warn({ status: (err as IrmaError).status }, 'IRMA status check failed');
        return session;
      }
    }
    await this.sessions.update({ id: session.id, state: 'pending' }, update);
    if (update.state === 'failed') {
      await this.audit.record(
        { kind: 'system' },
        {
          action: 'vb.session.disclosure-refused',
          outcome: 'denied',
          objectType: 'vb-session',
          objectId: session.id,
          organisationId: session.organisationId,
          details: { reason: update.failure ?? null },
        },
      );
    }
    return this.sessions.findOneBy({ id: session.id });
  }

  /**
   * Moves a disclosed session with this code to `waiting` for this call, in one conditional statement
   * (PostgreSQL: UPDATE … RETURNING), so a code is redeemed at most once under concurrency. The code's
   * HMAC stays until the row goes, so only this call can ask for it again.
   */
  private async claimCode(municipalityId: string, hmac: string, callRef: string): Promise<string | null> {
    const now = this.clock.now();
    const values = {
      state: 'waiting' as const,
      callRef,
      queuedAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + this.vb.maxAgeMs),
    };
    const where = { dtmfHmac: hmac, organisationId: municipalityId, state: 'disclosed' as const };
    if (this.sessions.manager.connection.options.type === 'postgres') {
      // One round trip; committed durably like every other write: the caller is told to wait for an
      // agent only once the call is on record.
      const [row] = await queryPrepared<{ id: string }>(
        this.sessions.manager.connection,
        'vb-claim-code',
        `UPDATE vb_call_session SET state = 'waiting', call_ref = $1, queued_at = $2, updated_at = $2, expires_at = $3
         WHERE dtmf_hmac = $4 AND organisation_id = $5 AND state = 'disclosed'
         RETURNING id`,
        [callRef, values.updatedAt, values.expiresAt, hmac, municipalityId],
      );
      return row?.id ?? null;
    }
    const row = await this.sessions.findOne({ where, select: { id: true } });
    if (!row) return null;
    const res = await this.sessions.update({ ...where, id: row.id }, values);
    return res.affected ? row.id : null;
  }

  private async insertWithFreshCode(
    values: Omit<CallSession, 'id' | 'dtmfHmac' | 'organisation'>,
  ): Promise<{ session: CallSession; dtmf: string }> {
    for (let attempt = 0; ; attempt++) {
      const dtmf = drawDtmfCode();
      const session = this.sessions.create({ ...values, dtmfHmac: this.dtmfHmac(dtmf) });
      try {
        await this.sessions.insert(session);
        return { session, dtmf };
      } catch (err) {
        // A clash with a live session's code (1 in 10^10 per live session): draw again.
        if (attempt >= 4 || !isUniqueViolation(err)) throw err;
      }
    }
  }

  private toConsoleCall(row: CallSession, agent: User, settings: MunicipalitySettings | null): ConsoleCall {
    const purpose = settings?.purposes.find((p) => p.key === row.purpose);
    // Once an agent has the call, the others no longer need to see who is calling.
    const visible = row.state === 'waiting' || row.agentUserId === agent.id;
    const attributes = visible
      ? Object.entries(row.attributes ?? {}).map(([id, value]) => ({ id, name: id.split('.').pop()!, value }))
      : [];
    return {
      id: row.id,
      purpose: row.purpose,
      purposeLabel: purpose?.label ?? row.purpose,
      state: CONSOLE_STATES[row.state as CallPhase],
      takenByMe: row.agentUserId === agent.id,
      attributes,
      externalLink: externalLink(settings?.linkTemplate ?? null, attributes),
      since: row.updatedAt.toISOString(),
    };
  }

  private actor(agent: User) {
    return { kind: 'user' as const, userId: agent.id, organisationId: agent.organisationId };
  }
}

/** Fills `{name}` placeholders with URL-encoded attribute values; null when one is missing. */
export function externalLink(
  template: string | null,
  attributes: { name: string; value: string }[],
): string | null {
  if (!template) return null;
  let missing = false;
  const filled = template.replace(/\{([A-Za-z0-9_-]+)\}/g, (_, name: string) => {
    const attr = attributes.find((a) => a.name === name);
    if (!attr) missing = true;
    return encodeURIComponent(attr?.value ?? '');
  });
  return missing ? null : filled;
}

function toWidgetState(s: CallSession): { state: WidgetState; reason?: string } {
  switch (s.state) {
    case 'pending':
      return { state: 'waiting' };
    case 'disclosed':
      return { state: 'disclosed' };
    case 'waiting':
    case 'assigned':
    case 'ringing':
      return { state: 'called' };
    case 'connected':
      return { state: 'connected' };
    default:
      return { state: 'error', reason: s.failure ?? 'failed' };
  }
}

/**
 * The agent's VoIP identity: `agent_` and the user id's hex digits. Twilio Client identities may use
 * only letters, digits and underscores in the Voice SDKs (twilio.com/docs/voice/twiml/client).
 */
export function agentIdentity(userId: string): string {
  return `agent_${userId.replace(/-/g, '')}`;
}

/** How Twilio reaches an agent of this municipality: its Twilio Client identity, or SIP. */
export function agentEndpoint(
  settings: MunicipalitySettings,
  agentUserId: string,
): Extract<AgentEndpoint, { kind: 'client' | 'sip' }> {
  const identity = agentIdentity(agentUserId);
  return settings.agentDial.kind === 'sip'
    ? { kind: 'sip', uri: settings.agentDial.uriTemplate.replace('{agent}', identity) }
    : { kind: 'client', identity };
}
