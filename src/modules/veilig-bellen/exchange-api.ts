import { Inject, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { safeEqual, sha256Hex } from '../../common/crypto/tokens';
import { notFound, ProblemException, unauthorized } from '../../common/http/problem';
import { validationProblem, type FieldError } from '../../common/http/validation';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { CallEventDto, DTMF_LOOKUP_RULES, type DtmfLookupDto } from './dto/widget.dto';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { VeiligBellenService } from './veilig-bellen.service';

const PATH = /^\/api\/veilig-bellen\/exchange\/v1\/([0-9a-f-]{36})\/(lookup|events)$/;
const MAX_BODY = 10 * 1024;

/**
 * The provider-neutral exchange interface ("DTMF code in, session out"), shared by the Nest route on
 * the public port and the lean listener on VEILIG_BELLEN_EXCHANGE_PORT. A caller is waiting on the
 * line for every lookup, so the internal listener skips the portal's HTTP stack (sessions, CSRF,
 * static files) and does only authentication, validation and the lookup.
 */
@Injectable()
export class ExchangeApi {
  constructor(
    private readonly service: VeiligBellenService,
    private readonly settings: MunicipalitySettingsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Checks `Authorization: Bearer <exchange key>` against the municipality's key hashes (constant
   * time): the current key, or the previous one during its grace period after a rotation.
   */
  async authenticate(municipalityId: string, authorization: string | undefined): Promise<void> {
    const key = /^Bearer (\S{20,200})$/.exec(authorization ?? '')?.[1];
    const accepted = await this.settings.exchangeKeyHashes(municipalityId);
    const presented = key ? sha256Hex(key) : '';
    // Every accepted hash is compared, so the time taken does not tell which one matched.
    const matches = accepted.map((hash) => safeEqual(presented, hash));
    if (!key || !matches.includes(true)) {
      await this.audit.record(
        { kind: 'exchange' },
        {
          action: 'vb.exchange.refused',
          outcome: 'denied',
          organisationId: accepted.length ? municipalityId : null,
          details: { reason: 'bad-key' },
        },
      );
      throw unauthorized('A valid exchange key is required.', 'exchange-unauthorized');
    }
  }

  /** Redeems a DTMF code: the session id once; wrong codes count against the caller (429 past the limit). */
  async lookup(municipalityId: string, body: DtmfLookupDto): Promise<{ sessionId: string }> {
    const outcome = await this.service.redeem(municipalityId, body.dtmf, {
      callRef: body.callRef,
      callerKey: this.service.callerKey(body.caller),
    });
    if (outcome.ok) return { sessionId: outcome.sessionId };
    if (outcome.reason === 'rate-limited')
      throw new ProblemException(
        429,
        'rate-limited',
        'Too many requests',
        'Too many wrong codes from this caller.',
      );
    throw new ProblemException(404, 'unknown-code', 'Not found', 'Unknown, used or expired code.');
  }

  /**
   * Call events from the exchange: queued (with its queue), ringing, connected, missed (back in the
   * queue), ended (deletes the caller's data). A `queued` or `missed` for a call that is no longer
   * ours answers 404 (`call-ended`): the exchange should let the caller go.
   */
  async event(municipalityId: string, body: CallEventDto): Promise<void> {
    const { callRef } = body;
    let live = true;
    switch (body.event) {
      case 'queued':
        live = await this.service.callQueued(municipalityId, { callRef, queueRef: body.queueRef ?? null });
        break;
      case 'ringing':
        await this.service.agentRinging(municipalityId, callRef);
        break;
      case 'connected':
        await this.service.callConnected(municipalityId, callRef);
        break;
      case 'missed':
        live = await this.service.agentMissed(municipalityId, callRef);
        break;
      case 'ended':
        await this.service.callEnded(municipalityId, callRef);
    }
    if (!live) throw new ProblemException(404, 'call-ended', 'Not found', 'This call has ended or expired.');
  }

  /** The internal port's request handler: JSON in, JSON or problem+json out; nothing else is served. */
  listener(): RequestListener {
    return (req, res) => {
      void this.serve(req, res).catch((err: unknown) => {
        const problem =
          err instanceof ProblemException
            ? err
            : new ProblemException(500, 'internal', 'Internal server error');
        send(res, problem.getStatus(), problem.toProblem(), 'application/problem+json');
      });
    };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = PATH.exec((req.url ?? '').split('?')[0]);
    if (!m || req.method !== 'POST') throw notFound();
    const [, municipalityId, action] = m;
    await this.authenticate(municipalityId, req.headers.authorization);
    const raw = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new ProblemException(400, 'malformed-json', 'Bad request', 'The body is not valid JSON.');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new ProblemException(400, 'malformed-json', 'Bad request', 'Send a JSON object.');
    const plain = json as Record<string, unknown>;
    if (action === 'lookup') {
      send(res, 200, await this.lookup(municipalityId, checkLookup(plain)));
      return;
    }
    const dto = plainToInstance(CallEventDto, plain);
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length)
      throw validationProblem(
        errors.flatMap((e) =>
          Object.values(e.constraints ?? {}).map((message) => ({ field: e.property, message })),
        ),
      );
    await this.event(municipalityId, dto);
    res.writeHead(204).end();
  }
}

/** The lookup body by DTMF_LOOKUP_RULES, as the DTO would check it (whitelist, no extra fields), without class-validator's per-call metadata walk. */
function checkLookup(plain: Record<string, unknown>): DtmfLookupDto {
  const rules: Record<string, { pattern: RegExp; message: string }> = DTMF_LOOKUP_RULES;
  const errors: FieldError[] = [];
  for (const field of Object.keys(plain))
    if (!(field in rules)) errors.push({ field, message: `property ${field} should not exist` });
  for (const [field, rule] of Object.entries(rules)) {
    const value = plain[field];
    if (typeof value !== 'string' || !rule.pattern.test(value)) errors.push({ field, message: rule.message });
  }
  if (errors.length) throw validationProblem(errors);
  return plain as unknown as DtmfLookupDto;
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'Content-Type': `${type}; charset=utf-8`,
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
    })
    .end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ProblemException(413, 'too-large', 'Payload too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
