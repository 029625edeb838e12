import type { INestApplication } from '@nestjs/common';
import type { CorsOptionsCallback } from '@nestjs/common/interfaces/external/cors-options.interface';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { json, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule, type AppModuleOptions } from './app.module';
import { randomToken } from './common/crypto/tokens';
import { CrossOriginRoutes } from './common/http/cross-origin';
import { MachineRoutes } from './common/http/machine-routes';
import { ProblemDetailsFilter } from './common/http/problem.filter';
import { createValidationPipe } from './common/http/validation';
import { QuietStartupLogger } from './common/quiet-logger';
import type { AppConfig } from './config/app-config';
import { CSRF_COOKIE, setCsrfCookie } from './modules/accounts/auth/cookies';
import {
  EFGS_PREFIX,
  EFGS_UPLOAD_PATH,
  efgsUploadBodyParser,
} from './modules/federation/gateway/gateway.controller';
import { MEMBER_CALLBACK_PATH } from './modules/federation/member/member-callback.controller';
import { METRICS, type Metrics } from './modules/health/metrics';
import { KEY_UPLOAD_BODY_LIMIT, KEY_UPLOAD_PATH } from './modules/key-store/key-upload.controller';
import { paddedBodyParserErrors } from './modules/key-store/response-padding';
import { useNodeCrypto } from './protocol/cms/node-backend';

/** Repository root, whether running from `src/` (tests, tsx) or from `dist/src/` (built). */
export const repoRoot = __dirname.includes(`${'/'}dist${'/'}`)
  ? join(__dirname, '..', '..')
  : join(__dirname, '..');

/** Paths the Angular router owns; everything else that is not API falls through to 404. */
const SPA_PATHS = /^\/(?:$|login|change-password|admin|backoffice|console)(?:\/|$)/;

/** Called by phones, phone exchanges and other backends, never by a page (see MachineRoutes). */
const MACHINE_ROUTES = [
  KEY_UPLOAD_PATH,
  '/api/v1/exports/',
  '/.well-known/veilig/',
  `${EFGS_PREFIX}/`,
  MEMBER_CALLBACK_PATH,
  '/api/veilig-bellen/exchange/',
];

/** Builds and configures the whole application; used by main.ts, the CLI and the e2e tests. */
export async function createApp(
  config: AppConfig,
  options: AppModuleOptions = {},
): Promise<NestExpressApplication> {
  // CMS verification (disclosure approvals, federation batches) with synchronous node:crypto: several
  // times faster than WebCrypto round trips (docs/PERFORMANCE.md, "CMS verification").
  useNodeCrypto();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false, // throw instead of process.exit, so callers (tests, CLI) see the error
    httpsOptions: config.http.tls
      ? {
          cert: readFileSync(config.http.tls.certFile),
          key: readFileSync(config.http.tls.keyFile),
          // Federation gateway with direct mTLS: ask for a client certificate, the registry decides
          // (docs/protocols/efgs.md §A6).
          ...(config.federation.gatewayEnabled && config.federation.gateway.directMtls
            ? { requestCert: true, rejectUnauthorized: false }
            : {}),
        }
      : undefined,
  });
  configureApp(app, config);
  return app;
}

export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(new QuietStartupLogger(app.get(Logger)));
  // Nest flushes the start-up buffer only in listen(); apps that only init() (CLI, workers, tests) would
  // otherwise keep buffering every log line.
  app.flushLogs();
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  // Express would hash every response body for a weak ETag; cacheable routes (exports) set their own.
  app.set('etag', false);
  const metrics = app.get<Metrics>(METRICS);
  app.use(requestMetrics(metrics));
  const machine = new MachineRoutes(MACHINE_ROUTES, { strictTransportSecurity: config.http.secureCookies });
  app.use(
    machine.securityHeaders(
      helmet({
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
            // The GP portal signs through a local smart-card bridge (docs/smartcard-bridge.md).
            connectSrc: ["'self'", new URL(config.disclosure.smartCardBridgeUrl).origin],
            frameAncestors: ["'none'"],
            formAction: ["'self'"],
            // Only over HTTPS; on plain-HTTP hosts it would break every script and style load.
            upgradeInsecureRequests: config.http.secureCookies ? [] : null,
          },
        },
        strictTransportSecurity: config.http.secureCookies,
      }),
    ),
  );
  app.use(machine.browserOnly(cookieParser()));
  // Routes with a tighter body limit parse first; the general parser then skips the parsed body.
  app.use(KEY_UPLOAD_PATH, json({ limit: KEY_UPLOAD_BODY_LIMIT }), paddedBodyParserErrors());
  app.use(EFGS_UPLOAD_PATH, efgsUploadBodyParser());
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
  app.use(machine.browserOnly(csrfCookie(config.http.secureCookies)));
  // Global allow-list with credentials; routes registered in CrossOriginRoutes (the Veilig bellen
  // widget) get their own per-tenant allow-list without credentials.
  const crossOrigin = app.get(CrossOriginRoutes);
  app.enableCors((req: Request, cb: CorsOptionsCallback) => {
    if (machine.matches(req.url)) return cb(null, { origin: false });
    crossOrigin.corsOptions(req, config.http.corsOrigins).then(
      (o) => cb(null, o),
      (err: Error) => cb(err, {}),
    );
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  setupOpenApi(app);
  servePortals(app);
}

function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Veilig API')
      .setDescription(
        'Verified disclosure: key uploads, exports, signed disclosure, Veilig bellen, federation.',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
}

function servePortals(app: NestExpressApplication): void {
  const dir = join(repoRoot, 'dist', 'portals', 'browser');
  const index = join(dir, 'index.html');
  if (existsSync(index)) app.useStaticAssets(dir, { index: false, maxAge: '1h' });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || !SPA_PATHS.test(req.path)) return next();
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The portals are not built yet: run `npm run build:portals`.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

/**
 * Every browser gets a CSRF token cookie on its first page load (a GET); the portal echoes it in a
 * header. Apps posting keys or codes never load a page, so they are not handed a cookie per request.
 */
function csrfCookie(secure: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && !(req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE])
      setCsrfCookie(res, randomToken(), secure);
    next();
  };
}

function requestMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, not the raw path: raw paths carry ids and codes.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
