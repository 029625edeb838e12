import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  roles,
  type CreateUserRequest,
  type Role,
  type UpdateUserRequest,
} from '../../../shared/api-contract';

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty()
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName!: string;

  @ApiProperty({ enum: roles, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(roles.length)
  @IsIn(roles, { each: true })
  roles!: Role[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  organisationId?: string;
}

export class OrganisationQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  organisationId?: string;
}

export class UserIdParamDto {
  @ApiProperty()
  @IsUUID()
  id!: string;
}

export class UpdateUserDto implements UpdateUserRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName?: string;

  @ApiPropertyOptional({ enum: roles, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(roles.length)
  @IsIn(roles, { each: true })
  roles?: Role[];
}
