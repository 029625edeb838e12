/**
 * Every migration in order, imported explicitly (no glob) so the same list works under jest, `nest build`
 * and the TypeORM CLI. Add new migrations at the end.
 */
import { AccountsAndAudit1764000000000 } from './1764000000000-accounts-and-audit';
import { VeiligBellen1764200000000 } from './1764200000000-veilig-bellen';
import { KeyStore1764300000000 } from './1764300000000-key-store';
import { IdentityVerification1764400000000 } from './1764400000000-identity-verification';
import { Federation1764500000000 } from './1764500000000-federation';
import { FederationKeyHashBytes1764500000001 } from './1764500000001-federation-key-hash-bytes';
import { Disclosure1764600000000 } from './1764600000000-disclosure';
import { ExportWindows1764700000000 } from './1764700000000-export-windows';
import { WriteProbe1764800000000 } from './1764800000000-write-probe';
import { CoarseStoredTimes1764900000000 } from './1764900000000-coarse-stored-times';
import { VeiligBellenCallPhases1765000000000 } from './1765000000000-veilig-bellen-call-phases';
import { VeiligBellenAmazonConnect1765100000000 } from './1765100000000-veilig-bellen-amazon-connect';

export const migrations = [
  AccountsAndAudit1764000000000,
  VeiligBellen1764200000000,
  KeyStore1764300000000,
  IdentityVerification1764400000000,
  Federation1764500000000,
  FederationKeyHashBytes1764500000001,
  Disclosure1764600000000,
  ExportWindows1764700000000,
  WriteProbe1764800000000,
  CoarseStoredTimes1764900000000,
  VeiligBellenCallPhases1765000000000,
  VeiligBellenAmazonConnect1765100000000,
];
