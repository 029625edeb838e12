import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, MoreThanOrEqual } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../../config/app-config';
import {
  checkDownloadDate,
  decodeBatchProtobuf,
  encodeBatch,
  formatUtcDay,
  keysForDownloader,
  negotiateResponseAccept,
  nextBatchTagHeader,
  parseUtcDay,
  type DiagnosisKey,
  type EfgsFormat,
  type FormatVersion,
} from '../../../protocol/efgs';
import { GatewayBatch } from '../entities/gateway-batch.entity';
import { GatewayUpload } from '../entities/gateway-upload.entity';
import { CertificateRegistry } from './certificate-registry.service';
import type { EfgsClient } from './efgs-client.guard';
import { EfgsHttpError } from './efgs-error';

export interface DownloadedBatch {
  batchTag: string;
  nextBatchTag: string;
  format: EfgsFormat;
  version: FormatVersion;
  body: Uint8Array;
  keyCount: number;
}

/** One entry of `GET /diagnosiskeys/audit/download/{date}/{batchTag}` (docs/protocols/efgs.md §A9). */
export interface AuditEntry {
  country: string;
  uploadedTime: string;
  uploaderCertificate: string | null;
  uploaderThumbprint: string;
  uploaderOperatorSignature: string | null;
  signingCertificate: string | null;
  uploaderSigningThumbprint: string;
  signingCertificateOperatorSignature: string | null;
  amount: number;
  batchSignature: string;
}

/** Downloads and audit data of the gateway (docs/protocols/efgs.md §A1, §A7, §A9). */
@Injectable()
export class GatewayDownloadService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: CertificateRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `GET /diagnosiskeys/download/{date}`: without `batchTag` the first batch created on or after `date`
   * (UTC), else that batch if created on or after `date`; its keys minus the caller's own uploads, and the
   * next tag or "null". Accept is judged last, when the body is written, as in EFGS (so 404/410 win over 415).
   * @throws EfgsHttpError 400, 404, 410 or 415 with EFGS's messages.
   */
  async download(
    client: EfgsClient,
    date: string,
    batchTag: string | undefined,
    accept: string | undefined,
    now: Date,
  ): Promise<DownloadedBatch> {
    const day = this.checkDate(date, now);
    const batches = this.dataSource.getRepository(GatewayBatch);
    let batch: GatewayBatch | null;
    if (batchTag === undefined || batchTag === '') {
      batch = await batches.findOne({
        where: { createdAt: MoreThanOrEqual(day) },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      if (!batch) throw new EfgsHttpError(404, 'Could not find any batches for given date');
    } else {
      batch = await batches.findOneBy({ tag: batchTag });
      if (!batch) throw new EfgsHttpError(404, 'Could not find batch with given BatchTag');
      if (batch.createdAt < day)
        throw new EfgsHttpError(400, 'Given date does not match the requested batch');
    }
    const uploads = await this.dataSource.getRepository(GatewayUpload).find({
      select: { id: true, country: true, keys: true, keyCount: true },
      where: { batchId: batch.id },
      order: { id: 'ASC' },
    });
    const served = keysForDownloader(
      uploads.map((u) => ({ ...u, uploaderCountry: u.country })),
      client.country,
    );
    const negotiated = negotiateResponseAccept(accept);
    if (!negotiated.ok) throw new EfgsHttpError(negotiated.status, negotiated.message);
    let body: Uint8Array;
    if (negotiated.format === 'protobuf') {
      // `repeated keys = 1` only: serialised batches concatenate into one batch with all their keys, in order.
      body = Buffer.concat(served.map((u) => u.keys));
    } else {
      const keys: DiagnosisKey[] = [];
      for (const upload of served) keys.push(...decodeBatchProtobuf(upload.keys).keys);
      body = encodeBatch(negotiated.format, { keys });
    }
    return {
      batchTag: batch.tag,
      nextBatchTag: nextBatchTagHeader(batch.link),
      format: negotiated.format,
      version: negotiated.version,
      body,
      keyCount: served.reduce((n, u) => n + u.keyCount, 0),
    };
  }

  /**
   * `GET /diagnosiskeys/audit/download/{date}/{batchTag}` (docs/protocols/efgs.md §A9): one entry per upload
   * in the batch, in upload order, own country included, with the certificates and trust-anchor signatures
   * that let a member re-verify every upload's signature itself.
   */
  async audit(date: string, batchTag: string, now: Date): Promise<AuditEntry[]> {
    const day = this.checkDate(date, now);
    const batch = await this.dataSource.getRepository(GatewayBatch).findOneBy({ tag: batchTag });
    if (!batch || formatUtcDay(batch.createdAt) !== formatUtcDay(day))
      throw new EfgsHttpError(404, 'Batchtag not found');
    const uploads = await this.dataSource.getRepository(GatewayUpload).find({
      select: {
        id: true,
        country: true,
        createdAt: true,
        clientThumbprint: true,
        signingThumbprint: true,
        keyCount: true,
        batchSignature: true,
      },
      where: { batchId: batch.id },
      order: { id: 'ASC' },
    });
    if (uploads.length === 0) throw new EfgsHttpError(404, 'Batchtag not found');
    return Promise.all(
      uploads.map(async (u) => {
        const [auth, signing] = await Promise.all([
          this.registry.evidence(u.clientThumbprint, 'AUTHENTICATION'),
          this.registry.evidence(u.signingThumbprint, 'SIGNING'),
        ]);
        return {
          country: u.country,
          uploadedTime: u.createdAt.toISOString(),
          uploaderCertificate: auth?.pem ?? null,
          uploaderThumbprint: u.clientThumbprint,
          uploaderOperatorSignature: auth?.signature ?? null,
          signingCertificate: signing?.pem ?? null,
          uploaderSigningThumbprint: u.signingThumbprint,
          signingCertificateOperatorSignature: signing?.signature ?? null,
          amount: u.keyCount,
          batchSignature: u.batchSignature,
        };
      }),
    );
  }

  private checkDate(date: string, now: Date): Date {
    const check = checkDownloadDate(date, now, this.config.federation.gateway.retentionDays);
    if (!check.ok) throw new EfgsHttpError(check.status, check.message);
    return parseUtcDay(check.day)!;
  }
}
