import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { clientIp } from '../../common/http/client-ip';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Roles, type AuthenticatedRequest } from '../accounts/auth/auth.decorators';
import { DisclosureService } from './disclosure.service';
import {
  BackofficeDisclosureSettingsDto,
  DisclosureRequestViewDto,
  LookupDisclosureDto,
  RequestIdParamDto,
  SubmitApprovalDto,
  SubmittedApprovalDto,
} from './dto/disclosure.dto';

/** The GP backoffice API: find a patient's request by its code, submit the signed approval. */
@ApiTags('disclosure (backoffice)')
@Roles('clinician')
@Controller('api/backoffice/disclosure')
export class BackofficeController {
  constructor(
    private readonly service: DisclosureService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'What the portal needs: the local smart-card bridge URL and the code lifetime' })
  @ApiOkResponse({ type: BackofficeDisclosureSettingsDto })
  settings(): BackofficeDisclosureSettingsDto {
    return {
      smartCardBridgeUrl: this.config.disclosure.smartCardBridgeUrl,
      requestTtlMinutes: this.config.disclosure.requestTtlMs / 60_000,
    };
  }

  @Post('lookup')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Find an open request by the first 6 digits of the code',
    description:
      'Only the reference is sent; the 4 secret digits stay in the browser. Refusals: 404 disclosure-request-not-found, 429 rate-limited.',
  })
  @ApiOkResponse({ type: DisclosureRequestViewDto })
  lookup(
    @Req() req: AuthenticatedRequest,
    @Body() body: LookupDisclosureDto,
  ): Promise<DisclosureRequestViewDto> {
    return this.service.lookup(req.auth!.user, clientIp(req), body.reference);
  }

  @Post('requests/:id/approval')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Submit the signed approval (CMS) for the phone to fetch',
    description:
      'Verified like the phone does, plus revocation. Refusals: 422 with `reason` and the slug of the reason (e.g. certificate-revoked, not-article-3-professional, untrusted-chain, code-mismatch), 400 malformed-cms, 409 disclosure-request-closed / too-many-signatures, 404.',
  })
  @ApiOkResponse({ type: SubmittedApprovalDto })
  submit(
    @Req() req: AuthenticatedRequest,
    @Param() params: RequestIdParamDto,
    @Body() body: SubmitApprovalDto,
  ): Promise<SubmittedApprovalDto> {
    return this.service.submitApproval(req.auth!.user, clientIp(req), params.id, body.cms);
  }
}
