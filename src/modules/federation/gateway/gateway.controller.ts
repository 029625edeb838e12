import {
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Options,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { raw, type RequestHandler, type Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { Clock } from '../../../infrastructure/clock';
import {
  EFGS_OPTIONS_ACCEPT,
  EFGS_PROTOBUF_MESSAGE,
  EFGS_PROTOBUF_SCHEMA,
  efgsContentType,
} from '../../../protocol/efgs';
import { Public, SkipCsrf } from '../../accounts/auth/auth.decorators';
import { CallbackService } from './callback.service';
import { EfgsClientGuard, type EfgsClient, type EfgsRequest } from './efgs-client.guard';
import { EfgsExceptionFilter, EfgsHttpError } from './efgs-error';
import { GatewayDownloadService, type AuditEntry } from './gateway-download.service';
import { GatewayUploadService } from './gateway-upload.service';

/** Route prefix of the EFGS API (docs/protocols/efgs.md §A1); members call `<base>/diagnosiskeys/...`. */
export const EFGS_PREFIX = '/diagnosiskeys';
/** Path whose raw body the app parses for us (protobuf or JSON, checked here). */
export const EFGS_UPLOAD_PATH = `${EFGS_PREFIX}/upload`;
/** 5,000 keys in JSON with long visited lists stay far below this; a larger body is refused by the parser. */
export const EFGS_UPLOAD_BODY_LIMIT = '8mb';

const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.too.large': { status: 413, message: 'Payload too large' },
  'encoding.unsupported': { status: 415, message: 'Unsupported content encoding' },
};

/**
 * The raw body parser of `POST /diagnosiskeys/upload` (protobuf or JSON, decoded by the route), registered
 * by the app before the general parsers. Its own refusals (too large, bad encoding, aborted) leave as
 * EFGS's `{"message"}` too: they happen before routing, where the controller's filter cannot see them.
 */
export function efgsUploadBodyParser(): RequestHandler {
  const parse = raw({ type: () => true, limit: EFGS_UPLOAD_BODY_LIMIT });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const known = BODY_ERRORS[(error as { type?: string }).type ?? ''] ?? {
        status: 400,
        message: 'Could not read the request body',
      };
      res
        .status(known.status)
        .type('application/json')
        .send(JSON.stringify({ message: known.message }));
    });
  };
}

function client(req: EfgsRequest): EfgsClient {
  if (!req.efgsClient) throw new EfgsHttpError(403, 'Forbidden');
  return req.efgsClient;
}

/**
 * The gateway role's EFGS API (docs/protocols/efgs.md §A1): machine clients authenticated by certificate
 * (EfgsClientGuard), answers and refusals exactly as EFGS gives them. Documented in docs/federation.md, not
 * in our OpenAPI.
 */
@ApiExcludeController()
@Public()
@SkipCsrf()
@UseFilters(EfgsExceptionFilter)
@Controller(EFGS_PREFIX.slice(1))
export class GatewayController {
  constructor(
    private readonly uploads: GatewayUploadService,
    private readonly downloads: GatewayDownloadService,
    private readonly callbacks: CallbackService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Options(['', 'upload', 'download/:date'])
  @HttpCode(200)
  options(@Res() res: Response): void {
    if (!this.config.federation.gatewayEnabled) throw new EfgsHttpError(404, 'Not Found');
    res.setHeader('Accept', EFGS_OPTIONS_ACCEPT);
    res.setHeader('Allow', 'POST,GET,OPTIONS');
    res.end();
  }

  @Post('upload')
  @UseGuards(EfgsClientGuard)
  async upload(
    @Req() req: EfgsRequest,
    @Headers('content-type') contentType: string | undefined,
    @Headers('batchtag') batchTag: string | undefined,
    @Headers('batchsignature') batchSignature: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await this.uploads.upload(
      client(req),
      { contentType, batchTag, batchSignature, body },
      this.clock.now(),
    );
    res.status(201).setHeader('batchTag', result.batchTag);
    res.end();
  }

  @Get('download/:date')
  @UseGuards(EfgsClientGuard)
  async download(
    @Req() req: EfgsRequest,
    @Param('date') date: string,
    @Headers('batchtag') batchTag: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const batch = await this.downloads.download(client(req), date, batchTag, accept, this.clock.now());
    res
      .status(200)
      .setHeader('Content-Type', efgsContentType(batch.format, batch.version))
      .setHeader('batchTag', batch.batchTag)
      .setHeader('nextBatchTag', batch.nextBatchTag)
      .setHeader('X-Protobuf-Schema', EFGS_PROTOBUF_SCHEMA)
      .setHeader('X-Protobuf-Message', EFGS_PROTOBUF_MESSAGE);
    res.end(Buffer.from(batch.body));
  }

  @Get('audit/download/:date/:batchTag')
  @UseGuards(EfgsClientGuard)
  audit(@Param('date') date: string, @Param('batchTag') batchTag: string): Promise<AuditEntry[]> {
    return this.downloads.audit(date, batchTag, this.clock.now());
  }

  @Get('callback')
  @UseGuards(EfgsClientGuard)
  listCallbacks(@Req() req: EfgsRequest): Promise<{ callbackId: string; url: string }[]> {
    return this.callbacks.list(client(req).country);
  }

  @Put('callback/:id')
  @HttpCode(200)
  @UseGuards(EfgsClientGuard)
  async putCallback(
    @Req() req: EfgsRequest,
    @Param('id') id: string,
    @Query('url') url: unknown,
  ): Promise<void> {
    if (
      typeof url !== 'string' ||
      !(await this.callbacks.put(client(req).country, id, url, this.clock.now()))
    ) {
      throw new EfgsHttpError(400, 'Callback URL is invalid');
    }
  }

  @Delete('callback/:id')
  @HttpCode(200)
  @UseGuards(EfgsClientGuard)
  async deleteCallback(@Req() req: EfgsRequest, @Param('id') id: string): Promise<void> {
    if (!(await this.callbacks.delete(client(req).country, id))) {
      throw new EfgsHttpError(404, 'Could not find any callback subscription for the given callbackId.');
    }
  }
}
