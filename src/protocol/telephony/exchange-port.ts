/**
 * The provider-neutral boundary between Veilig bellen and a phone exchange. Inbound, an adapter turns
 * the provider's webhooks or contact-flow calls into `CallDesk` calls (our side); outbound, it
 * implements `PhoneExchange` (route a queued call to one agent, hang a call up). Twilio is one
 * adapter (webhooks + REST); Amazon Connect another (a contact-flow Lambda calling the generic
 * exchange API, and the Amazon Connect API).
 */

/**
 * Where a verified call is, whatever the exchange: `waiting` in the queue, `assigned` (taken by an
 * agent in the console, the exchange is routing it), `ringing` the agent's phone, `connected` with the
 * agent. An ended call has no phase: its data is deleted.
 */
export type CallPhase = 'waiting' | 'assigned' | 'ringing' | 'connected';

/** A call as the exchange knows it: its id there (Twilio `CallSid`) and, once queued, its queue. */
export interface ExchangeCallRef {
  callRef: string;
  queueRef: string | null;
}

/** How to reach an agent's VoIP client: a Twilio Client identity, a SIP URI, an Amazon Connect user. */
export type AgentEndpoint =
  | { kind: 'client'; identity: string }
  | { kind: 'sip'; uri: string }
  | { kind: 'connect-user'; username: string };

export type RouteOutcome =
  | { ok: true }
  | {
      ok: false;
      /** `agent-unknown`: the exchange has no such agent (e.g. no Amazon Connect user of that name). */
      reason: 'not-in-queue' | 'already-taken' | 'agent-unknown' | 'exchange-error';
      detail?: string;
    };

/** Outbound port: what the backend asks of the exchange. */
export interface PhoneExchange {
  readonly provider: string;
  /**
   * Connects the queued call to exactly this agent. Exchanges guarantee that only the first request
   * for a call succeeds; the backend also serialises it in the database.
   */
  routeToAgent(
    call: ExchangeCallRef,
    agent: AgentEndpoint,
    context: { municipalityId: string; sessionId: string },
  ): Promise<RouteOutcome>;
  /** Ends the call at the exchange (an agent closed it in the console); best effort. */
  hangUp(call: ExchangeCallRef, context: { municipalityId: string }): Promise<void>;
}

export type RedeemOutcome =
  { ok: true; sessionId: string } | { ok: false; reason: 'wrong-code' | 'rate-limited' | 'closed' };

/** Inbound port: what an exchange adapter asks of the backend, in call order. */
export interface CallDesk {
  /** Whether the municipality's line is open now (callers outside hours hear it is closed). */
  isOpen(municipalityId: string): Promise<boolean>;
  /**
   * DTMF code in, session out: the code becomes invalid once used; only wrong codes count against
   * the caller (`callerKey` is an opaque, already-hashed caller identifier).
   */
  redeem(
    municipalityId: string,
    dtmf: string,
    call: { callRef: string; callerKey: string },
  ): Promise<RedeemOutcome>;
  /**
   * The caller waits in the exchange's queue (again), under `queueRef`. False when the call is no
   * longer ours (past its maximum age, or closed by an agent): the adapter lets the caller go.
   */
  callQueued(municipalityId: string, call: ExchangeCallRef): Promise<boolean>;
  /** The assigned agent's phone rings. */
  agentRinging(municipalityId: string, callRef: string): Promise<void>;
  /** The assigned agent answered. */
  callConnected(municipalityId: string, callRef: string): Promise<void>;
  /**
   * The assigned agent did not answer (or was busy or unreachable): the call goes back to the front
   * of the queue, for every agent to take. False when the call is no longer ours.
   */
  agentMissed(municipalityId: string, callRef: string): Promise<boolean>;
  /** The call is over (caller or agent hung up, or the exchange gave up): the caller's data goes. */
  callEnded(municipalityId: string, callRef: string): Promise<void>;
}
