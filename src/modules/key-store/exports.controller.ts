import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { IsOptional, Matches } from 'class-validator';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
import { isNotModified } from '../../common/http/conditional';
import { notFound } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { FileStore } from '../../infrastructure/file-store';
import type { ExportIndexEntry } from '../../protocol/key-upload';
import { Public } from '../accounts/auth/auth.decorators';
import { exportStorageKey } from './aggregation.service';
import { ExportFile } from './entities/export-file.entity';
import { ExportSigningService, type PublishedSigningKey } from './export-signing.service';

const REGION = /^[A-Z]{2}$/;
const FILE_NAME = /^[A-Z]{2}-\d{1,12}-\d{1,12}\.zip$/;
const IMMUTABLE = 'public, max-age=1209600, immutable';

class RegionParam {
  @Matches(REGION, { message: 'region must be an ISO 3166-1 alpha-2 code in upper case' })
  region!: string;
}

class FileParam extends RegionParam {
  @Matches(FILE_NAME, { message: 'not an export file name' })
  name!: string;
}

class IndexQuery {
  @IsOptional()
  @Matches(FILE_NAME, { message: 'after must be an export file name from the index' })
  after?: string;
}

/** Downloads for apps and CDNs: a short-lived index per region and immutable, signed export files. */
@ApiTags('key store')
@Public()
@Controller()
export class ExportsController {
  constructor(
    @InjectRepository(ExportFile) private readonly exportFiles: Repository<ExportFile>,
    private readonly files: FileStore,
    private readonly signing: ExportSigningService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('api/v1/exports/:region/index.json')
  @ApiOperation({ summary: 'Export files of a region, oldest first; `?after=<name>` lists only newer ones' })
  async index(
    @Param() { region }: RegionParam,
    @Query() { after }: IndexQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const rows = await this.rows(region, after);
    const body = JSON.stringify({ region, files: rows.map((r) => this.entry(r)) });
    this.sendIndex(req, res, body, 'application/json', rows.at(-1)?.createdAt);
  }

  @Get('api/v1/exports/:region/index.txt')
  @ApiOperation({
    summary: 'The same index as plain text, one file path per line (as the Google reference server)',
  })
  async indexText(
    @Param() { region }: RegionParam,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const rows = await this.rows(region);
    const body = rows.map((r) => this.fileUrl(r.region, r.name)).join('\n');
    this.sendIndex(req, res, body, 'text/plain', rows.at(-1)?.createdAt);
  }

  /**
   * One signed export.zip. Immutable, so its SHA-256 is its ETag. With an object store the bytes do not
   * pass through us: a redirect to the CDN (EXPORT_FILES_URL) or to a presigned URL.
   */
  @Get('api/v1/exports/:region/:name')
  @ApiOperation({ summary: 'One signed export.zip (immutable); a redirect where an object store serves it' })
  async file(@Param() { region, name }: FileParam, @Req() req: Request, @Res() res: Response): Promise<void> {
    const row = await this.exportFiles.findOneBy({ region, name });
    if (!row) throw notFound('No such export file.');
    const etag = `"${row.sha256}"`;
    if (isNotModified(req, etag, row.createdAt)) {
      validators(res, etag, row.createdAt).setHeader('Cache-Control', IMMUTABLE).status(304).end();
      return;
    }
    const key = exportStorageKey(region, name);
    const { filesUrl, presignedUrlSeconds } = this.config.keyStore;
    const elsewhere = filesUrl
      ? { url: `${filesUrl}/${key}`, maxAge: 86_400 }
      : {
          url: this.files.downloadUrl(key, presignedUrlSeconds)?.toString(),
          maxAge: presignedUrlSeconds / 2,
        };
    if (elsewhere.url) {
      // A cache may keep the redirect, but not past the presigned URL's expiry.
      res.setHeader('Cache-Control', `public, max-age=${Math.floor(elsewhere.maxAge)}`);
      res.redirect(302, elsewhere.url);
      return;
    }
    const bytes = await this.files.get(key);
    if (!bytes) throw notFound('The export file is gone (retention).');
    validators(res, etag, row.createdAt).setHeader('Cache-Control', IMMUTABLE);
    res.type('application/zip').send(bytes);
  }

  @Get('.well-known/veilig/export-signing-keys')
  @ApiOperation({
    summary: 'Public keys that sign exports (for apps and other countries), the active one marked',
  })
  signingKeys(): { keys: PublishedSigningKey[] } {
    return { keys: this.signing.published() };
  }

  private async rows(region: string, after?: string): Promise<ExportFile[]> {
    let since: Date | undefined;
    if (after) {
      const last = await this.exportFiles.findOneBy({ region, name: after });
      since = last?.createdAt;
    }
    return this.exportFiles.find({
      where: { region, ...(since ? { createdAt: MoreThan(since) } : {}) },
      order: { createdAt: 'ASC', batchNum: 'ASC' },
    });
  }

  private entry(r: ExportFile): ExportIndexEntry {
    return {
      name: r.name,
      url: this.fileUrl(r.region, r.name),
      keys: r.totalKeys,
      bytes: r.bytes,
      sha256: r.sha256,
      startTimestamp: Number(r.startTimestamp),
      endTimestamp: Number(r.endTimestamp),
    };
  }

  /** Where apps fetch a file: the CDN when there is one, else our route (which may redirect). */
  private fileUrl(region: string, name: string): string {
    const { filesUrl } = this.config.keyStore;
    return filesUrl ? `${filesUrl}/${exportStorageKey(region, name)}` : `/api/v1/exports/${region}/${name}`;
  }

  /** The index: briefly cacheable, served stale while a cache revalidates, conditional on ETag and date. */
  private sendIndex(req: Request, res: Response, body: string, type: string, lastModified?: Date): void {
    const { indexMaxAgeSeconds, indexStaleSeconds } = this.config.keyStore;
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    validators(res, etag, lastModified).setHeader(
      'Cache-Control',
      `public, max-age=${indexMaxAgeSeconds}, stale-while-revalidate=${indexStaleSeconds}`,
    );
    if (isNotModified(req, etag, lastModified)) {
      res.status(304).end();
      return;
    }
    res.type(type).send(body);
  }
}

/** ETag and, when known, Last-Modified (RFC 9110 §8.8). */
function validators(res: Response, etag: string, lastModified?: Date): Response {
  res.setHeader('ETag', etag);
  if (lastModified) res.setHeader('Last-Modified', lastModified.toUTCString());
  return res;
}
