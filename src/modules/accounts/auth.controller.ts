import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomToken } from '../../common/crypto/tokens';
import { clientIp } from '../../common/http/client-ip';
import { tooManyRequests } from '../../common/http/problem';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { RateLimiter } from '../../infrastructure/rate-limiter';
import type { SessionUser } from '../../shared/api-contract';
import { AccountsService } from './accounts.service';
import { AllowPendingPassword, Public, type AuthenticatedRequest } from './auth/auth.decorators';
import { CSRF_COOKIE, sessionCookieName, sessionCookieOptions, setCsrfCookie } from './auth/cookies';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionService,
    private readonly rateLimiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('csrf')
  @ApiOperation({ summary: 'Issue the XSRF-TOKEN cookie (also set on any page load) and return it' })
  csrf(@Req() req: Request, @Res({ passthrough: true }) res: Response): { token: string } {
    const existing = (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
    const token = existing ?? randomToken();
    if (!existing) setCsrfCookie(res, token, this.config.http.secureCookies);
    return { token };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in; sets the httpOnly session cookie' })
  async login(
    @Body() body: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SessionUser> {
    const ip = clientIp(req);
    const limit = await this.rateLimiter.consume(`login:${ip}`, {
      limit: this.config.accounts.loginIpLimitPerMinute,
      windowMs: 60_000,
    });
    if (!limit.allowed)
      throw tooManyRequests(
        limit.retryAfterMs,
        'Too many sign-in attempts from your network; wait a minute.',
      );
    const { user, token } = await this.accounts.login(body.email, body.password, ip);
    const secure = this.config.http.secureCookies;
    res.cookie(sessionCookieName(secure), token, {
      ...sessionCookieOptions(secure),
      maxAge: this.config.accounts.sessionMaxMs,
    });
    // A fresh CSRF token per session: a token planted before login is not carried over.
    setCsrfCookie(res, randomToken(), secure);
    return this.accounts.toSessionUser(user);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const name = sessionCookieName(this.config.http.secureCookies);
    const token = (req.cookies as Record<string, string> | undefined)?.[name];
    if (token) await this.sessions.destroy(token);
    res.clearCookie(name, sessionCookieOptions(this.config.http.secureCookies));
  }

  @AllowPendingPassword()
  @Get('me')
  me(@Req() req: AuthenticatedRequest): SessionUser {
    return this.accounts.toSessionUser(req.auth!.user);
  }

  @AllowPendingPassword()
  @Post('change-password')
  @HttpCode(204)
  async changePassword(@Body() body: ChangePasswordDto, @Req() req: AuthenticatedRequest): Promise<void> {
    const { user, session } = req.auth!;
    await this.accounts.changePassword(
      user,
      body.currentPassword,
      body.newPassword,
      session.tokenHash,
      clientIp(req),
    );
  }
}
