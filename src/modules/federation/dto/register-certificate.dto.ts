import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CERTIFICATE_TYPES, type CertificateType } from '../entities/federation-certificate.entity';

/** Onboarding of one certificate into the gateway registry (docs/protocols/efgs.md §A6). */
export class RegisterCertificateDto {
  @ApiProperty({ description: 'The certificate as PEM text, byte for byte what the trust anchor signed' })
  @IsString()
  @MaxLength(20_000)
  @Matches(/-----BEGIN CERTIFICATE-----/, { message: 'pem must be a PEM certificate' })
  pem!: string;

  @ApiProperty({ enum: CERTIFICATE_TYPES })
  @IsIn(CERTIFICATE_TYPES)
  type!: CertificateType;

  @ApiProperty({ description: 'Base64 of `openssl dgst -sha256 -sign trustanchor.key cert.pem`' })
  @IsBase64()
  @MaxLength(4096)
  signature!: string;

  @ApiPropertyOptional({
    description: 'CALLBACK only: host of the callback URLs (default: the certificate CN)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9.-]{1,253}$|^[0-9a-fA-F:.]{2,45}$/, {
    message: 'host must be a host name or an IP address',
  })
  host?: string;
}

export class IdParamDto {
  @Matches(/^[0-9a-f-]{36}$/)
  id!: string;
}
