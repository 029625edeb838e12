import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { randomToken, sha256Hex } from '../../common/crypto/tokens';
import { badRequest, forbidden, notFound } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { openingHoursProblems } from '../../protocol/telephony/opening-hours';
import type { TwilioAccount } from '../../protocol/telephony/twilio-rest';
import { twilioSpeechProblems } from '../../protocol/telephony/twilio-voice';
import { Organisation } from '../accounts/entities/organisation.entity';
import type { User } from '../accounts/entities/user.entity';
import { AuditService } from '../audit/audit.service';
import type { MunicipalitySettingsDto } from './dto/municipality-settings.dto';
import { MunicipalitySettings } from './entities/municipality-settings.entity';

export interface MunicipalitySettingsView extends Omit<
  MunicipalitySettings,
  'twilioAuthToken' | 'exchangeKeyHash' | 'organisation' | 'updatedAt'
> {
  hasTwilioAuthToken: boolean;
  hasExchangeKey: boolean;
  updatedAt: string;
}

const ORIGIN_CACHE_MS = 5_000;

/** Per-municipality Veilig bellen settings, managed by that municipality's admins or a platform admin. */
@Injectable()
export class MunicipalitySettingsService {
  private readonly originCache = new Map<string, { origins: string[]; at: number }>();
  private readonly keyCache = new Map<string, { hash: string | null; at: number }>();

  constructor(
    @InjectRepository(MunicipalitySettings) private readonly settings: Repository<MunicipalitySettings>,
    @InjectRepository(Organisation) private readonly organisations: Repository<Organisation>,
    private readonly audit: AuditService,
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
    return toView(s);
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
      exchangeProvider: 'twilio' as const,
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
    await this.audit.record(
      { kind: 'user', userId: admin.id, organisationId: admin.organisationId, ip },
      {
        action: 'vb.settings.saved',
        outcome: 'success',
        objectType: 'organisation',
        objectId: organisationId,
        organisationId,
      },
    );
    return toView((await this.find(organisationId))!);
  }

  /** Issues a new key for the generic exchange API (shown once; only its hash is kept). */
  async rotateExchangeKey(admin: User, organisationId: string, ip: string): Promise<{ exchangeKey: string }> {
    this.checkAdmin(admin, organisationId);
    if (!(await this.find(organisationId)))
      throw notFound('This municipality has no Veilig bellen settings yet.');
    const key = randomToken();
    await this.settings.update({ organisationId }, { exchangeKeyHash: sha256Hex(key) });
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
    return { exchangeKey: key };
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

  /** SHA-256 of the municipality's exchange key, cached briefly: the exchange asks for every call. */
  async exchangeKeyHash(organisationId: string): Promise<string | null> {
    const cached = this.keyCache.get(organisationId);
    if (cached && Date.now() - cached.at < ORIGIN_CACHE_MS) return cached.hash;
    const s = await this.settings.findOne({
      where: { organisationId },
      select: { organisationId: true, exchangeKeyHash: true },
    });
    const hash = s?.exchangeKeyHash ?? null;
    this.keyCache.set(organisationId, { hash, at: Date.now() });
    return hash;
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
}

function toView(s: MunicipalitySettings): MunicipalitySettingsView {
  return {
    organisationId: s.organisationId,
    phoneNumber: s.phoneNumber,
    purposes: s.purposes,
    linkTemplate: s.linkTemplate,
    openingHours: s.openingHours,
    allowedOrigins: s.allowedOrigins,
    speech: s.speech,
    exchangeProvider: s.exchangeProvider,
    twilioAccountSid: s.twilioAccountSid,
    agentDial: s.agentDial,
    hasTwilioAuthToken: s.twilioAuthToken !== null,
    hasExchangeKey: s.exchangeKeyHash !== null,
    updatedAt: s.updatedAt.toISOString(),
  };
}
