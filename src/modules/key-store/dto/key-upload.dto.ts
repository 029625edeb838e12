import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { validationProblem, type FieldError } from '../../../common/http/validation';
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

/** The upload body, for the OpenAPI document; `checkKeyUploadBody` checks it. */
export class KeyUploadDto implements KeyUploadRequest {
  @ApiProperty({ type: [UploadedKeyDto], minItems: 1, maxItems: 30 })
  keys!: UploadedKeyDto[];

  @ApiPropertyOptional({
    example: 'NL',
    description: 'ISO 3166-1 alpha-2 country of origin; default the home region',
  })
  origin?: string;

  @ApiPropertyOptional({ example: ['DE', 'BE'], type: [String] })
  visitedCountries?: string[];

  @ApiPropertyOptional({ description: 'The user agreed to share these keys with other countries' })
  consentToFederation?: boolean;

  @ApiPropertyOptional({ description: 'Random filler; ignored' })
  padding?: string;

  @ApiPropertyOptional({
    description: 'Proof from a verification flow that does not use a bearer token (e.g. a signed approval)',
  })
  verification?: Record<string, unknown>;
}

/**
 * The upload body's fields as KeyUploadDto documents them, unknown fields refused, every problem listed;
 * the keys themselves are `checkUploadKeys`'s. By hand rather than class-validator: the hottest public
 * route, and its metadata walk and instance copy cost ~8 % of an upload's CPU.
 */
export function checkKeyUploadBody(body: unknown): KeyUploadRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw validationProblem([{ field: 'body', message: 'must be a JSON object' }]);
  const b = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const refuse = (field: string, message: string) => errors.push({ field, message });
  for (const field of Object.keys(b))
    if (!UPLOAD_FIELDS.has(field)) refuse(field, `property ${field} should not exist`);
  const absent = (v: unknown) => v === undefined || v === null;
  if (!Array.isArray(b.keys) || b.keys.length < 1 || b.keys.length > 30)
    refuse('keys', 'must be an array of 1 to 30 keys');
  if (!absent(b.origin) && !isShortString(b.origin, 2)) refuse('origin', 'must be a country code');
  if (
    !absent(b.visitedCountries) &&
    !(
      Array.isArray(b.visitedCountries) &&
      b.visitedCountries.length <= 60 &&
      b.visitedCountries.every((c) => isShortString(c, 2))
    )
  )
    refuse('visitedCountries', 'must be an array of at most 60 country codes');
  if (!absent(b.consentToFederation) && typeof b.consentToFederation !== 'boolean')
    refuse('consentToFederation', 'must be a boolean');
  if (!absent(b.padding) && !isShortString(b.padding, 32_768))
    refuse('padding', 'must be a string of at most 32,768 characters');
  if (!absent(b.verification) && (typeof b.verification !== 'object' || Array.isArray(b.verification)))
    refuse('verification', 'must be an object');
  if (errors.length) throw validationProblem(errors);
  return b as unknown as KeyUploadRequest;
}

const UPLOAD_FIELDS = new Set([
  'keys',
  'origin',
  'visitedCountries',
  'consentToFederation',
  'padding',
  'verification',
]);

function isShortString(value: unknown, maxLength: number): boolean {
  return typeof value === 'string' && value.length <= maxLength;
}

export class KeyUploadResponseDto {
  @ApiProperty()
  insertedKeys!: number;

  @ApiProperty({ description: 'Random 1–2 KiB; every answer carries it so sizes reveal nothing' })
  padding!: string;
}
