import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { clientIp } from '../../common/http/client-ip';
import { forbidden } from '../../common/http/problem';
import type {
  CreatedUserView,
  OrganisationView,
  ResetPasswordView,
  UserView,
} from '../../shared/api-contract';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry } from '../audit/entities/audit-entry.entity';
import { AccountsService } from './accounts.service';
import { Roles, type AuthenticatedRequest } from './auth/auth.decorators';
import { CreateOrganisationDto } from './dto/create-organisation.dto';
import { CreateUserDto, OrganisationQueryDto, UpdateUserDto, UserIdParamDto } from './dto/create-user.dto';

class AuditQueryDto {
  @IsOptional()
  @IsUUID()
  organisationId?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9.-]{1,64}$/)
  action?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

@ApiTags('admin')
@Roles('admin', 'platform-admin')
@Controller('api/admin')
export class AdminController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly audit: AuditService,
  ) {}

  @Get('users')
  @ApiOperation({
    summary: "List users of the admin's organisation (platform admins: any, via organisationId)",
  })
  listUsers(@Req() req: AuthenticatedRequest, @Query() query: OrganisationQueryDto): Promise<UserView[]> {
    return this.accounts.listUsers(req.auth!.user, query.organisationId);
  }

  @Post('users')
  @ApiOperation({ summary: 'Create a user with a one-time password that must be changed at first sign-in' })
  createUser(@Req() req: AuthenticatedRequest, @Body() body: CreateUserDto): Promise<CreatedUserView> {
    return this.accounts.createUser(req.auth!.user, body, clientIp(req));
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's roles or name" })
  updateUser(
    @Req() req: AuthenticatedRequest,
    @Param() params: UserIdParamDto,
    @Body() body: UpdateUserDto,
  ): Promise<UserView> {
    return this.accounts.updateUser(req.auth!.user, params.id, body, clientIp(req));
  }

  @Post('users/:id/unlock')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a lock after failed sign-ins' })
  unlockUser(@Req() req: AuthenticatedRequest, @Param() params: UserIdParamDto): Promise<UserView> {
    return this.accounts.unlockUser(req.auth!.user, params.id, clientIp(req));
  }

  @Delete('users/:id')
  @HttpCode(204)
  deleteUser(@Req() req: AuthenticatedRequest, @Param() params: UserIdParamDto): Promise<void> {
    return this.accounts.deleteUser(req.auth!.user, params.id, clientIp(req));
  }

  @Post('users/:id/reset-password')
  @HttpCode(200)
  resetPassword(
    @Req() req: AuthenticatedRequest,
    @Param() params: UserIdParamDto,
  ): Promise<ResetPasswordView> {
    return this.accounts.resetPassword(req.auth!.user, params.id, clientIp(req));
  }

  @Roles('platform-admin')
  @Get('organisations')
  async listOrganisations(): Promise<OrganisationView[]> {
    return (await this.accounts.listOrganisations()).map(({ id, name, kind }) => ({ id, name, kind }));
  }

  @Roles('platform-admin')
  @Post('organisations')
  async createOrganisation(
    @Req() req: AuthenticatedRequest,
    @Body() body: CreateOrganisationDto,
  ): Promise<OrganisationView> {
    const { id, name, kind } = await this.accounts.createOrganisation(
      req.auth!.user,
      body.name,
      body.kind,
      clientIp(req),
    );
    return { id, name, kind };
  }

  @Get('audit')
  @ApiOperation({ summary: "Audit log of the admin's organisation, newest first" })
  async listAudit(@Req() req: AuthenticatedRequest, @Query() query: AuditQueryDto): Promise<AuditEntry[]> {
    const user = req.auth!.user;
    const platform = user.roles.includes('platform-admin');
    if (query.organisationId && !platform && query.organisationId !== user.organisationId) throw forbidden();
    return this.audit.list({
      organisationId: platform ? query.organisationId : user.organisationId,
      action: query.action,
      limit: query.limit ?? 100,
    });
  }
}
