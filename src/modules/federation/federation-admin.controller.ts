import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { clientIp } from '../../common/http/client-ip';
import { ProblemException } from '../../common/http/problem';
import { Clock } from '../../infrastructure/clock';
import { Roles, type AuthenticatedRequest } from '../accounts/auth/auth.decorators';
import { AuditService } from '../audit/audit.service';
import { IdParamDto, RegisterCertificateDto } from './dto/register-certificate.dto';
import { FederationStatusService } from './federation-status.service';
import { CertificateRegistry, RegistryError } from './gateway/certificate-registry.service';
import { MemberUploadService } from './member/member-upload.service';

function problem(error: unknown): never {
  if (error instanceof RegistryError)
    throw new ProblemException(
      error.status,
      'federation-registry',
      error.status === 404 ? 'Not found' : 'Refused',
      error.message,
    );
  throw error;
}

/** Operator API of federation (platform admins): the gateway's certificate registry and the member's batches. */
@ApiTags('federation')
@Roles('platform-admin')
@Controller('api/admin/federation')
export class FederationAdminController {
  constructor(
    private readonly registry: CertificateRegistry,
    private readonly status: FederationStatusService,
    private readonly uploads: MemberUploadService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get('certificates')
  @ApiOperation({ summary: 'Registry rows with their integrity status (gateway role)' })
  async certificates() {
    return (await this.registry.list()).map((r) => ({
      id: r.id,
      country: r.country,
      type: r.type,
      thumbprint: r.thumbprint,
      host: r.host,
      revoked: r.revoked,
      valid: r.valid,
      createdAt: r.createdAt,
    }));
  }

  @Post('certificates')
  @ApiOperation({
    summary: 'Register a certificate with its trust-anchor signature (docs/protocols/efgs.md §A6 onboarding)',
  })
  async register(@Req() req: AuthenticatedRequest, @Body() body: RegisterCertificateDto) {
    const row = await this.registry.register(body).catch(problem);
    await this.audit.record(
      {
        kind: 'user',
        userId: req.auth!.user.id,
        organisationId: req.auth!.user.organisationId,
        ip: clientIp(req),
      },
      {
        action: 'federation.certificate.register',
        outcome: 'success',
        objectType: 'federation-certificate',
        objectId: row.id,
        details: { country: row.country, type: row.type },
      },
    );
    return { id: row.id, country: row.country, type: row.type, thumbprint: row.thumbprint, host: row.host };
  }

  @Post('certificates/:id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a certificate: its holder is refused from the next request on' })
  async revoke(@Req() req: AuthenticatedRequest, @Param() { id }: IdParamDto) {
    const row = await this.registry.revoke(id).catch(problem);
    await this.audit.record(
      {
        kind: 'user',
        userId: req.auth!.user.id,
        organisationId: req.auth!.user.organisationId,
        ip: clientIp(req),
      },
      {
        action: 'federation.certificate.revoke',
        outcome: 'success',
        objectType: 'federation-certificate',
        objectId: row.id,
        details: { country: row.country, type: row.type },
      },
    );
    return { id: row.id, revoked: true };
  }

  @Get('status')
  @ApiOperation({
    summary: 'Member role: our upload batches and the gateway batches we downloaded (counts, no keys)',
  })
  overview() {
    return this.status.overview();
  }

  @Post('uploads/:id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Queue a failed or rejected upload batch again (same bytes, same batchTag)' })
  async retry(@Req() req: AuthenticatedRequest, @Param() { id }: IdParamDto) {
    const queued = await this.uploads.retry(id, this.clock.now());
    if (!queued)
      throw new ProblemException(
        404,
        'not-found',
        'Not found',
        'No failed or rejected upload batch with this id.',
      );
    await this.audit.record(
      {
        kind: 'user',
        userId: req.auth!.user.id,
        organisationId: req.auth!.user.organisationId,
        ip: clientIp(req),
      },
      { action: 'federation.upload.retry', outcome: 'success', objectType: 'federation-batch', objectId: id },
    );
    return { id, queued };
  }
}
