/**
 * A stand-in for a municipality's Amazon Connect instance, written from AWS's documentation, for the
 * tests: it runs the exported contact flows (deploy/amazon-connect/*.json) block by block, invokes the
 * Lambda function with the documented contact-flow event, queues and routes contacts by their routing
 * criteria, emits the documented contact events through the EventBridge rule to the same Lambda, and
 * serves the Amazon Connect API calls Veilig makes (UpdateContactRoutingData, StopContact,
 * SearchUsers) and Secrets Manager's GetSecretValue for the Lambda, each request's Signature Version 4
 * checked. Veilig's real AWS SDK v3 clients talk to it over HTTP.
 *
 * The facts it follows: docs/protocols/amazon-connect.md §C1–§C7 (the Lambda invocation, the flow
 * blocks, routing criteria, the API calls, contact events and the EventBridge rule, Secrets Manager
 * and Signature Version 4); each behaviour below names its section.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { canonicalQuery, encodeSegment, signatureOf } from '../../src/infrastructure/s3-signature';

type Json = Record<string, unknown>;

interface FlowAction {
  Identifier: string;
  Type: string;
  Parameters?: Json;
  Transitions: {
    NextAction?: string;
    Conditions?: { NextAction: string; Condition: { Operator: string; Operands: string[] } }[];
    Errors?: { NextAction: string; ErrorType: string }[];
  };
}

interface Flow {
  Version: string;
  StartAction: string;
  Actions: FlowAction[];
}

interface RoutingStep {
  Expression: Json;
  Expiry?: { DurationInSeconds: number };
  status: 'ACTIVE' | 'INACTIVE' | 'EXPIRED' | 'JOINED';
}

export interface SimUser {
  username: string;
  id: string;
  /** Queues in the user's routing profile. */
  queues: string[];
  status: 'Available' | 'Missed' | 'Busy';
}

export interface SimContact {
  id: string;
  from: string;
  to: string;
  /** `flow` running a block, `gathering` in Store customer input, `queued`, `offered` to an agent. */
  state: 'flow' | 'gathering' | 'queued' | 'offered' | 'connected' | 'ended';
  /** Prompts played (`say:<text>`), and `hangup`. */
  log: string[];
  attributes: Record<string, string>;
  tags: Record<string, string>;
  queueArn: string | null;
  routing: { steps: RoutingStep[]; index: number } | null;
  offeredTo: string | null;
  agentId: string | null;
  voice: string | null;
  flowLogging: boolean;
  /** The flow block to resume, and in which flow. */
  resume: { flow: Flow; action: string } | null;
  storedInput: string;
  external: Record<string, string>;
}

export interface ConnectSimulatorOptions {
  /** The function the flows' Invoke AWS Lambda function blocks and the EventBridge rule both call. */
  lambda: (event: unknown) => Promise<unknown>;
  users: { username: string }[];
  secrets?: Record<string, string>;
}

const DEPLOY = join(__dirname, '..', '..', 'deploy', 'amazon-connect');
// EventBridge invokes a Lambda target asynchronously: on an error Lambda tries twice more.
const ASYNC_RETRIES = 2;
const MAX_SKEW_MS = 15 * 60_000;

export class AmazonConnectSimulator {
  readonly region = 'eu-central-1';
  readonly account = '123456789012';
  readonly instanceId = randomUUID();
  readonly instanceArn: string;
  readonly queueArn: string;
  readonly lambdaArn: string;
  readonly queueFlowArn: string;
  readonly credentials = {
    accessKeyId: 'AKIAVEILIGCONNECT',
    secretAccessKey: 'connect-simulator-secret-key',
  };
  readonly users: SimUser[];
  readonly contacts = new Map<string, SimContact>();
  readonly secrets: Map<string, string>;
  /** Every Amazon Connect / Secrets Manager request, as the operation and its answer's status. */
  readonly apiCalls: { operation: string; input: Json; status: number }[] = [];
  /** Contact events emitted, and the ones the rule passed on to the Lambda. */
  readonly events: { detail: Json; delivered: boolean }[] = [];
  /** Lambda invocations from the flows and their answers. */
  readonly invocations: { parameters: Record<string, string>; answer: unknown }[] = [];
  hoursOpen = true;
  endpoint = '';
  private readonly inbound: Flow;
  private readonly customerQueue: Flow;
  private readonly rule: Json;
  private readonly pending = new Set<Promise<void>>();
  private server: Server | null = null;

  constructor(private readonly options: ConnectSimulatorOptions) {
    this.instanceArn = `arn:aws:connect:${this.region}:${this.account}:instance/${this.instanceId}`;
    this.queueArn = `${this.instanceArn}/queue/${randomUUID()}`;
    this.queueFlowArn = `${this.instanceArn}/contact-flow/${randomUUID()}`;
    this.lambdaArn = `arn:aws:lambda:${this.region}:${this.account}:function:veilig-bellen`;
    const load = (file: string) =>
      JSON.parse(
        readFileSync(join(DEPLOY, file), 'utf8')
          .replaceAll('${VEILIG_LAMBDA_ARN}', this.lambdaArn)
          .replaceAll('${VEILIG_QUEUE_ARN}', this.queueArn)
          .replaceAll('${VEILIG_QUEUE_FLOW_ARN}', this.queueFlowArn),
      ) as Flow;
    this.inbound = load('veilig-bellen-inbound.json');
    this.customerQueue = load('veilig-bellen-wachtrij.json');
    this.rule = JSON.parse(readFileSync(join(DEPLOY, 'eventbridge-rule.json'), 'utf8')) as Json;
    this.users = options.users.map((u) => ({
      username: u.username,
      id: randomUUID(),
      queues: [this.queueArn],
      status: 'Available',
    }));
    this.secrets = new Map(Object.entries(options.secrets ?? {}));
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.serve(req, res).catch((e: unknown) =>
        awsError(res, 500, 'InternalServiceException', String(e)),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await this.settled();
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  /** Waits until every contact event delivery to the Lambda has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  user(username: string): SimUser {
    return this.users.find((u) => u.username === username)!;
  }

  // ---- The caller's side ----

  /** An inbound call to the instance's number: the inbound flow runs until it waits for input. */
  async placeCall(call: { from: string; to: string }): Promise<SimContact> {
    const contact: SimContact = {
      id: randomUUID(),
      from: call.from,
      to: call.to,
      state: 'flow',
      log: [],
      attributes: {},
      tags: {},
      queueArn: null,
      routing: null,
      offeredTo: null,
      agentId: null,
      voice: null,
      flowLogging: true,
      resume: null,
      storedInput: '',
      external: {},
    };
    this.contacts.set(contact.id, contact);
    this.emit(contact, 'INITIATED');
    await this.run(contact, this.inbound, this.inbound.StartAction);
    return contact;
  }

  /** The caller types digits at a Store customer input block (the Yivi app sends them after the pause). */
  async press(contactId: string, digits: string): Promise<void> {
    await this.answerInput(contactId, digits);
  }

  /** The caller types nothing until the block's `InputTimeLimitSeconds` runs out. */
  async silence(contactId: string): Promise<void> {
    await this.answerInput(contactId, null);
  }

  /** The hold prompt (with its SSML break) has played: the customer queue flow goes on. */
  async holdPromptEnds(contactId: string): Promise<void> {
    const contact = this.contacts.get(contactId)!;
    if (contact.state !== 'queued' || !contact.resume) return;
    const { flow, action } = contact.resume;
    contact.resume = null;
    await this.run(contact, flow, action);
  }

  /** The caller hangs up, wherever the call is. */
  async customerHangsUp(contactId: string): Promise<void> {
    this.disconnect(this.contacts.get(contactId)!);
    await this.settled();
  }

  // ---- The agent's softphone (Contact Control Panel) ----

  /** The agent the contact is offered to accepts it in the CCP: CONNECTED_TO_AGENT. */
  async agentAccepts(contactId: string): Promise<void> {
    const contact = this.contacts.get(contactId)!;
    if (contact.state !== 'offered') throw new Error(`contact is ${contact.state}, not offered`);
    contact.state = 'connected';
    contact.agentId = contact.offeredTo;
    contact.resume = null;
    if (contact.routing) contact.routing.steps[contact.routing.index].status = 'JOINED';
    this.emit(contact, 'CONNECTED_TO_AGENT');
    await this.settled();
  }

  /**
   * The offered agent does not accept: the agent goes to Missed and, once the step's expiry has
   * passed, the step is EXPIRED and the next one ACTIVE (CONTACT_DATA_UPDATED,
   * `updatedProperties: ["RoutingCriteria.Step.Status"]`, docs/protocols/amazon-connect.md §C6).
   */
  async offerExpires(contactId: string): Promise<void> {
    const contact = this.contacts.get(contactId)!;
    if (contact.offeredTo) this.users.find((u) => u.id === contact.offeredTo)!.status = 'Missed';
    contact.offeredTo = null;
    contact.state = 'queued';
    const routing = contact.routing!;
    if (!routing.steps[routing.index].Expiry) throw new Error('the active step has no expiry');
    routing.steps[routing.index].status = 'EXPIRED';
    routing.index++;
    if (routing.steps[routing.index]) routing.steps[routing.index].status = 'ACTIVE';
    this.emit(contact, 'CONTACT_DATA_UPDATED', { updatedProperties: ['RoutingCriteria.Step.Status'] });
    this.route(contact);
    await this.settled();
  }

  /** The agent hangs up in the CCP. */
  async agentHangsUp(contactId: string): Promise<void> {
    this.disconnect(this.contacts.get(contactId)!);
    await this.settled();
  }

  // ---- The contact flow interpreter ----

  private async run(contact: SimContact, flow: Flow, start: string): Promise<void> {
    let id: string | undefined = start;
    for (let steps = 0; id && contact.state !== 'ended'; steps++) {
      if (steps > 200) throw new Error('the flow does not end');
      const action = flow.Actions.find((a) => a.Identifier === id);
      if (!action) throw new Error(`flow ${flow.StartAction}: no action ${id}`);
      const outcome = await this.perform(contact, flow, action);
      if (outcome === 'pause') return;
      id = next(action, outcome);
    }
  }

  /** One block; returns its branch (`''`: NextAction, a condition's operand, or an error type). */
  private async perform(
    contact: SimContact,
    flow: Flow,
    action: FlowAction,
  ): Promise<{ condition?: string; error?: string } | 'pause'> {
    const p = action.Parameters ?? {};
    switch (action.Type) {
      case 'UpdateFlowLoggingBehavior':
        contact.flowLogging = p.FlowLoggingBehavior === 'Enabled';
        return {};
      case 'UpdateContactTextToSpeechVoice':
        contact.voice = String(p.TextToSpeechVoice);
        return {};
      case 'TagContact':
        Object.assign(contact.tags, p.Tags as Record<string, string>);
        return {};
      case 'UpdateContactTargetQueue':
        if (p.QueueId !== this.queueArn) return { error: 'NoMatchingError' };
        contact.queueArn = this.queueArn;
        return {};
      case 'CheckHoursOfOperation':
        // "Checks the hours of operation of the working queue"; without one it takes the error branch.
        if (!contact.queueArn) return { error: 'NoMatchingError' };
        return { condition: this.hoursOpen ? 'True' : 'False' };
      case 'MessageParticipant': {
        const ssml = typeof p.SSML === 'string' ? p.SSML : '';
        const text = (typeof p.Text === 'string' ? p.Text : ssml).replace(/<[^>]+>/g, '');
        contact.log.push(`say:${text}`);
        // An SSML break is silence: in the customer queue flow the test decides when it has passed.
        if (flow === this.customerQueue && /<break /.test(ssml)) {
          contact.resume = { flow, action: next(action, {})! };
          return 'pause';
        }
        return {};
      }
      case 'GetParticipantInput':
        contact.log.push(`say:${String(p.Text)}`, 'gather');
        contact.state = 'gathering';
        contact.resume = { flow, action: action.Identifier };
        return 'pause';
      case 'InvokeLambdaFunction':
        return this.invoke(contact, p);
      case 'Compare': {
        const value = this.resolve(contact, String(p.ComparisonValue));
        const match = action.Transitions.Conditions?.find(
          (c) => c.Condition.Operator === 'Equals' && c.Condition.Operands.includes(value),
        );
        return match ? { condition: value } : { error: 'NoMatchingCondition' };
      }
      case 'UpdateContactAttributes':
        for (const [k, v] of Object.entries(p.Attributes as Record<string, string>))
          contact.attributes[k] = this.resolve(contact, v);
        return {};
      case 'UpdateContactEventHooks':
        if ((p.EventHooks as Json).CustomerQueue !== this.queueFlowArn) return { error: 'NoMatchingError' };
        return {};
      case 'UpdateRoutingCriteria':
        contact.routing = activate((p.RoutingCriteria as { Steps: RoutingStep[] }).Steps);
        return {};
      case 'TransferContactToQueue':
        if (!contact.queueArn) return { error: 'NoMatchingError' };
        contact.state = 'queued';
        this.emit(contact, 'QUEUED');
        // The customer queue flow set by Set customer queue flow runs while the contact waits.
        await this.run(contact, this.customerQueue, this.customerQueue.StartAction);
        this.route(contact);
        return 'pause';
      case 'DisconnectParticipant':
        contact.log.push('hangup');
        this.disconnect(contact);
        return 'pause';
      default:
        throw new Error(`the simulator does not know the flow block ${action.Type}`);
    }
  }

  private async answerInput(contactId: string, digits: string | null): Promise<void> {
    const contact = this.contacts.get(contactId)!;
    if (contact.state !== 'gathering' || !contact.resume) throw new Error(`contact is ${contact.state}`);
    const { flow, action: id } = contact.resume;
    const action = flow.Actions.find((a) => a.Identifier === id)!;
    contact.resume = null;
    contact.state = 'flow';
    const max = Number(
      ((action.Parameters?.InputValidation as Json | undefined)?.CustomValidation as Json | undefined)
        ?.MaximumLength ?? 20,
    );
    let branch: { error?: string };
    if (digits === null) {
      // No input within InputTimeLimitSeconds: the Timeout branch.
      contact.storedInput = '';
      branch = { error: 'InputTimeLimitExceeded' };
    } else {
      // Store customer input keeps at most MaximumLength digits.
      contact.storedInput = digits.slice(0, max);
      branch = {};
    }
    await this.run(contact, flow, next(action, branch)!);
  }

  /**
   * Invoke AWS Lambda function (docs/protocols/amazon-connect.md §C1): the documented event (`Details.ContactData`, `Details.Parameters`,
   * `Name: ContactFlowEvent`); the answer must be a flat map of strings under 32 KB (STRING_MAP
   * validation), else the Error branch. A function error is retried up to 3 times, then the Error branch.
   */
  private async invoke(contact: SimContact, p: Json): Promise<{ error?: string }> {
    if (p.LambdaFunctionARN !== this.lambdaArn) return { error: 'NoMatchingError' };
    const parameters: Record<string, string> = {};
    for (const [k, v] of Object.entries((p.LambdaInvocationAttributes as Record<string, string>) ?? {}))
      parameters[k] = this.resolve(contact, v);
    const event = {
      Details: {
        ContactData: {
          Attributes: { ...contact.attributes },
          Channel: 'VOICE',
          ContactId: contact.id,
          CustomerEndpoint: { Address: contact.from, Type: 'TELEPHONE_NUMBER' },
          InitialContactId: contact.id,
          InitiationMethod: 'INBOUND',
          InstanceARN: this.instanceArn,
          PreviousContactId: contact.id,
          Queue: contact.queueArn ? { ARN: contact.queueArn, Name: 'Veilig bellen' } : null,
          SystemEndpoint: { Address: contact.to, Type: 'TELEPHONE_NUMBER' },
        },
        Parameters: parameters,
      },
      Name: 'ContactFlowEvent',
    };
    let answer: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        answer = await this.options.lambda(structuredClone(event));
        break;
      } catch {
        if (attempt === 3) return { error: 'NoMatchingError' };
      }
    }
    this.invocations.push({ parameters, answer });
    const flat =
      typeof answer === 'object' &&
      answer !== null &&
      Object.values(answer).every((v) => typeof v === 'string') &&
      Buffer.byteLength(JSON.stringify(answer)) < 32 * 1024;
    if (!flat) return { error: 'NoMatchingError' };
    contact.external = answer as Record<string, string>;
    return {};
  }

  /** `$.StoredCustomerInput`, `$.External.x`, `$.Attributes.x`, `$.CustomerEndpoint.Address`; else literal. */
  private resolve(contact: SimContact, value: string): string {
    if (value === '$.StoredCustomerInput') return contact.storedInput;
    if (value === '$.CustomerEndpoint.Address') return contact.from;
    const m = /^\$\.(External|Attributes)\.(.+)$/.exec(value);
    if (!m) return value;
    return (m[1] === 'External' ? contact.external : contact.attributes)[m[2]] ?? '';
  }

  // ---- Routing and contact events ----

  /**
   * Offers a queued contact to an agent who meets its active routing step, is Available and has the
   * contact's queue in the routing profile (docs/protocols/amazon-connect.md §C3). A proficiency condition matches only agents
   * with that proficiency, which no simulated agent has.
   */
  private route(contact: SimContact): void {
    if (contact.state !== 'queued' || !contact.routing) return;
    const step = contact.routing.steps[contact.routing.index];
    if (!step) return;
    const condition = step.Expression.AttributeCondition as Json | undefined;
    const wanted = ((condition?.MatchCriteria as Json | undefined)?.AgentsCriteria as Json | undefined)
      ?.AgentIds as string[] | undefined;
    if (!wanted || condition?.ComparisonOperator !== 'Match') return;
    const agent = this.users.find(
      (u) => wanted.includes(u.id) && u.status === 'Available' && u.queues.includes(contact.queueArn!),
    );
    if (!agent) return;
    contact.state = 'offered';
    contact.offeredTo = agent.id;
  }

  private disconnect(contact: SimContact): void {
    if (contact.state === 'ended') return;
    contact.state = 'ended';
    contact.resume = null;
    this.emit(contact, 'DISCONNECTED', { disconnectTimestamp: new Date().toISOString() });
    // COMPLETED follows DISCONNECTED right away for a contact without after-contact work.
    this.emit(contact, 'COMPLETED');
  }

  /**
   * A contact event as EventBridge delivers it (docs/protocols/amazon-connect.md §C6), passed to the
   * Lambda only when the rule's event pattern matches it.
   */
  private emit(contact: SimContact, eventType: string, extra: Json = {}): void {
    const agent = this.users.find((u) => u.id === contact.agentId);
    const detail: Json = {
      eventType,
      contactId: contact.id,
      initialContactId: contact.id,
      channel: 'VOICE',
      instanceArn: this.instanceArn,
      initiationMethod: 'INBOUND',
      initiationTimestamp: new Date().toISOString(),
      ...(contact.queueArn && contact.state !== 'flow' && contact.state !== 'gathering'
        ? { queueInfo: { queueArn: contact.queueArn, queueType: 'STANDARD' } }
        : {}),
      ...(agent
        ? {
            agentInfo: {
              agentArn: `${this.instanceArn}/agent/${agent.id}`,
              connectedToAgentTimestamp: new Date().toISOString(),
            },
          }
        : {}),
      tags: {
        'aws:connect:instanceId': this.instanceId,
        'aws:connect:systemEndpoint': contact.to,
        ...contact.tags,
      },
      ...(contact.routing
        ? {
            routingCriteria: {
              steps: contact.routing.steps.map((s) => ({
                expression: lowerKeys(s.Expression),
                ...(s.Expiry ? { expiry: { durationInSeconds: s.Expiry.DurationInSeconds } } : {}),
                status: s.status,
              })),
              index: contact.routing.index,
            },
          }
        : {}),
      ...extra,
    };
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Amazon Connect Contact Event',
      source: 'aws.connect',
      account: this.account,
      time: new Date().toISOString(),
      region: this.region,
      resources: [`${this.instanceArn}/contact/${contact.id}`, this.instanceArn],
      detail,
    };
    const delivered = matches(this.rule, envelope);
    this.events.push({ detail, delivered });
    if (!delivered) return;
    const delivery = (async () => {
      for (let attempt = 0; attempt <= ASYNC_RETRIES; attempt++) {
        try {
          await this.options.lambda(structuredClone(envelope));
          return;
        } catch {
          // Lambda's asynchronous invocation retries.
        }
      }
    })();
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  // ---- The AWS APIs ----

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, `http://${req.headers.host}`);
    const target = req.headers['x-amz-target'];
    const service = typeof target === 'string' ? 'secretsmanager' : 'connect';
    const refusal = this.checkSignature(req, url, body, service);
    const input = body.length ? (JSON.parse(body.toString('utf8')) as Json) : {};
    const answer = (status: number, json: Json, errorType?: string) => {
      this.apiCalls.push({ operation: operationOf(target, url.pathname), input, status });
      if (errorType) return awsError(res, status, errorType, String(json.Message), service);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    };
    if (refusal) return answer(403, { Message: refusal }, 'InvalidSignatureException');
    if (service === 'secretsmanager') {
      // awsJson1_1: POST / with X-Amz-Target secretsmanager.GetSecretValue.
      if (target !== 'secretsmanager.GetSecretValue')
        return answer(400, { Message: 'unknown operation' }, 'InvalidRequestException');
      const secretId = String(input.SecretId);
      const value = this.secrets.get(secretId);
      if (value === undefined)
        return answer(
          400,
          { Message: "Secrets Manager can't find the specified secret." },
          'ResourceNotFoundException',
        );
      return answer(200, {
        ARN: secretId,
        Name: secretId.split(':').pop(),
        VersionId: randomUUID(),
        SecretString: value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    }
    const routing = /^\/contacts\/([^/]+)\/([^/]+)\/routing-data$/.exec(url.pathname);
    if (req.method === 'POST' && routing) {
      const [, instanceId, contactId] = routing.map(decodeURIComponent);
      const contact = this.contacts.get(contactId);
      if (instanceId !== this.instanceId || !contact || contact.state === 'ended')
        return answer(404, { Message: 'Contact not found' }, 'ResourceNotFoundException');
      // "Either QueuePriority or QueueTimeAdjustmentInSeconds should be provided ..., but not both."
      if (input.QueuePriority !== undefined && input.QueueTimeAdjustmentSeconds !== undefined)
        return answer(
          400,
          { Message: 'QueuePriority and QueueTimeAdjustmentSeconds' },
          'InvalidParameterException',
        );
      // "In order to route, the contact must still first be placed into a queue."
      if (contact.state !== 'queued' && contact.state !== 'offered')
        return answer(400, { Message: 'The contact is not in a queue' }, 'InvalidRequestException');
      const steps = (input.RoutingCriteria as { Steps?: RoutingStep[] } | undefined)?.Steps;
      if (steps) {
        contact.routing = activate(steps);
        if (contact.state === 'offered') contact.offeredTo = null;
        contact.state = 'queued';
        this.emit(contact, 'CONTACT_DATA_UPDATED', { updatedProperties: ['RoutingCriteria'] });
        this.route(contact);
      }
      return answer(200, {});
    }
    if (req.method === 'POST' && url.pathname === '/contact/stop') {
      const contact = this.contacts.get(String(input.ContactId));
      if (input.InstanceId !== this.instanceId || !contact || contact.state === 'ended')
        return answer(
          410,
          { Message: 'The contact with the specified ID is not active or does not exist.' },
          'ContactNotFoundException',
        );
      contact.log.push('stopped');
      this.disconnect(contact);
      return answer(200, {});
    }
    if (req.method === 'POST' && url.pathname === '/search-users') {
      if (input.InstanceId !== this.instanceId)
        return answer(404, { Message: 'Instance not found' }, 'ResourceNotFoundException');
      const condition = (input.SearchCriteria as Json | undefined)?.StringCondition as Json | undefined;
      // "The currently supported values for FieldName are Username, FirstName, LastName, ..."
      if (condition?.FieldName !== 'Username' || condition.ComparisonType !== 'EXACT')
        return answer(400, { Message: 'unsupported search' }, 'InvalidParameterException');
      const found = this.users.filter((u) => u.username === condition.Value);
      return answer(200, {
        Users: found.map((u) => ({
          Id: u.id,
          Arn: `${this.instanceArn}/agent/${u.id}`,
          Username: u.username,
        })),
        ApproximateTotalCount: found.length,
      });
    }
    return answer(404, { Message: `no route ${req.method} ${url.pathname}` }, 'ResourceNotFoundException');
  }

  /**
   * Signature Version 4 (docs/protocols/amazon-connect.md §C7): the canonical request from the method, the path (each
   * segment URI-encoded twice for services other than S3), the query, the signed headers and the
   * payload's SHA-256; credential scope date/region/service/aws4_request; X-Amz-Date within 15 minutes.
   */
  private checkSignature(req: IncomingMessage, url: URL, body: Buffer, service: string): string | null {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? '',
      );
    if (!m) return 'missing or malformed Authorization';
    const [, keyId, day, region, scopeService, signedHeaders, signature] = m;
    if (keyId !== this.credentials.accessKeyId) return 'unknown access key';
    if (region !== this.region || scopeService !== service) return 'wrong credential scope';
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const at = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (!amzDate.startsWith(day) || !(Math.abs(Date.now() - at) < MAX_SKEW_MS))
      return 'request time too skewed';
    const names = signedHeaders.split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
    const canonicalRequest = [
      req.method,
      url.pathname
        .split('/')
        .map((segment) => encodeSegment(segment))
        .join('/'),
      canonicalQuery(url.searchParams),
      ...names.map(
        (n) =>
          `${n}:${String(req.headers[n] ?? '')
            .trim()
            .replace(/\s+/g, ' ')}`,
      ),
      '',
      signedHeaders,
      createHash('sha256').update(body).digest('hex'),
    ].join('\n');
    const expected = signatureOf({ ...this.credentials, region }, amzDate, canonicalRequest, service);
    return timingSafeEqual(Buffer.from(expected), Buffer.from(signature)) ? null : 'signature does not match';
  }
}

function next(action: FlowAction, outcome: { condition?: string; error?: string }): string | undefined {
  const t = action.Transitions;
  if (outcome.error) {
    const branch = t.Errors?.find((e) => e.ErrorType === outcome.error);
    if (!branch) throw new Error(`${action.Identifier}: no ${outcome.error} branch`);
    return branch.NextAction;
  }
  if (outcome.condition !== undefined) {
    const branch = t.Conditions?.find((c) => c.Condition.Operands.includes(outcome.condition!));
    if (branch) return branch.NextAction;
  }
  return t.NextAction;
}

/** A new routing criteria: the first step ACTIVE, the others INACTIVE. */
function activate(steps: RoutingStep[]): { steps: RoutingStep[]; index: number } {
  return {
    steps: steps.map((s, i) => ({
      Expression: s.Expression,
      Expiry: s.Expiry,
      status: i === 0 ? 'ACTIVE' : 'INACTIVE',
    })),
    index: 0,
  };
}

/**
 * EventBridge content filtering (docs/protocols/amazon-connect.md §C6): every field of the pattern must be in the event; an array lists the
 * values allowed, an object matches the nested object.
 */
export function matches(pattern: Json, event: Json): boolean {
  return Object.entries(pattern).every(([key, want]) => {
    const have = event[key];
    if (Array.isArray(want)) return want.includes(have);
    return typeof have === 'object' && have !== null && matches(want as Json, have as Json);
  });
}

function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), lowerKeys(v)]),
  );
}

function operationOf(target: string | string[] | undefined, path: string): string {
  if (typeof target === 'string') return target.split('.').pop()!;
  if (path.endsWith('/routing-data')) return 'UpdateContactRoutingData';
  if (path === '/contact/stop') return 'StopContact';
  if (path === '/search-users') return 'SearchUsers';
  return path;
}

/** The error shape of restJson1 (`x-amzn-ErrorType`) and awsJson1_1 (`__type`). */
function awsError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  service = 'connect',
): void {
  const body = service === 'secretsmanager' ? { __type: type, Message: message } : { Message: message };
  res
    .writeHead(status, {
      'Content-Type': service === 'secretsmanager' ? 'application/x-amz-json-1.1' : 'application/json',
      'x-amzn-ErrorType': type,
    })
    .end(JSON.stringify(body));
}
