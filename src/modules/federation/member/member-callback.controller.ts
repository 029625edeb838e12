import { Controller, Get, HttpCode, Inject, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { safeEqual } from '../../../common/crypto/tokens';
import { forbidden, notFound } from '../../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import { parseClientThumbprintHeader } from '../../../protocol/efgs';
import { Public, SkipCsrf } from '../../accounts/auth/auth.decorators';
import { JOBS } from '../../jobs/job-definitions';
import { JobRunner } from '../../jobs/job-runner';
import { CertificateProxy } from '../certificate-proxy';
import type { DownloadJobData } from './member.processors';

/**
 * Where the gateway calls us (docs/protocols/efgs.md §A8); register `<PUBLIC_URL><this path>` as
 * FEDERATION_CALLBACK_URL.
 */
export const MEMBER_CALLBACK_PATH = '/api/v1/federation/callback';

class CallbackQuery {
  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'batchTag must be 1..100 printable ASCII characters' })
  batchTag!: string;

  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be yyyy-MM-dd' })
  date!: string;
}

/**
 * The member's callback receiver (docs/protocols/efgs.md §A8, as CWA's `CallbackController`): records nothing
 * itself, it queues a download walk starting at the announced batch. Callers are the gateway's callback
 * certificates (FEDERATION_CALLBACK_THUMBPRINTS), from our TLS handshake or from the trusted proxy's headers.
 */
@ApiTags('federation')
@Public()
@SkipCsrf()
@Controller()
export class MemberCallbackController {
  constructor(
    private readonly jobs: JobRunner,
    private readonly proxy: CertificateProxy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(MEMBER_CALLBACK_PATH.slice(1))
  @HttpCode(200)
  @ApiOperation({
    summary: 'Gateway callback: a new batch exists (`?batchTag=…&date=yyyy-MM-dd`); queues its download',
  })
  async callback(@Query() query: CallbackQuery, @Req() req: Request): Promise<{ queued: boolean }> {
    if (!this.config.federation.memberEnabled) throw notFound();
    const allowed = this.config.federation.member.callbackThumbprints;
    if (allowed.length > 0) {
      const thumbprint =
        peerThumbprint(req) ?? parseClientThumbprintHeader(this.proxy.certificateHeaders(req)?.sha256);
      if (!thumbprint || !allowed.some((t) => safeEqual(t, thumbprint)))
        throw forbidden('Unknown callback caller.');
    }
    const data: DownloadJobData = { date: query.date, batchTag: query.batchTag };
    // Deterministic id: a repeated announcement of the same batch is one download.
    await this.jobs.add(JOBS.federationMemberDownload, data, {
      jobId: `federation-download:${query.date}:${query.batchTag}`,
    });
    return { queued: true };
  }
}

/** The client certificate of our own TLS handshake, if the caller presented one. */
function peerThumbprint(req: Request): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  return peer?.raw ? createHash('sha256').update(peer.raw).digest('hex') : undefined;
}
