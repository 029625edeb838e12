import {
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { createServer, type Server } from 'node:http';
import { EnvelopeCipher, installColumnCipher } from '../../common/crypto/envelope';
import { CrossOriginRoutes } from '../../common/http/cross-origin';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Organisation } from '../accounts/entities/organisation.entity';
import { JOBS } from '../jobs/job-definitions';
import { JobRunner } from '../jobs/job-runner';
import { ConsoleController } from './console.controller';
import { DemoController } from './demo.controller';
import { CallSession } from './entities/call-session.entity';
import { MunicipalitySettings } from './entities/municipality-settings.entity';
import { ExchangeApi } from './exchange-api';
import { ExchangeApiController } from './exchange-api.controller';
import { IrmaCallbackController } from './irma-callback.controller';
import { LiveCallBus } from './live-calls.bus';
import { MunicipalitySettingsService } from './municipality-settings.service';
import { PurgeCallsProcessor } from './purge-calls.processor';
import { SettingsController } from './settings.controller';
import { TwilioController } from './twilio.controller';
import { ExchangeGateway, IrmaGateway, VeiligBellenSimulators } from './veilig-bellen.gateways';
import { VeiligBellenService } from './veilig-bellen.service';
import { WidgetScript } from './widget-script';
import { WidgetController } from './widget.controller';

export const WIDGET_API_PREFIX = '/api/veilig-bellen/widget/';
export const IRMA_SIMULATOR_PATH = '/sim/irma';

/**
 * Veilig bellen (docs/veilig-bellen.md): website button with Yivi disclosure, DTMF-verified calls through a
 * phone exchange adapter (Twilio), the agents' console API and the caller data's short life.
 */
@Module({
  imports: [TypeOrmModule.forFeature([CallSession, MunicipalitySettings, Organisation])],
  controllers: [
    WidgetController,
    TwilioController,
    ExchangeApiController,
    IrmaCallbackController,
    ConsoleController,
    SettingsController,
    DemoController,
  ],
  providers: [
    VeiligBellenService,
    MunicipalitySettingsService,
    ExchangeApi,
    VeiligBellenSimulators,
    IrmaGateway,
    ExchangeGateway,
    LiveCallBus,
    WidgetScript,
    PurgeCallsProcessor,
  ],
})
export class VeiligBellenModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('VeiligBellen');
  private internalServer: Server | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crossOrigin: CrossOriginRoutes,
    private readonly settings: MunicipalitySettingsService,
    private readonly sims: VeiligBellenSimulators,
    private readonly adapterHost: HttpAdapterHost,
    private readonly jobs: JobRunner,
    private readonly exchangeApi: ExchangeApi,
  ) {
    installColumnCipher(new EnvelopeCipher(config.veiligBellen.dataKeys));
  }

  onModuleInit(): void {
    this.crossOrigin.register({
      prefix: WIDGET_API_PREFIX,
      allowedOrigins: (req) =>
        this.settings.allowedOrigins(req.path.slice(WIDGET_API_PREFIX.length).split('/')[0] ?? ''),
    });
    // Without an HTTP adapter (the operator CLI's application context) there is nothing to serve.
    if (this.sims.irma && this.adapterHost.httpAdapter) {
      // Like a real irma server (irmago requestorserver `corsOptions`), the simulator is open to any
      // origin and allows the headers yivi-frontend's event source sends (`Cache-Control`).
      this.crossOrigin.register({
        prefix: `${IRMA_SIMULATOR_PATH}/`,
        allowedOrigins: async () => '*',
        allowedHeaders: ['Accept', 'Authorization', 'Content-Type', 'Cache-Control'],
      });
      const app = this.adapterHost.httpAdapter.getInstance<{ use(path: string, h: unknown): void }>();
      app.use(IRMA_SIMULATOR_PATH, (req: Request, res: Response, next: NextFunction) => {
        void this.serveIrmaSimulator(req, res).catch(next);
      });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.addRepeatable(JOBS.veiligBellenPurge, {}, { everyMs: 60_000 });
    const port = this.config.veiligBellen.exchangePort;
    if (port !== null && this.adapterHost.httpAdapter) {
      this.internalServer = createServer(this.exchangeApi.listener());
      await new Promise<void>((resolve) => this.internalServer!.listen(port, this.config.http.host, resolve));
      this.logger.log(`exchange API on internal port ${port}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.internalServer) await new Promise((resolve) => this.internalServer!.close(resolve));
  }

  private async serveIrmaSimulator(req: Request, res: Response): Promise<void> {
    const body =
      typeof req.body === 'object' && req.body !== null && Object.keys(req.body as object).length
        ? JSON.stringify(req.body)
        : await readBody(req);
    const closed = new AbortController();
    res.on('close', () => closed.abort());
    const answer = await this.sims.irma!.handle({
      method: req.method,
      path: req.url,
      headers: req.headers as Record<string, string>,
      body,
      signal: closed.signal,
    });
    res.status(answer.status).set(answer.headers);
    if (typeof answer.body === 'string') {
      res.send(answer.body);
      return;
    }
    // An event stream: written as it comes, until it ends or the browser goes away.
    res.flushHeaders();
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  }
}

async function readBody(req: Request): Promise<string> {
  if (req.readableEnded || req.method === 'GET' || req.method === 'DELETE') return '';
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
