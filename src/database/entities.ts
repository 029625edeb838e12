/**
 * Every entity, listed once: the app, the CLI DataSource (ormconfig.ts) and the drift test use this list.
 */
import { Organisation } from '../modules/accounts/entities/organisation.entity';
import { Session } from '../modules/accounts/entities/session.entity';
import { User } from '../modules/accounts/entities/user.entity';
import { AuditEntry } from '../modules/audit/entities/audit-entry.entity';
import { DisclosureRequest } from '../modules/disclosure/entities/disclosure-request.entity';
import { federationEntities } from '../modules/federation/entities';
import { WriteProbe } from '../modules/health/entities/write-probe.entity';
import { identityVerificationEntities } from '../modules/identity-verification/entities';
import { DiagnosisKey } from '../modules/key-store/entities/diagnosis-key.entity';
import { ExportBatch } from '../modules/key-store/entities/export-batch.entity';
import { ExportFile } from '../modules/key-store/entities/export-file.entity';
import { UsedUploadToken } from '../modules/key-store/entities/used-upload-token.entity';
import { CallSession } from '../modules/veilig-bellen/entities/call-session.entity';
import { MunicipalitySettings } from '../modules/veilig-bellen/entities/municipality-settings.entity';

export const entities = [
  Organisation,
  User,
  Session,
  AuditEntry,
  MunicipalitySettings,
  CallSession,
  DiagnosisKey,
  ExportBatch,
  ExportFile,
  UsedUploadToken,
  ...federationEntities,
  ...identityVerificationEntities,
  DisclosureRequest,
  WriteProbe,
];
