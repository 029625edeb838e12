import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { PublishedTokenKey } from '../../../protocol/identity';

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

/** Query of `GET /api/v1/identity/authorize`, opened by the app in the system browser (OAuth 2.0 style, RFC 8252). */
export class AuthorizeQueryDto {
  @ApiProperty({
    description: 'Registered app redirect URI (IDENTITY_APP_REDIRECT_URIS)',
    example: 'nl.veilig.app:/identity-callback',
  })
  @IsString()
  @MaxLength(512)
  redirect_uri!: string;

  @ApiProperty({
    description: "S256 challenge of the app's PKCE verifier (RFC 7636)",
    example: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  })
  @Matches(BASE64URL_43, { message: 'code_challenge must be 43 base64url characters' })
  code_challenge!: string;

  @ApiProperty({ enum: ['S256'] })
  @IsIn(['S256'])
  code_challenge_method!: 'S256';

  @ApiPropertyOptional({ description: 'Opaque value returned to the app unchanged' })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,256}$/, { message: 'state must be 1..256 printable ASCII characters' })
  state?: string;
}

export class ResultRequestDto {
  @ApiProperty({ description: 'Result code from the redirect back to the app' })
  @Matches(BASE64URL_43, { message: 'code must be 43 base64url characters' })
  code!: string;

  @ApiProperty({ description: "The app's PKCE code verifier (RFC 7636 §4.1)" })
  @Matches(/^[A-Za-z0-9._~-]{43,128}$/, { message: 'codeVerifier must be 43..128 unreserved characters' })
  codeVerifier!: string;
}

export class BlindSignatureRequestDto extends ResultRequestDto {
  @ApiProperty({ description: 'Token key id from the verification result' })
  @Matches(BASE64URL_43, { message: 'keyId must be 43 base64url characters' })
  keyId!: string;

  @ApiProperty({ description: 'RFC 9474 blinded message, base64url (as long as the key modulus)' })
  @Matches(/^[A-Za-z0-9_-]{100,1400}$/, { message: 'blindedMessage must be base64url' })
  blindedMessage!: string;
}

export class TokenKeyDto implements PublishedTokenKey {
  @ApiProperty({ description: 'base64url SHA-256 of the SPKI DER' })
  keyId!: string;

  @ApiProperty({ example: '2025-11-28', description: 'UTC day this key signs tokens on' })
  issuedOn!: string;

  @ApiProperty({ example: '2025-11-26', description: 'Sample date every token of this key vouches for' })
  sampleDate!: string;

  @ApiProperty({ example: 15 })
  maxKeys!: number;

  @ApiProperty({ description: 'Tokens of this key are refused from this moment' })
  notAfter!: string;

  @ApiProperty({ description: 'RSA public key, SPKI DER, base64' })
  publicKey!: string;
}

export class VerificationResultDto {
  @ApiProperty({ enum: [true] })
  verified!: true;

  @ApiProperty({ example: '2025-11-26' })
  sampleDate!: string;

  @ApiProperty({ type: TokenKeyDto })
  @Type(() => TokenKeyDto)
  tokenKey!: TokenKeyDto;
}

export class BlindSignatureDto {
  @ApiProperty({ description: 'RFC 9474 blind signature, base64url' })
  blindSignature!: string;
}

export class TokenKeysDto {
  @ApiProperty({ type: [TokenKeyDto] })
  keys!: TokenKeyDto[];
}
