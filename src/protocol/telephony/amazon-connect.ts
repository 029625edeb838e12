import {
  ConnectClient,
  ResourceNotFoundException,
  SearchUsersCommand,
  StopContactCommand,
  UpdateContactRoutingDataCommand,
  type ConnectClientConfig,
  type RoutingCriteriaInputStep,
} from '@aws-sdk/client-connect';
import type { AgentEndpoint, ExchangeCallRef, PhoneExchange, RouteOutcome } from './exchange-port';

/**
 * The routing criterion a queued Veilig call carries until an agent takes it: a predefined attribute
 * that no agent has, so Amazon Connect offers the contact to nobody. The contact flow sets it before
 * the transfer to the queue (deploy/amazon-connect/veilig-bellen-inbound.json).
 * Spec: docs/protocols/amazon-connect.md §C3.
 */
export const HOLD_ATTRIBUTE = { name: 'VeiligBellen', value: 'Wachtrij', proficiencyLevel: 5 } as const;

/**
 * How long Amazon Connect offers a taken call to the chosen agent before the step expires and the
 * call falls back to the hold criterion (`Expiry.DurationInSeconds`). The step's expiry is the contact
 * event that tells us the agent missed it. Spec: docs/protocols/amazon-connect.md §C3, §C6.
 */
export const AGENT_OFFER_SECONDS = 30;

/** An instance ARN's parts: `arn:aws:connect:<region>:<account>:instance/<instance id>`. */
export const CONNECT_INSTANCE_ARN =
  /^arn:aws(?:-[a-z]+)*:connect:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):instance\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/**
 * Region and instance id of an Amazon Connect instance ARN, or null when it is not one. The API takes
 * the instance id (`InstanceId`), the SDK client the region.
 */
export function parseInstanceArn(
  arn: string,
): { region: string; account: string; instanceId: string } | null {
  const m = CONNECT_INSTANCE_ARN.exec(arn);
  return m ? { region: m[1], account: m[2], instanceId: m[3] } : null;
}

/** Where a municipality's instance is and which credentials reach it (never stored secrets). */
export interface ConnectInstance {
  instanceArn: string;
  /** A profile of the AWS config file; null: the SDK's default chain (environment, IAM role). */
  awsProfile: string | null;
}

export interface AmazonConnectOptions {
  /** The municipality's instance. */
  instance: (municipalityId: string) => Promise<ConnectInstance>;
  /** Endpoint override (a VPC interface endpoint, or a simulator in tests); null: the regional endpoint. */
  endpoint?: string | null;
  /** Explicit credentials; absent: the SDK's default provider chain (environment, profile, IAM role). */
  credentials?: ConnectClientConfig['credentials'];
  /** How long a looked-up agent's user id is reused (milliseconds). */
  userCacheMs?: number;
}

/**
 * The Amazon Connect side of `PhoneExchange`, through the AWS SDK v3 (requests signed with Signature
 * Version 4 by the SDK). A taken call is routed to exactly that agent with preferred-agent routing
 * (`UpdateContactRoutingData` with `AgentsCriteria`), so it rings in that agent's softphone (the
 * Contact Control Panel); an agent closing the call in the console stops the contact (`StopContact`).
 * Agents are Amazon Connect users whose username is their Veilig e-mail address (`SearchUsers`).
 * Spec: docs/protocols/amazon-connect.md §C3–§C5.
 */
export class AmazonConnectExchange implements PhoneExchange {
  readonly provider = 'amazon-connect';
  private readonly clients = new Map<string, ConnectClient>();
  private readonly users = new Map<string, { id: string | null; at: number }>();

  constructor(private readonly options: AmazonConnectOptions) {}

  /**
   * Offers the queued contact to this agent only, for AGENT_OFFER_SECONDS, then back to nobody (the
   * hold criterion): a second step instead of none, because once every step has expired Amazon
   * Connect may offer the contact to any agent of the queue (docs/protocols/amazon-connect.md §C3).
   */
  async routeToAgent(
    call: ExchangeCallRef,
    agent: AgentEndpoint,
    ctx: { municipalityId: string; sessionId: string },
  ): Promise<RouteOutcome> {
    if (agent.kind !== 'connect-user')
      return { ok: false, reason: 'exchange-error', detail: 'not an Amazon Connect agent' };
    if (!call.queueRef) return { ok: false, reason: 'not-in-queue' };
    try {
      const { client, instanceId } = await this.clientFor(ctx.municipalityId);
      const userId = await this.userId(client, instanceId, agent.username);
      if (!userId) return { ok: false, reason: 'agent-unknown' };
      await client.send(
        new UpdateContactRoutingDataCommand({
          InstanceId: instanceId,
          ContactId: call.callRef,
          RoutingCriteria: { Steps: [agentStep(userId), holdStep()] },
        }),
      );
      return { ok: true };
    } catch (err) {
      // The contact is gone (the caller hung up) or no longer waits in a queue.
      if (err instanceof ResourceNotFoundException)
        return { ok: false, reason: 'already-taken', detail: err.message };
      return { ok: false, reason: 'exchange-error', detail: errorName(err) };
    }
  }

  /** Ends the contact (`StopContact`); one that has already ended answers an error, which is fine. */
  async hangUp(call: ExchangeCallRef, ctx: { municipalityId: string }): Promise<void> {
    try {
      const { client, instanceId } = await this.clientFor(ctx.municipalityId);
      await client.send(new StopContactCommand({ InstanceId: instanceId, ContactId: call.callRef }));
    } catch {
      // Best effort: the contact event of its end (or the purge job) finishes the rest.
    }
  }

  /** Closes the SDK clients' connection pools. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async clientFor(municipalityId: string): Promise<{ client: ConnectClient; instanceId: string }> {
    const instance = await this.options.instance(municipalityId);
    const parsed = parseInstanceArn(instance.instanceArn);
    if (!parsed) throw new Error('not an Amazon Connect instance ARN');
    const key = `${parsed.region}|${instance.awsProfile ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new ConnectClient({
        region: parsed.region,
        ...(instance.awsProfile ? { profile: instance.awsProfile } : {}),
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        // An agent is waiting for the call to ring: one retry, then a clear error in the console.
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
      });
      this.clients.set(key, client);
    }
    return { client, instanceId: parsed.instanceId };
  }

  /** The Amazon Connect user id of a username (`SearchUsers`, exact match), cached briefly. */
  private async userId(client: ConnectClient, instanceId: string, username: string): Promise<string | null> {
    const key = `${instanceId}|${username}`;
    const cached = this.users.get(key);
    if (cached && Date.now() - cached.at < (this.options.userCacheMs ?? 300_000)) return cached.id;
    const res = await client.send(
      new SearchUsersCommand({
        InstanceId: instanceId,
        MaxResults: 2,
        SearchCriteria: {
          StringCondition: { FieldName: 'Username', Value: username, ComparisonType: 'EXACT' },
        },
      }),
    );
    const id = res.Users?.find((u) => u.Username?.toLowerCase() === username.toLowerCase())?.Id ?? null;
    this.users.set(key, { id, at: Date.now() });
    return id;
  }
}

/** Preferred-agent routing: only this user, until the offer expires. */
function agentStep(userId: string): RoutingCriteriaInputStep {
  return {
    Expression: {
      AttributeCondition: {
        ComparisonOperator: 'Match',
        MatchCriteria: { AgentsCriteria: { AgentIds: [userId] } },
      },
    },
    Expiry: { DurationInSeconds: AGENT_OFFER_SECONDS },
  };
}

/** The criterion no agent meets, without expiry: the call waits until an agent takes it again. */
export function holdStep(): RoutingCriteriaInputStep {
  return {
    Expression: {
      AttributeCondition: {
        Name: HOLD_ATTRIBUTE.name,
        Value: HOLD_ATTRIBUTE.value,
        ProficiencyLevel: HOLD_ATTRIBUTE.proficiencyLevel,
        ComparisonOperator: 'NumberGreaterOrEqualTo',
      },
    },
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error';
}
