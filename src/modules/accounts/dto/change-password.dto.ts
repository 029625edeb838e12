import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { passwordPolicy, type ChangePasswordRequest } from '../../../shared/api-contract';

export class ChangePasswordDto implements ChangePasswordRequest {
  @ApiProperty()
  @IsString()
  @MaxLength(256)
  currentPassword!: string;

  @ApiProperty({ minLength: passwordPolicy.minLength, maxLength: passwordPolicy.maxLength })
  @IsString()
  @MinLength(passwordPolicy.minLength, {
    message: `newPassword must be at least ${passwordPolicy.minLength} characters`,
  })
  @MaxLength(passwordPolicy.maxLength)
  newPassword!: string;
}
