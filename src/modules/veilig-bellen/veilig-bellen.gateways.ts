import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { IrmaRequestorClient, type RequestorAuth } from '../../protocol/irma/requestor-client';
import { IrmaServerSimulator } from '../../protocol/irma/simulator';
import type { SessionResult } from '../../protocol/irma/types';
import { AmazonConnectExchange } from '../../protocol/telephony/amazon-connect';
import type { PhoneExchange } from '../../protocol/telephony/exchange-port';
import { TwilioExchange } from '../../protocol/telephony/twilio-rest';
import { TwilioSimulator } from '../../protocol/telephony/twilio-simulator';
import { MunicipalitySettingsService } from './municipality-settings.service';

export function requestorAuth(config: AppConfig['veiligBellen']['irma']): RequestorAuth {
  return config.auth === 'hmac'
    ? { kind: 'hmac', requestor: config.requestor, key: new Uint8Array(Buffer.from(config.token, 'base64')) }
    : { kind: 'token', token: config.token };
}

/**
 * The in-process stand-ins for the IRMA server and Twilio, present only with DEMO_SIMULATORS and no
 * real server configured. Fields are writable so a multi-instance test can make two app instances
 * share one "Twilio" and one "IRMA server", as real ones would be shared.
 */
@Injectable()
export class VeiligBellenSimulators {
  irma: IrmaServerSimulator | null;
  twilio: TwilioSimulator | null;
  /** How the simulated IRMA server reaches a `callbackUrl` (tests route it through supertest). */
  postIrmaCallback: (url: string, result: SessionResult) => Promise<void>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.postIrmaCallback = async (url, result) => {
      await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(result),
      });
    };
    const vb = config.veiligBellen;
    // Like `irma server --sse` with `allow_unsigned_callbacks`, so every status-update mode works in the demo.
    this.irma =
      vb.irma.simulated && vb.irma.url
        ? new IrmaServerSimulator({
            publicUrl: vb.irma.url,
            requestor: requestorAuth(vb.irma),
            sse: true,
            postCallback: (url, result) => this.postIrmaCallback(url, result),
          })
        : null;
    this.twilio =
      vb.twilio.simulated && vb.twilio.accountSid
        ? new TwilioSimulator({ accountSid: vb.twilio.accountSid, authToken: vb.twilio.authToken })
        : null;
  }
}

/** The IRMA requestor client for the configured server (or the simulator). */
@Injectable()
export class IrmaGateway {
  readonly client: IrmaRequestorClient | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig, sims: VeiligBellenSimulators) {
    const irma = config.veiligBellen.irma;
    const url = irma.url;
    this.client = url
      ? new IrmaRequestorClient(
          url,
          requestorAuth(irma),
          irma.simulated ? (u, init) => sims.irma!.fetchFor(url)(u, init) : undefined,
        )
      : null;
  }
}

/** The phone exchange adapter for a municipality: the one its settings choose. */
@Injectable()
export class ExchangeGateway implements OnApplicationShutdown {
  private readonly twilio: TwilioExchange;
  private readonly amazonConnect: AmazonConnectExchange;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    sims: VeiligBellenSimulators,
    private readonly settings: MunicipalitySettingsService,
  ) {
    const tw = config.veiligBellen.twilio;
    this.twilio = new TwilioExchange(
      tw.apiUrl,
      (municipalityId) => settings.twilioAccount(municipalityId),
      (ctx) =>
        `${twilioBase(config, ctx.municipalityId)}/agent-dial?session=${encodeURIComponent(ctx.sessionId)}`,
      tw.simulated ? (u, init) => sims.twilio!.fetchFor(tw.apiUrl)(u, init) : undefined,
    );
    this.amazonConnect = new AmazonConnectExchange({
      instance: (municipalityId) => settings.amazonConnectInstance(municipalityId),
      endpoint: config.veiligBellen.connect.endpoint,
    });
  }

  async for(municipalityId: string): Promise<PhoneExchange> {
    const provider = await this.settings.exchangeProvider(municipalityId);
    return provider === 'amazon-connect' ? this.amazonConnect : this.twilio;
  }

  onApplicationShutdown(): void {
    this.amazonConnect.destroy();
  }
}

/** Public base URL of a municipality's Twilio webhooks (what Twilio requests and signs). */
export function twilioBase(config: AppConfig, municipalityId: string): string {
  return `${config.http.publicUrl}/api/veilig-bellen/exchange/twilio/${municipalityId}`;
}
