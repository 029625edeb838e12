import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID, Matches, MaxLength } from 'class-validator';
import type {
  ApprovalSigner,
  BackofficeDisclosureSettings,
  DisclosurePollResult,
  DisclosureRequestStatus,
  DisclosureRequestView,
  LookupDisclosureRequest,
  RegisterDisclosureRequest,
  RegisteredDisclosure,
  SubmitApprovalRequest,
  SubmittedApproval,
} from '../../../shared/disclosure-contract';

const STATUSES: DisclosureRequestStatus[] = ['open', 'signed', 'used', 'expired', 'cancelled'];
/** A CMS package with a chain of two RSA-2048 certificates is about 4 KiB; 64 KiB leaves room for long chains. */
const MAX_CMS_BASE64 = 87_384;

export class RegisterDisclosureDto implements RegisterDisclosureRequest {
  @ApiProperty({ description: 'The first 6 of the 10 digits the app shows', example: '482913' })
  @Matches(/^\d{6}$/, { message: 'reference must be 6 digits' })
  reference!: string;

  @ApiProperty({
    description: 'SHA-256 of the canonical upload (veilig.upload.v1), lower-case hex',
    example: '377eb184f0644cadb040ccf7064cc7c9fa7e79016f6416d6eab48c3a3aedcd9b',
  })
  @Matches(/^[0-9a-f]{64}$/, { message: 'uploadHash must be 64 lower-case hex digits' })
  uploadHash!: string;
}

export class RegisteredDisclosureDto implements RegisteredDisclosure {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'Secret for polling; shown once, stored only as a hash' })
  pollSecret!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;
}

export class DisclosurePollResultDto implements DisclosurePollResult {
  @ApiProperty({ enum: STATUSES })
  status!: DisclosureRequestStatus;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiPropertyOptional({ description: 'Base64 DER CMS SignedData of the GP approval, when signed' })
  approval?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  signedAt?: string;
}

export class RequestIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('4', { message: 'id must be a request id' })
  id!: string;
}

export class LookupDisclosureDto implements LookupDisclosureRequest {
  @ApiProperty({
    description: 'The first 6 digits; the portal keeps the other 4 (they go only into the signed approval)',
    example: '482913',
  })
  @Matches(/^\d{6}$/, { message: 'reference must be 6 digits' })
  reference!: string;
}

export class DisclosureRequestViewDto implements DisclosureRequestView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: STATUSES })
  status!: DisclosureRequestStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ description: 'Full upload hash (hex), signed into the approval' })
  uploadHash!: string;

  @ApiProperty({ example: '377e b184 f064 4cad' })
  uploadHashFingerprint!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  signedAt!: string | null;

  @ApiProperty()
  signatures!: number;

  @ApiProperty()
  maxSignatures!: number;
}

export class SubmitApprovalDto implements SubmitApprovalRequest {
  @ApiProperty({
    description: 'Base64 DER CMS SignedData (attached) over the veilig-disclosure-approval/1 text',
  })
  @MaxLength(MAX_CMS_BASE64)
  @Matches(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'cms must be base64' })
  cms!: string;
}

export class ApprovalSignerDto implements ApprovalSigner {
  @ApiProperty({ example: 'Anna de Vries' })
  name!: string;

  @ApiProperty({ example: '900000101' })
  uziNumber!: string;

  @ApiProperty({ example: '01.015' })
  role!: string;
}

export class SubmittedApprovalDto implements SubmittedApproval {
  @ApiProperty({ enum: ['signed'] })
  status!: 'signed';

  @ApiProperty({ format: 'date-time' })
  signedAt!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ type: ApprovalSignerDto })
  signer!: ApprovalSignerDto;
}

export class BackofficeDisclosureSettingsDto implements BackofficeDisclosureSettings {
  @ApiProperty({ example: 'http://127.0.0.1:8765' })
  smartCardBridgeUrl!: string;

  @ApiProperty({ example: 60 })
  requestTtlMinutes!: number;
}
