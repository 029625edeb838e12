/**
 * The provider-neutral boundary between Veilig bellen and a phone exchange. Inbound, an adapter turns
 * the provider's webhooks or contact-flow calls into `CallDesk` calls (our side); outbound, it
 * implements `PhoneExchange` (route a queued call to one agent). Twilio is one adapter; Amazon Connect
 * would be another class implementing `PhoneExchange` plus a contact-flow endpoint calling `CallDesk`.
 */

/** A call as the exchange knows it: its id there (Twilio `CallSid`) and, once queued, its queue. */
export interface ExchangeCallRef {
  callRef: string;
  queueRef: string | null;
}

/** How to reach an agent's VoIP client. */
export type AgentEndpoint = { kind: 'client'; identity: string } | { kind: 'sip'; uri: string };

export type RouteOutcome =
  { ok: true } | { ok: false; reason: 'not-in-queue' | 'already-taken' | 'exchange-error'; detail?: string };

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
}

export type RedeemOutcome =
  { ok: true; sessionId: string } | { ok: false; reason: 'wrong-code' | 'rate-limited' | 'closed' };

/** Inbound port: what an exchange adapter asks of the backend. */
export interface CallDesk {
  /** Whether the municipality's line is open now (callers outside hours hear it is closed). */
  isOpen(municipalityId: string): Promise<boolean>;
  /**
   * DTMF code in, session out: the code becomes invalid once used; wrong codes count against the
   * caller (`callerKey` is an opaque, already-hashed caller identifier).
   */
  redeem(
    municipalityId: string,
    dtmf: string,
    call: { callRef: string; callerKey: string },
  ): Promise<RedeemOutcome>;
  callQueued(municipalityId: string, call: ExchangeCallRef): Promise<void>;
  callConnected(municipalityId: string, callRef: string): Promise<void>;
  /** The call is over (caller or agent hung up, or the exchange gave up): the caller's data goes. */
  callEnded(municipalityId: string, callRef: string): Promise<void>;
}
