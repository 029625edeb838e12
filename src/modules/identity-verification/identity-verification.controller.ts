import { Body, Controller, Get, Header, HttpCode, Post, Query, Redirect, Req } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, SkipCsrf } from '../accounts/auth/auth.decorators';
import {
  AuthorizeQueryDto,
  BlindSignatureDto,
  BlindSignatureRequestDto,
  ResultRequestDto,
  TokenKeysDto,
  VerificationResultDto,
} from './dto/identity.dto';
import { IdentityVerificationService } from './identity-verification.service';
import { TokenKeysService } from './token-keys.service';

/** A single query value or nothing: arrays (repeated parameters) and oversized values count as absent. */
function one(value: unknown, max = 2048): string | undefined {
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

/**
 * Identity-based verification for the app: login through the national identity provider in the system
 * browser, then the outcome and a blind signature on the app's anonymous upload token. Every refusal is
 * problem+json with a `reason` (docs/identity-verification.md).
 */
@ApiTags('identity verification')
@Public()
@SkipCsrf()
@Controller()
export class IdentityVerificationController {
  constructor(
    private readonly service: IdentityVerificationService,
    private readonly tokenKeys: TokenKeysService,
  ) {}

  @Get('api/v1/identity/authorize')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Start a login (opened by the app in the system browser); redirects to the national identity provider',
  })
  @ApiFoundResponse({ description: 'To the identity provider' })
  async authorize(
    @Query() query: AuthorizeQueryDto,
    @Req() req: Request,
  ): Promise<{ url: string; statusCode: number }> {
    const url = await this.service.startLogin(
      { redirectUri: query.redirect_uri, codeChallenge: query.code_challenge, appState: query.state },
      req.ip ?? 'unknown',
    );
    return { url, statusCode: 302 };
  }

  @Get('api/v1/identity/callback')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      "Redirect target of the identity provider; verifies, then redirects to the provider's logout or back to the app with a result code",
  })
  @ApiFoundResponse({ description: 'To the app redirect URI with `code` (and `state`)' })
  async callback(@Req() req: Request): Promise<{ url: string; statusCode: number }> {
    const q = req.query;
    const url = await this.service.completeLogin({
      code: one(q.code),
      state: one(q.state),
      error: one(q.error, 64),
      iss: one(q.iss),
    });
    return { url, statusCode: 302 };
  }

  @Get('api/v1/identity/logged-out')
  @Redirect()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      "Return from the identity provider's logout (post_logout_redirect_uri); redirects back to the app with a result code",
  })
  @ApiFoundResponse({ description: 'To the app redirect URI with `code` (and `state`)' })
  async loggedOut(@Req() req: Request): Promise<{ url: string; statusCode: number }> {
    return { url: await this.service.afterLogout(one(req.query.state)), statusCode: 302 };
  }

  @Post('api/v1/identity/verification')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Outcome of a login: sample date and token key, or the refusal',
    description:
      'Refusals: identity-not-verified, identity-blocked, identity-too-young, identity-test-too-old, identity-registry-unavailable, identity-login-failed.',
  })
  @ApiOkResponse({ type: VerificationResultDto })
  async result(@Body() body: ResultRequestDto): Promise<VerificationResultDto> {
    return this.service.result(body.code, body.codeVerifier);
  }

  @Post('api/v1/identity/blind-signature')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "Blind-sign the app's blinded upload token (RFC 9474), once per verification" })
  @ApiOkResponse({ type: BlindSignatureDto })
  async blindSignature(@Body() body: BlindSignatureRequestDto): Promise<BlindSignatureDto> {
    const signature = await this.service.blindSign(
      body.code,
      body.codeVerifier,
      body.keyId,
      Buffer.from(body.blindedMessage, 'base64url'),
    );
    return { blindSignature: Buffer.from(signature).toString('base64url') };
  }

  @Get('.well-known/veilig/identity-token-keys')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Token keys whose tokens are accepted: the app checks that its key is one of them',
  })
  @ApiOkResponse({ type: TokenKeysDto })
  async keys(): Promise<TokenKeysDto> {
    return { keys: await this.tokenKeys.published() };
  }
}
