/**
 * Key export files (gaen.md §B5): export.zip = export.bin (16-byte header ‖ TemporaryExposureKeyExport) +
 * export.sig (TEKSignatureList, ECDSA P-256 over SHA-256 of the whole export.bin, DER).
 *
 * The writer is shared with the server's aggregation job: it takes keys, metadata and a signer callback, so
 * key storage and rotation stay on the server. The reader verifies before it decodes keys and decodes them
 * into columns (typed arrays, no object per key) because a phone reads millions of keys.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { Reader } from 'protobufjs/light';

import { KEY_LENGTH, TEK_ROLLING_PERIOD } from './constants';
import { ExportFileError } from './errors';
import { ExportProto, FIELD } from './proto';
import { readZip, writeZip } from './zip';

/** `EK Export v1` padded with four spaces to 16 bytes (gaen.md §B5). */
export const EXPORT_HEADER = new Uint8Array(Buffer.from('EK Export v1    ', 'latin1'));
/** OID of ecdsa-with-SHA256, the only signature algorithm we write and accept (gaen.md §B5). */
export const ECDSA_P256_SHA256_OID = '1.2.840.10045.4.3.2';
/** Entry names inside export.zip. */
export const EXPORT_BIN = 'export.bin';
/** Entry name of the signature list. */
export const EXPORT_SIG = 'export.sig';
/** Sentinel for "days since onset of symptoms not given" in key columns (Android uses Integer.MAX_VALUE). */
export const DSOS_MISSING = -0x80000000;
/** Sentinel for an absent optional int field in key columns. */
export const FIELD_ABSENT = -1;

/** Report types of a diagnosis key (gaen.md §B5/§B7). */
export enum ReportType {
  UNKNOWN = 0,
  CONFIRMED_TEST = 1,
  CONFIRMED_CLINICAL_DIAGNOSIS = 2,
  SELF_REPORT = 3,
  RECURSIVE = 4,
  REVOKED = 5,
}

/** A (diagnosis) Temporary Exposure Key as carried in an export (gaen.md §B5 TemporaryExposureKey). */
export interface TemporaryExposureKey {
  /** 16 bytes. */
  keyData: Uint8Array;
  /** ENIntervalNumber at which the key became valid. */
  rollingStartIntervalNumber: number;
  /** Intervals the key was valid for, 1..144 (144 when absent on the wire). */
  rollingPeriod: number;
  /** Deprecated v1 risk level 0..8; kept for old readers. */
  transmissionRiskLevel?: number;
  reportType?: ReportType;
  /** Days since onset of symptoms (sint32 on the wire). */
  daysSinceOnsetOfSymptoms?: number;
  variantOfConcern?: number;
}

/** Which key signed an export; devices look the public key up by id + version (gaen.md §B5 SignatureInfo). */
export interface SignatureInfo {
  verificationKeyId: string;
  verificationKeyVersion: string;
  /** Defaults to ECDSA_P256_SHA256_OID. */
  signatureAlgorithm?: string;
}

/** Export-level fields of TemporaryExposureKeyExport (gaen.md §B5). */
export interface ExportMetadata {
  /** Start of the window of key arrival at the server, Unix seconds. */
  startTimestamp: number;
  /** End of that window, Unix seconds. */
  endTimestamp: number;
  region: string;
  /** 1-based; use 1/1 (iOS does not support multi-file batches). */
  batchNum: number;
  batchSize: number;
  /** Most recent signing key first, at most 10; every signature the signer returns must be listed. */
  signatureInfos: SignatureInfo[];
}

/** One signature produced by a signer. */
export interface ExportSignature {
  info: SignatureInfo;
  /** DER-encoded ECDSA signature over SHA-256(export.bin). */
  signature: Uint8Array;
}

/** Signs the complete export.bin bytes; the server plugs in its key-rotation signer here. */
export type ExportSigner = (exportBin: Uint8Array) => Promise<ExportSignature[]>;

/** What to write into one export file. */
export interface ExportContent {
  metadata: ExportMetadata;
  keys: readonly TemporaryExposureKey[];
  /** Keys whose status changed since an earlier export (v1.5+), e.g. revoked. */
  revisedKeys?: readonly TemporaryExposureKey[];
}

/** A trusted public key for verifying exports. */
export interface ExportVerificationKey {
  verificationKeyId: string;
  verificationKeyVersion: string;
  /** P-256 public key: KeyObject, SPKI PEM string or SPKI DER bytes. */
  publicKey: KeyObject | string | Uint8Array;
}

/** Caps applied when reading; defaults allow ENS's maximum of 500,000 keys per file. */
export interface ExportReadLimits {
  /** Bytes of the zip itself. Default 32 MiB. */
  maxFileBytes: number;
  /** Inflated export.bin. Default 32 MiB (~1 M keys). */
  maxExportBinBytes: number;
  /** Inflated export.sig. Default 64 KiB (10 signatures need < 2 KiB). */
  maxExportSigBytes: number;
}

/** Default read caps (see ExportReadLimits). */
export const DEFAULT_EXPORT_READ_LIMITS: ExportReadLimits = {
  maxFileBytes: 32 * 1024 * 1024,
  maxExportBinBytes: 32 * 1024 * 1024,
  maxExportSigBytes: 64 * 1024,
};

/**
 * Encodes export.bin: header ‖ TemporaryExposureKeyExport; keys sorted by key bytes so the file does not
 * reveal upload order (gaen.md §B5, ENS `exportfile.go`).
 */
export function encodeExportBin(content: ExportContent, options: { sortKeys?: boolean } = {}): Uint8Array {
  const { metadata } = content;
  validateMetadata(metadata);
  const sortKeys = options.sortKeys ?? true;
  const prepare = (keys: readonly TemporaryExposureKey[]): object[] => {
    keys.forEach(validateKey);
    const list = sortKeys ? [...keys].sort((a, b) => Buffer.compare(a.keyData, b.keyData)) : keys;
    return list.map(toProtoKey);
  };
  const message = ExportProto.TemporaryExposureKeyExport.fromObject({
    startTimestamp: metadata.startTimestamp,
    endTimestamp: metadata.endTimestamp,
    region: metadata.region,
    batchNum: metadata.batchNum,
    batchSize: metadata.batchSize,
    signatureInfos: metadata.signatureInfos.map(toProtoInfo),
    keys: prepare(content.keys),
    revisedKeys: prepare(content.revisedKeys ?? []),
  });
  const body = ExportProto.TemporaryExposureKeyExport.encode(message).finish();
  const out = new Uint8Array(EXPORT_HEADER.length + body.length);
  out.set(EXPORT_HEADER, 0);
  out.set(body, EXPORT_HEADER.length);
  return out;
}

/**
 * Writes a signed export.zip (export.bin + export.sig). The signer sees the final export.bin bytes and may
 * return several signatures (one per active key version); each must be listed in metadata.signatureInfos
 * (gaen.md §B5).
 */
export async function writeExportFile(
  content: ExportContent,
  signer: ExportSigner,
  options: { sortKeys?: boolean } = {},
): Promise<Uint8Array> {
  const exportBin = encodeExportBin(content, options);
  const signatures = await signer(exportBin);
  if (!signatures.length) throw new Error('signer returned no signature');
  for (const s of signatures) {
    if (!content.metadata.signatureInfos.some((i) => sameKey(i, s.info))) {
      throw new Error(`signature by ${describe(s.info)} is not listed in metadata.signatureInfos`);
    }
  }
  const list = ExportProto.TEKSignatureList.fromObject({
    signatures: signatures.map((s) => ({
      signatureInfo: toProtoInfo(s.info),
      batchNum: content.metadata.batchNum,
      batchSize: content.metadata.batchSize,
      signature: s.signature,
    })),
  });
  const exportSig = ExportProto.TEKSignatureList.encode(list).finish();
  return writeZip(
    [
      { name: EXPORT_BIN, data: exportBin },
      { name: EXPORT_SIG, data: exportSig },
    ],
    new Date(content.metadata.endTimestamp * 1000),
  );
}

/**
 * A signer for one P-256 private key (KeyObject or PKCS#8 PEM): ECDSA over SHA-256(export.bin), DER
 * (gaen.md §B5). For tests, the CLI and a server without an HSM.
 */
export function createEcdsaSigner(privateKey: KeyObject | string, info: SignatureInfo): ExportSigner {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return async (exportBin) => [
    { info, signature: new Uint8Array(sign('sha256', exportBin, { key, dsaEncoding: 'der' })) },
  ];
}

/** Decoded TemporaryExposureKeys in columns: typed arrays indexed by key, no object per key. */
export class KeyColumns {
  constructor(
    readonly count: number,
    /** count × 16 bytes. */
    readonly keyData: Uint8Array,
    readonly rollingStartIntervalNumber: Int32Array,
    /** 1..144. */
    readonly rollingPeriod: Uint8Array,
    /** FIELD_ABSENT when not set. */
    readonly transmissionRiskLevel: Int32Array,
    /** FIELD_ABSENT when not set. */
    readonly reportType: Int32Array,
    /** DSOS_MISSING when not set. */
    readonly daysSinceOnsetOfSymptoms: Int32Array,
    /** FIELD_ABSENT when not set. */
    readonly variantOfConcern: Int32Array,
  ) {}

  /** Key `i` as an object (copies its 16 bytes). */
  key(i: number): TemporaryExposureKey {
    const key: TemporaryExposureKey = {
      keyData: this.keyData.slice(i * KEY_LENGTH, (i + 1) * KEY_LENGTH),
      rollingStartIntervalNumber: this.rollingStartIntervalNumber[i],
      rollingPeriod: this.rollingPeriod[i],
    };
    if (this.transmissionRiskLevel[i] !== FIELD_ABSENT)
      key.transmissionRiskLevel = this.transmissionRiskLevel[i];
    if (this.reportType[i] !== FIELD_ABSENT) key.reportType = this.reportType[i];
    if (this.daysSinceOnsetOfSymptoms[i] !== DSOS_MISSING) {
      key.daysSinceOnsetOfSymptoms = this.daysSinceOnsetOfSymptoms[i];
    }
    if (this.variantOfConcern[i] !== FIELD_ABSENT) key.variantOfConcern = this.variantOfConcern[i];
    return key;
  }

  /** All keys as objects; fine for small exports, use the columns for large ones. */
  toArray(): TemporaryExposureKey[] {
    return Array.from({ length: this.count }, (_, i) => this.key(i));
  }
}

/** A read export file whose signature verified against a trusted key. */
export interface VerifiedExport {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
  /** The trusted key whose signature verified. */
  verifiedBy: SignatureInfo;
  keys: KeyColumns;
  revisedKeys: KeyColumns;
}

/**
 * Reads export.zip: strict zip parsing with size caps, header check, signature verification against the
 * trusted keys (matched by verification_key_id/version), then decodes the keys. Throws ExportFileError
 * (gaen.md §B5).
 */
export async function readExportFile(
  zip: Uint8Array,
  trustedKeys: readonly ExportVerificationKey[],
  limits: Partial<ExportReadLimits> = {},
): Promise<VerifiedExport> {
  const caps = { ...DEFAULT_EXPORT_READ_LIMITS, ...limits };
  if (zip.length > caps.maxFileBytes) {
    throw new ExportFileError('ENTRY_TOO_LARGE', `file is ${zip.length} bytes, cap is ${caps.maxFileBytes}`);
  }
  const entries = readZip(zip, [
    { name: EXPORT_BIN, maxBytes: caps.maxExportBinBytes },
    { name: EXPORT_SIG, maxBytes: caps.maxExportSigBytes },
  ]);
  const exportBin = entries.get(EXPORT_BIN)!;
  const header = scanExportBin(exportBin);
  const verifiedBy = verifySignatures(exportBin, entries.get(EXPORT_SIG)!, header, trustedKeys);
  return {
    startTimestamp: header.startTimestamp,
    endTimestamp: header.endTimestamp,
    region: header.region,
    batchNum: header.batchNum,
    batchSize: header.batchSize,
    signatureInfos: header.signatureInfos,
    verifiedBy,
    keys: decodeKeyColumns(exportBin, header.keyRanges),
    revisedKeys: decodeKeyColumns(exportBin, header.revisedKeyRanges),
  };
}

/**
 * Decodes export.bin without any signature check — for inspection tools and tests only; matching must use
 * readExportFile (gaen.md §B5).
 */
export function decodeExportBinUnverified(exportBin: Uint8Array): Omit<VerifiedExport, 'verifiedBy'> {
  const header = scanExportBin(exportBin);
  return {
    startTimestamp: header.startTimestamp,
    endTimestamp: header.endTimestamp,
    region: header.region,
    batchNum: header.batchNum,
    batchSize: header.batchSize,
    signatureInfos: header.signatureInfos,
    keys: decodeKeyColumns(exportBin, header.keyRanges),
    revisedKeys: decodeKeyColumns(exportBin, header.revisedKeyRanges),
  };
}

interface ExportHeader {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
  /** [start, end) byte offsets of each embedded TemporaryExposureKey message. */
  keyRanges: number[];
  revisedKeyRanges: number[];
}

/** Walks the top level of export.bin: decodes scalar fields and remembers where each key message lies. */
function scanExportBin(exportBin: Uint8Array): ExportHeader {
  if (exportBin.length < EXPORT_HEADER.length) {
    throw new ExportFileError('BAD_HEADER', `export.bin has only ${exportBin.length} bytes`);
  }
  for (let i = 0; i < EXPORT_HEADER.length; i++) {
    if (exportBin[i] !== EXPORT_HEADER[i]) {
      throw new ExportFileError('BAD_HEADER', 'export.bin does not start with "EK Export v1    "');
    }
  }
  const header: ExportHeader = {
    startTimestamp: 0,
    endTimestamp: 0,
    region: '',
    batchNum: 1,
    batchSize: 1,
    signatureInfos: [],
    keyRanges: [],
    revisedKeyRanges: [],
  };
  const reader = Reader.create(exportBin);
  reader.pos = EXPORT_HEADER.length;
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === 1) header.startTimestamp = readFixed64(reader);
      else if (field === 2 && wire === 1) header.endTimestamp = readFixed64(reader);
      else if (field === 3 && wire === 2) header.region = reader.string();
      else if (field === 4 && wire === 0) header.batchNum = reader.int32();
      else if (field === 5 && wire === 0) header.batchSize = reader.int32();
      else if (field === 6 && wire === 2) {
        const info = ExportProto.SignatureInfo.decode(reader, reader.uint32());
        header.signatureInfos.push(fromProtoInfo(ExportProto.SignatureInfo.toObject(info)));
      } else if ((field === FIELD.export.keys || field === FIELD.export.revisedKeys) && wire === 2) {
        const length = reader.uint32();
        const start = reader.pos;
        reader.skip(length);
        (field === FIELD.export.keys ? header.keyRanges : header.revisedKeyRanges).push(
          start,
          start + length,
        );
      } else reader.skipType(wire);
    }
  } catch (err) {
    throw new ExportFileError(
      'BAD_PROTOBUF',
      `export.bin is not a TemporaryExposureKeyExport: ${message(err)}`,
    );
  }
  if (reader.pos !== reader.len) throw new ExportFileError('BAD_PROTOBUF', 'export.bin ends inside a field');
  return header;
}

function readFixed64(reader: Reader): number {
  const lo = reader.fixed32();
  const hi = reader.fixed32();
  return hi * 2 ** 32 + lo;
}

function verifySignatures(
  exportBin: Uint8Array,
  exportSig: Uint8Array,
  header: ExportHeader,
  trustedKeys: readonly ExportVerificationKey[],
): SignatureInfo {
  let signatures: { info: SignatureInfo; batchNum: number; batchSize: number; signature: Uint8Array }[];
  try {
    const list = ExportProto.TEKSignatureList.toObject(ExportProto.TEKSignatureList.decode(exportSig), {
      defaults: false,
    }) as { signatures?: ProtoTekSignature[] };
    signatures = (list.signatures ?? []).map((s) => ({
      info: fromProtoInfo(s.signatureInfo ?? {}),
      batchNum: s.batchNum ?? 1,
      batchSize: s.batchSize ?? 1,
      signature: s.signature ?? new Uint8Array(0),
    }));
  } catch (err) {
    throw new ExportFileError('BAD_PROTOBUF', `export.sig is not a TEKSignatureList: ${message(err)}`);
  }
  if (!signatures.some((s) => s.signature.length > 0)) {
    throw new ExportFileError('SIGNATURE_MISSING', 'export.sig holds no signature');
  }
  let verified: SignatureInfo | undefined;
  for (const s of signatures) {
    const trusted = trustedKeys.find((k) => sameKey(k, s.info));
    if (!trusted) continue;
    const algorithm = s.info.signatureAlgorithm ?? ECDSA_P256_SHA256_OID;
    if (algorithm !== ECDSA_P256_SHA256_OID) {
      throw new ExportFileError('UNSUPPORTED_ALGORITHM', `${describe(s.info)} uses ${algorithm}`);
    }
    if (s.batchNum !== header.batchNum || s.batchSize !== header.batchSize) {
      throw new ExportFileError(
        'BATCH_MISMATCH',
        `signature is for batch ${s.batchNum}/${s.batchSize}, export is ${header.batchNum}/${header.batchSize}`,
      );
    }
    let ok = false;
    try {
      ok = verify(
        'sha256',
        exportBin,
        { key: toPublicKey(trusted.publicKey), dsaEncoding: 'der' },
        s.signature,
      );
    } catch {
      ok = false; // malformed DER lands here: it is a bad signature, not a crash
    }
    // Every signature by a trusted key must hold: one good signature must not launder a forged one.
    if (!ok)
      throw new ExportFileError('SIGNATURE_INVALID', `signature by ${describe(s.info)} does not verify`);
    verified ??= s.info;
  }
  if (!verified) {
    const seen = signatures.map((s) => describe(s.info)).join(', ');
    throw new ExportFileError('UNKNOWN_SIGNING_KEY', `no signature from a trusted key (signed by: ${seen})`);
  }
  return verified;
}

interface ProtoTekSignature {
  signatureInfo?: ProtoSignatureInfo;
  batchNum?: number;
  batchSize?: number;
  signature?: Uint8Array;
}

interface ProtoSignatureInfo {
  verificationKeyId?: string;
  verificationKeyVersion?: string;
  signatureAlgorithm?: string;
}

const publicKeyCache = new WeakMap<object, KeyObject>();

function toPublicKey(key: KeyObject | string | Uint8Array): KeyObject {
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) return checkP256(key);
  if (typeof key === 'string') return checkP256(createPublicKey(key));
  const cached = publicKeyCache.get(key);
  if (cached) return cached;
  const created = checkP256(createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' }));
  publicKeyCache.set(key, created);
  return created;
}

function checkP256(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('export verification keys must be ECDSA P-256 public keys');
  }
  return key;
}

/** Decodes the key messages at the given ranges into columns, validating each (gaen.md §B5/§B6). */
function decodeKeyColumns(bin: Uint8Array, ranges: number[]): KeyColumns {
  const count = ranges.length / 2;
  const cols = new KeyColumns(
    count,
    new Uint8Array(count * KEY_LENGTH),
    new Int32Array(count),
    new Uint8Array(count),
    new Int32Array(count).fill(FIELD_ABSENT),
    new Int32Array(count).fill(FIELD_ABSENT),
    new Int32Array(count).fill(DSOS_MISSING),
    new Int32Array(count).fill(FIELD_ABSENT),
  );
  const reader = Reader.create(bin);
  for (let i = 0; i < count; i++) {
    reader.pos = ranges[2 * i];
    const end = ranges[2 * i + 1];
    let keyLength = -1;
    let rollingPeriod = TEK_ROLLING_PERIOD;
    let rsin = 0;
    try {
      while (reader.pos < end) {
        const tag = reader.uint32();
        switch (tag) {
          case (FIELD.key.keyData << 3) | 2: {
            keyLength = reader.uint32();
            if (keyLength === KEY_LENGTH && reader.pos + KEY_LENGTH <= end) {
              cols.keyData.set(bin.subarray(reader.pos, reader.pos + KEY_LENGTH), i * KEY_LENGTH);
            }
            reader.skip(keyLength);
            break;
          }
          case (FIELD.key.transmissionRiskLevel << 3) | 0:
            cols.transmissionRiskLevel[i] = reader.int32();
            break;
          case (FIELD.key.rollingStartIntervalNumber << 3) | 0:
            rsin = reader.int32();
            break;
          case (FIELD.key.rollingPeriod << 3) | 0:
            rollingPeriod = reader.int32();
            break;
          case (FIELD.key.reportType << 3) | 0:
            cols.reportType[i] = reader.int32();
            break;
          case (FIELD.key.daysSinceOnsetOfSymptoms << 3) | 0:
            cols.daysSinceOnsetOfSymptoms[i] = reader.sint32();
            break;
          case (FIELD.key.variantOfConcern << 3) | 0:
            cols.variantOfConcern[i] = reader.int32();
            break;
          default:
            reader.skipType(tag & 7);
        }
      }
    } catch (err) {
      throw new ExportFileError('BAD_PROTOBUF', `key ${i} is not a TemporaryExposureKey: ${message(err)}`);
    }
    if (reader.pos !== end) throw new ExportFileError('BAD_PROTOBUF', `key ${i} overruns its message`);
    if (keyLength !== KEY_LENGTH)
      throw new ExportFileError('INVALID_KEY', `key ${i} has ${keyLength} key bytes`);
    if (rsin < 0) throw new ExportFileError('INVALID_KEY', `key ${i} has a negative rolling start interval`);
    if (rollingPeriod < 1 || rollingPeriod > TEK_ROLLING_PERIOD) {
      throw new ExportFileError('INVALID_KEY', `key ${i} has rolling period ${rollingPeriod}`);
    }
    cols.rollingStartIntervalNumber[i] = rsin;
    cols.rollingPeriod[i] = rollingPeriod;
  }
  return cols;
}

function validateMetadata(m: ExportMetadata): void {
  if (
    !Number.isSafeInteger(m.startTimestamp) ||
    !Number.isSafeInteger(m.endTimestamp) ||
    m.startTimestamp < 0
  ) {
    throw new RangeError('start/end timestamps must be non-negative integer Unix seconds');
  }
  if (m.endTimestamp < m.startTimestamp) throw new RangeError('endTimestamp is before startTimestamp');
  if (
    !Number.isInteger(m.batchNum) ||
    !Number.isInteger(m.batchSize) ||
    m.batchNum < 1 ||
    m.batchNum > m.batchSize
  ) {
    throw new RangeError('batchNum must be in 1..batchSize');
  }
  if (m.signatureInfos.length === 0 || m.signatureInfos.length > 10) {
    throw new RangeError('an export lists 1 to 10 signature infos');
  }
}

function validateKey(k: TemporaryExposureKey): void {
  if (k.keyData.length !== KEY_LENGTH) throw new RangeError('keyData must be 16 bytes');
  if (!Number.isInteger(k.rollingStartIntervalNumber) || k.rollingStartIntervalNumber < 0) {
    throw new RangeError('rollingStartIntervalNumber must be a non-negative integer');
  }
  if (!Number.isInteger(k.rollingPeriod) || k.rollingPeriod < 1 || k.rollingPeriod > TEK_ROLLING_PERIOD) {
    throw new RangeError('rollingPeriod must be 1..144');
  }
}

function toProtoKey(k: TemporaryExposureKey): object {
  return {
    keyData: k.keyData,
    transmissionRiskLevel: k.transmissionRiskLevel,
    rollingStartIntervalNumber: k.rollingStartIntervalNumber,
    rollingPeriod: k.rollingPeriod,
    reportType: k.reportType,
    daysSinceOnsetOfSymptoms: k.daysSinceOnsetOfSymptoms,
    variantOfConcern: k.variantOfConcern,
  };
}

function toProtoInfo(i: SignatureInfo): ProtoSignatureInfo {
  return {
    verificationKeyId: i.verificationKeyId,
    verificationKeyVersion: i.verificationKeyVersion,
    signatureAlgorithm: i.signatureAlgorithm ?? ECDSA_P256_SHA256_OID,
  };
}

function fromProtoInfo(i: ProtoSignatureInfo): SignatureInfo {
  return {
    verificationKeyId: i.verificationKeyId ?? '',
    verificationKeyVersion: i.verificationKeyVersion ?? '',
    signatureAlgorithm: i.signatureAlgorithm ?? ECDSA_P256_SHA256_OID,
  };
}

function sameKey(
  a: Pick<SignatureInfo, 'verificationKeyId' | 'verificationKeyVersion'>,
  b: Pick<SignatureInfo, 'verificationKeyId' | 'verificationKeyVersion'>,
): boolean {
  return a.verificationKeyId === b.verificationKeyId && a.verificationKeyVersion === b.verificationKeyVersion;
}

function describe(i: SignatureInfo): string {
  return `${i.verificationKeyId}/${i.verificationKeyVersion}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
