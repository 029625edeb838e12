import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { randomToken, sha256Hex } from '../../common/crypto/tokens';
import { badRequest, forbidden, notFound } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Clock } from '../../infrastructure/clock';
import { parseInstanceArn, type ConnectInstance } from '../../protocol/telephony/amazon-connect';
import { openingHoursProblems } from '../../protocol/telephony/opening-hours';
import type { TwilioAccount } from '../../protocol/telephony/twilio-rest';
import { twilioSpeechProblems } from '../../protocol/telephony/twilio-voice';
import { Organisation } from '../accounts/entities/organisation.entity';
import type { User } from '../accounts/entities/user.entity';
import { AuditService } from '../audit/audit.service';
import type { MunicipalitySettingsDto } from './dto/municipality-settings.dto';
import { MunicipalitySettings, type ExchangeProvider } from './entities/municipality-settings.entity';

export interface MunicipalitySettingsView extends Omit<
  MunicipalitySettings,
  | 'twilioAuthToken'
  | 'exchangeKeyHash'
  | 'exchangeKeyPreviousHash'
  | 'exchangeKeyRotatedAt'
  | 'amazonConnect'
  | 'organisation'
  | 'updatedAt'
> {
  amazonConnect: { instanceArn: string; region: string; awsProfile: string | null } | null;
  hasTwilioAuthToken: boolean;
  hasExchangeKey: boolean;
  /** Until when the key before the last rotation is still accepted; null when none is. */
  previousExchangeKeyValidUntil: string | null;
  updatedAt: string;
}

/** The key hashes the generic exchange API accepts now, and how long the previous one still counts. */
interface ExchangeKeys {
  current: string | null;
  previous: string | null;
  previousValidUntil: number;
}

const ORIGIN_CACHE_MS = 5_000;

/** Per-municipality Veilig bellen settings, managed by that municipality's admins or a platform admin. */
@Injectable()
export class MunicipalitySettingsService {
  private readonly originCache = new Map<string, { origins: string[]; at: number }>();
  private readonly keyCache = new Map<string, { keys: ExchangeKeys; at: number }>();
  private readonly providerCache = new Map<string, { provider: ExchangeProvider; at: number }>();

  constructor(
    @InjectRepository(MunicipalitySettings) private readonly settings: Repository<MunicipalitySettings>,
    @InjectRepository(Organisation) private readonly organisations: Repository<Organisation>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A municipality's settings, or null when Veilig bellen is not set up there. */
  find(organisationId: string): Promise<MunicipalitySettings | null> {
    return this.settings.findOneBy({ organisationId });
  }

  /** Settings as an admin sees them (secrets only as "set / not set"). */
  async view(admin: User, organisationId: string): Promise<MunicipalitySettingsView> {
    this.checkAdmin(admin, organisationId);
    const s = await this.find(organisationId);
    if (!s) throw notFound('This municipality has no Veilig bellen settings yet.');
    return this.toView(s);
  }

  /** Creates or replaces a municipality's settings; validates hours and purposes beyond the DTO. */
  async save(
    admin: User,
    organisationId: string,
    input: MunicipalitySettingsDto,
    ip: string,
  ): Promise<MunicipalitySettingsView> {
    this.checkAdmin(admin, organisationId);
    const org = await this.organisations.findOneBy({ id: organisationId });
    if (!org || org.kind !== 'municipality') throw notFound('No such municipality.');
    const problems = openingHoursProblems(input.openingHours ?? ({} as never)).map((message) => ({
      field: 'openingHours',
      message,
    }));
    if (new Set(input.purposes.map((p) => p.key)).size !== input.purposes.length)
      problems.push({ field: 'purposes', message: 'purpose keys must be unique' });
    if (input.agentDial.kind === 'sip' && !input.agentDial.uriTemplate)
      problems.push({ field: 'agentDial.uriTemplate', message: 'required for sip' });
    const exchangeProvider = input.exchangeProvider ?? 'twilio';
    if (exchangeProvider === 'amazon-connect' && !input.amazonConnect)
      problems.push({ field: 'amazonConnect', message: 'required for amazon-connect (the instance ARN)' });
    const speech = input.speech
      ? {
          voice: input.speech.voice,
          language: input.speech.language,
          texts: input.speech.texts ?? {},
          recordings: input.speech.recordings ?? {},
        }
      : null;
    if (speech)
      problems.push(...twilioSpeechProblems(speech).map((message) => ({ field: 'speech', message })));
    if (problems.length)
      throw badRequest('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
        errors: problems,
      });
    const existing = await this.find(organisationId);
    const values = {
      organisationId,
      phoneNumber: input.phoneNumber,
      purposes: input.purposes.map((p) => ({
        key: p.key,
        label: p.label,
        attributes: [...new Set(p.attributes)],
      })),
      linkTemplate: input.linkTemplate ?? null,
      openingHours: { timeZone: input.openingHours.timeZone, days: input.openingHours.days },
      allowedOrigins: [...new Set(input.allowedOrigins)],
      speech,
      exchangeProvider,
      amazonConnect: input.amazonConnect
        ? { instanceArn: input.amazonConnect.instanceArn, awsProfile: input.amazonConnect.awsProfile ?? null }
        : null,
      twilioAccountSid: input.twilioAccountSid ?? null,
      twilioAuthToken:
        input.twilioAuthToken ??
        (input.twilioAccountSid && input.twilioAccountSid === existing?.twilioAccountSid
          ? existing.twilioAuthToken
          : null),
      agentDial:
        input.agentDial.kind === 'sip'
          ? { kind: 'sip' as const, uriTemplate: input.agentDial.uriTemplate! }
          : { kind: 'client' as const },
    };
    if (existing) await this.settings.save(this.settings.merge(existing, values));
    else await this.settings.insert(this.settings.create(values));
    this.originCache.delete(organisationId);
    this.providerCache.delete(organisationId);
    await this.audit.record(
      { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip },
      {
        action: 'vb.settings.saved',
        outcome: 'success',
        objectType: 'organisation',
        objectId: organisationId,
        organisationId,
        details: { exchangeProvider },
      },
    );
    return this.toView((await this.find(organisationId))!);
  }

  /**
   * Issues a new key for the generic exchange API (shown once; only its hash is kept). The previous
   * key keeps working for VEILIG_BELLEN_EXCHANGE_KEY_GRACE_MINUTES, so an exchange that still holds it
   * (a Lambda's cached secret) does not drop the calls waiting while the new key is rolled out.
   */
  async rotateExchangeKey(
    admin: User,
    organisationId: string,
    ip: string,
  ): Promise<{ exchangeKey: string; previousKeyValidUntil: string | null }> {
    this.checkAdmin(admin, organisationId);
    const existing = await this.find(organisationId);
    if (!existing) throw notFound('This municipality has no Veilig bellen settings yet.');
    const key = randomToken();
    const now = this.clock.now();
    await this.settings.update(
      { organisationId },
      {
        exchangeKeyHash: sha256Hex(key),
        exchangeKeyPreviousHash: existing.exchangeKeyHash,
        exchangeKeyRotatedAt: now,
      },
    );
    this.keyCache.delete(organisationId);
    await this.audit.record(
      { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip },
      {
        action: 'vb.exchange-key.issued',
        outcome: 'success',
        objectType: 'organisation',
        objectId: organisationId,
        organisationId,
      },
    );
    const graceEnd = now.getTime() + this.config.veiligBellen.exchangeKeyGraceMs;
    return {
      exchangeKey: key,
      previousKeyValidUntil:
        existing.exchangeKeyHash && graceEnd > now.getTime() ? new Date(graceEnd).toISOString() : null,
    };
  }

  /** Stops accepting the previous exchange key before its grace period ends (e.g. it leaked). */
  async revokePreviousExchangeKey(admin: User, organisationId: string, ip: string): Promise<void> {
    this.checkAdmin(admin, organisationId);
    const res = await this.settings.update(
      { organisationId },
      { exchangeKeyPreviousHash: null, exchangeKeyRotatedAt: null },
    );
    if (!res.affected) throw notFound('This municipality has no Veilig bellen settings yet.');
    this.keyCache.delete(organisationId);
    await this.audit.record(
      { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip },
      {
        action: 'vb.exchange-key.previous-revoked',
        outcome: 'success',
        objectType: 'organisation',
        objectId: organisationId,
        organisationId,
      },
    );
  }

  /** Widget origins of a municipality (cached briefly: CORS preflights ask for every request). */
  async allowedOrigins(organisationId: string): Promise<string[]> {
    const cached = this.originCache.get(organisationId);
    if (cached && Date.now() - cached.at < ORIGIN_CACHE_MS) return cached.origins;
    const s = /^[0-9a-f-]{36}$/.test(organisationId)
      ? await this.settings.findOne({
          where: { organisationId },
          select: { organisationId: true, allowedOrigins: true },
        })
      : null;
    const origins = s?.allowedOrigins ?? [];
    this.originCache.set(organisationId, { origins, at: Date.now() });
    return origins;
  }

  /**
   * SHA-256 hashes of the exchange keys accepted now: the current one and, within its grace period,
   * the previous one. Cached briefly: the exchange asks for every call event.
   */
  async exchangeKeyHashes(organisationId: string): Promise<string[]> {
    let cached = this.keyCache.get(organisationId);
    if (!cached || Date.now() - cached.at >= ORIGIN_CACHE_MS) {
      const s = await this.settings.findOne({
        where: { organisationId },
        select: {
          organisationId: true,
          exchangeKeyHash: true,
          exchangeKeyPreviousHash: true,
          exchangeKeyRotatedAt: true,
        },
      });
      cached = {
        keys: s ? this.exchangeKeys(s) : { current: null, previous: null, previousValidUntil: 0 },
        at: Date.now(),
      };
      this.keyCache.set(organisationId, cached);
    }
    const { current, previous, previousValidUntil } = cached.keys;
    return [
      ...(current ? [current] : []),
      ...(previous && this.clock.now().getTime() < previousValidUntil ? [previous] : []),
    ];
  }

  /** Which exchange a municipality's line runs on (cached briefly: asked on every take and end). */
  async exchangeProvider(organisationId: string): Promise<ExchangeProvider> {
    const cached = this.providerCache.get(organisationId);
    if (cached && Date.now() - cached.at < ORIGIN_CACHE_MS) return cached.provider;
    const s = await this.settings.findOne({
      where: { organisationId },
      select: { organisationId: true, exchangeProvider: true },
    });
    const provider = s?.exchangeProvider ?? 'twilio';
    this.providerCache.set(organisationId, { provider, at: Date.now() });
    return provider;
  }

  /** The municipality's Amazon Connect instance (the adapter's `instance` callback). */
  async amazonConnectInstance(organisationId: string): Promise<ConnectInstance> {
    const s = await this.settings.findOne({
      where: { organisationId },
      select: { organisationId: true, amazonConnect: true },
    });
    if (!s?.amazonConnect) throw new Error('no Amazon Connect instance configured');
    return s.amazonConnect;
  }

  /** The Twilio account for REST calls and webhook signatures: the municipality's own, else the default. */
  async twilioAccount(organisationId: string): Promise<TwilioAccount> {
    const s = await this.settings.findOne({
      where: { organisationId },
      select: { organisationId: true, twilioAccountSid: true, twilioAuthToken: true },
    });
    if (s?.twilioAccountSid && s.twilioAuthToken)
      return { accountSid: s.twilioAccountSid, authToken: s.twilioAuthToken };
    const tw = this.config.veiligBellen.twilio;
    if (!tw.accountSid) throw new Error('no Twilio account configured');
    return { accountSid: tw.accountSid, authToken: tw.authToken };
  }

  private checkAdmin(admin: User, organisationId: string): void {
    if (!admin.roles.includes('platform-admin') && admin.organisationId !== organisationId)
      throw forbidden('You can only manage your own municipality.');
  }

  private exchangeKeys(s: MunicipalitySettings): ExchangeKeys {
    return {
      current: s.exchangeKeyHash,
      previous: s.exchangeKeyPreviousHash,
      previousValidUntil:
        (s.exchangeKeyRotatedAt?.getTime() ?? 0) + this.config.veiligBellen.exchangeKeyGraceMs,
    };
  }

  private toView(s: MunicipalitySettings): MunicipalitySettingsView {
    const keys = this.exchangeKeys(s);
    return toView(
      s,
      keys.previous && keys.previousValidUntil > this.clock.now().getTime() ? keys.previousValidUntil : null,
    );
  }
}

function toView(s: MunicipalitySettings, previousValidUntil: number | null): MunicipalitySettingsView {
  return {
    organisationId: s.organisationId,
    phoneNumber: s.phoneNumber,
    purposes: s.purposes,
    linkTemplate: s.linkTemplate,
    openingHours: s.openingHours,
    allowedOrigins: s.allowedOrigins,
    speech: s.speech,
    exchangeProvider: s.exchangeProvider,
    amazonConnect: s.amazonConnect
      ? {
          instanceArn: s.amazonConnect.instanceArn,
          region: parseInstanceArn(s.amazonConnect.instanceArn)?.region ?? '',
          awsProfile: s.amazonConnect.awsProfile,
        }
      : null,
    twilioAccountSid: s.twilioAccountSid,
    agentDial: s.agentDial,
    hasTwilioAuthToken: s.twilioAuthToken !== null,
    hasExchangeKey: s.exchangeKeyHash !== null,
    previousExchangeKeyValidUntil:
      previousValidUntil === null ? null : new Date(previousValidUntil).toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
