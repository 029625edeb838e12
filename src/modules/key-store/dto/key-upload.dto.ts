import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import type { KeyUploadRequest, UploadedKey } from '../../../protocol/key-upload';

/**
 * One key, for the OpenAPI document. Its checks (shape, unknown fields, ranges, alignment, overlaps) are
 * `checkUploadKeys`, which names the key of every refusal; a nested class-validator pass over up to 30
 * keys cost more CPU than storing them.
 */
export class UploadedKeyDto implements UploadedKey {
  @ApiProperty({
    description: 'Base64 of the 16-byte Temporary Exposure Key',
    example: 'dcc0xt0aeC3nqWXaXrkxJQ==',
  })
  key!: string;

  @ApiProperty({
    description: 'ENIntervalNumber of the key start: a UTC midnight (multiple of 144)',
    example: 2642976,
  })
  rollingStartIntervalNumber!: number;

  @ApiProperty({ minimum: 1, maximum: 144, example: 144 })
  rollingPeriod!: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 8 })
  transmissionRiskLevel?: number;

  @ApiPropertyOptional({
    minimum: -14,
    maximum: 14,
    description: 'Derived from the verified onset or sample date when absent',
  })
  daysSinceOnsetOfSymptoms?: number;
}

export class KeyUploadDto implements KeyUploadRequest {
  @ApiProperty({ type: [UploadedKeyDto], minItems: 1, maxItems: 30 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(30)
  keys!: UploadedKeyDto[];

  @ApiPropertyOptional({
    example: 'NL',
    description: 'ISO 3166-1 alpha-2 country of origin; default the home region',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2)
  origin?: string;

  @ApiPropertyOptional({ example: ['DE', 'BE'], type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(60)
  @IsString({ each: true })
  @MaxLength(2, { each: true })
  visitedCountries?: string[];

  @ApiPropertyOptional({ description: 'The user agreed to share these keys with other countries' })
  @IsOptional()
  @IsBoolean()
  consentToFederation?: boolean;

  @ApiPropertyOptional({ description: 'Random filler; ignored' })
  @IsOptional()
  @IsString()
  @MaxLength(32_768)
  padding?: string;

  @ApiPropertyOptional({
    description: 'Proof from a verification flow that does not use a bearer token (e.g. a signed approval)',
  })
  @IsOptional()
  @IsObject()
  verification?: Record<string, unknown>;
}

export class KeyUploadResponseDto {
  @ApiProperty()
  insertedKeys!: number;

  @ApiProperty({ description: 'Random 1–2 KiB; every answer carries it so sizes reveal nothing' })
  padding!: string;
}
