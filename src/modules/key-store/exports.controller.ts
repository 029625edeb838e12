import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
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
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const entries = await this.entries(region, after);
    const body = JSON.stringify({ region, files: entries });
    this.sendCacheable(
      res,
      body,
      'application/json',
      `public, max-age=${this.config.keyStore.indexMaxAgeSeconds}`,
      ifNoneMatch,
    );
  }

  @Get('api/v1/exports/:region/index.txt')
  @ApiOperation({
    summary: 'The same index as plain text, one file path per line (as the Google reference server)',
  })
  async indexText(
    @Param() { region }: RegionParam,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const body = (await this.entries(region)).map((e) => e.url).join('\n');
    this.sendCacheable(
      res,
      body,
      'text/plain',
      `public, max-age=${this.config.keyStore.indexMaxAgeSeconds}`,
      ifNoneMatch,
    );
  }

  @Get('api/v1/exports/:region/:name')
  @ApiOperation({ summary: 'One signed export.zip (immutable)' })
  async file(
    @Param() { region, name }: FileParam,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const row = await this.exportFiles.findOneBy({ region, name });
    if (!row) throw notFound('No such export file.');
    const etag = `"${row.sha256}"`;
    res.setHeader('ETag', etag).setHeader('Cache-Control', IMMUTABLE);
    if (ifNoneMatch === etag) {
      res.status(304).end();
      return;
    }
    const bytes = await this.files.get(exportStorageKey(region, name));
    if (!bytes) throw notFound('The export file is gone (retention).');
    res.type('application/zip').send(bytes);
  }

  @Get('.well-known/veilig/export-signing-keys')
  @ApiOperation({
    summary: 'Public keys that sign exports (for apps and other countries), the active one marked',
  })
  signingKeys(): { keys: PublishedSigningKey[] } {
    return { keys: this.signing.published() };
  }

  private async entries(region: string, after?: string): Promise<ExportIndexEntry[]> {
    let since: Date | undefined;
    if (after) {
      const last = await this.exportFiles.findOneBy({ region, name: after });
      since = last?.createdAt;
    }
    const rows = await this.exportFiles.find({
      where: { region, ...(since ? { createdAt: MoreThan(since) } : {}) },
      order: { createdAt: 'ASC', batchNum: 'ASC' },
    });
    return rows.map((r) => ({
      name: r.name,
      url: `/api/v1/exports/${region}/${r.name}`,
      keys: r.totalKeys,
      bytes: r.bytes,
      sha256: r.sha256,
      startTimestamp: Number(r.startTimestamp),
      endTimestamp: Number(r.endTimestamp),
    }));
  }

  private sendCacheable(
    res: Response,
    body: string,
    type: string,
    cacheControl: string,
    ifNoneMatch?: string,
  ): void {
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    res.setHeader('ETag', etag).setHeader('Cache-Control', cacheControl);
    if (ifNoneMatch === etag) {
      res.status(304).end();
      return;
    }
    res.type(type).send(body);
  }
}
