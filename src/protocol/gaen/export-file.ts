/**
 * Key export files (docs/protocols/gaen.md §B5): export.zip = export.bin (16-byte header ‖
 * TemporaryExposureKeyExport) + export.sig (TEKSignatureList, ECDSA P-256 over SHA-256 of the whole
 * export.bin, DER).
 *
 * The writer is shared with the server's aggregation job: it takes keys, metadata and a signer callback, so
 * key storage and rotation stay on the server. The reader verifies before it decodes keys and decodes them
 * into columns (typed arrays, no object per key) because a phone reads millions of keys.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

import { KEY_LENGTH, TEK_ROLLING_PERIOD } from './constants';
import { ExportFileError } from './errors';
import { decodeKeys, EXPORT_HEADER, indexExportBin, type ExportBinIndex } from './export-decoder';
import { DSOS_MISSING, FIELD_ABSENT, KeyColumns, type TemporaryExposureKey } from './keys';
import { ExportProto } from './proto';
import { PieceDeflater, readZip, writeZip } from './zip';

/**
 * OID of ecdsa-with-SHA256, the only signature algorithm we write and accept (docs/protocols/gaen.md §B5).
 */
export const ECDSA_P256_SHA256_OID = '1.2.840.10045.4.3.2';
/** Entry names inside export.zip. */
export const EXPORT_BIN = 'export.bin';
/** Entry name of the signature list. */
export const EXPORT_SIG = 'export.sig';
/**
 * Which key signed an export; devices look the public key up by id + version (docs/protocols/gaen.md §B5
 * SignatureInfo).
 */
export interface SignatureInfo {
  verificationKeyId: string;
  verificationKeyVersion: string;
  /** Defaults to ECDSA_P256_SHA256_OID. */
  signatureAlgorithm?: string;
}

/** Export-level fields of TemporaryExposureKeyExport (docs/protocols/gaen.md §B5). */
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
 * reveal upload order (docs/protocols/gaen.md §B5, ENS `exportfile.go`).
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
 * (docs/protocols/gaen.md §B5).
 */
export async function writeExportFile(
  content: ExportContent,
  signer: ExportSigner,
  options: { sortKeys?: boolean } = {},
): Promise<Uint8Array> {
  return signAndZip(encodeExportBin(content, options), content.metadata, signer);
}

/**
 * Writes a signed export.zip straight from key columns, in the order given, without an object per key: the
 * server's aggregation job writes files of 500,000 keys this way in flat memory. `order` lists column indices
 * (default: all, in column order); the caller shuffles, so upload order never shows
 * (docs/protocols/gaen.md §B5).
 */
export async function writeExportFileFromColumns(
  metadata: ExportMetadata,
  keys: KeyColumns,
  signer: ExportSigner,
  order?: ArrayLike<number>,
  into?: Buffer,
): Promise<Uint8Array> {
  return writeExportFileFromBlocks(metadata, columnSource(keys, order), signer, into);
}

/**
 * Keys for the block writer: `count` keys that the writer asks for in blocks, into reused columns. A caller
 * whose keys are not in columns (the aggregation job reads packed records) gathers them itself.
 */
export interface KeyBlockSource {
  count: number;
  /** Copies keys from..from+n-1 into `block`'s first n slots (its absent fields are preset). */
  fill(from: number, n: number, block: KeyColumns): void;
}

/**
 * Writes a signed export.zip from a block source, like writeExportFileFromColumns. export.bin is deflated on
 * the thread pool piece by piece while the next keys are encoded, so encoding costs almost no time of its
 * own: compression is the larger part (docs/protocols/gaen.md §B5).
 */
export async function writeExportFileFromBlocks(
  metadata: ExportMetadata,
  source: KeyBlockSource,
  signer: ExportSigner,
  into?: Buffer,
): Promise<Uint8Array> {
  const deflater = new PieceDeflater();
  try {
    const blocks = encodeInBlocks(metadata, source, into);
    let step = blocks.next();
    for (; !step.done; step = blocks.next()) {
      deflater.offer(step.value);
      // A turn of the event loop after each block: the deflater takes the next piece as soon as it is idle.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return await signAndZip(step.value, metadata, signer, deflater);
  } catch (e) {
    deflater.abort();
    throw e;
  }
}

/** Worst case per key: 2 (tag+len) + 18 (key) + 4 × 11 (varint fields) + 6 (sint32) = 70 bytes. */
const MAX_KEY_RECORD = 72;
/** Room for the header and metadata (region, batch numbers, signature infos): far more than they take. */
const EXPORT_HEAD_ROOM = 4096;

/**
 * A buffer that `encodeExportBinFromColumns` can encode up to `keyCount` keys into: a job writing several
 * large files reuses one instead of leaving each file's export.bin for the garbage collector.
 */
export function exportBinBuffer(keyCount: number): Buffer {
  return Buffer.allocUnsafe(EXPORT_HEAD_ROOM + keyCount * MAX_KEY_RECORD);
}

/**
 * Encodes export.bin from columns; byte-identical to `encodeExportBin` with `sortKeys: false` for the same
 * keys in the same order (TemporaryExposureKeyExport, docs/protocols/gaen.md §B5).
 */
export function encodeExportBinFromColumns(
  metadata: ExportMetadata,
  keys: KeyColumns,
  order?: ArrayLike<number>,
  into?: Buffer,
): Uint8Array {
  return encodeExportBinFromBlocks(metadata, columnSource(keys, order), into);
}

/** Encodes export.bin from a block source; byte-identical to encodeExportBinFromColumns for the same keys. */
export function encodeExportBinFromBlocks(
  metadata: ExportMetadata,
  source: KeyBlockSource,
  into?: Buffer,
): Uint8Array {
  const blocks = encodeInBlocks(metadata, source, into);
  let step = blocks.next();
  while (!step.done) step = blocks.next();
  return step.value;
}

/**
 * Encodes export.bin block by block into one buffer (`into` when it is large enough), yielding export.bin
 * as written so far after each block; returns the whole export.bin.
 */
function* encodeInBlocks(
  metadata: ExportMetadata,
  source: KeyBlockSource,
  into: Buffer | undefined,
): Generator<Uint8Array, Uint8Array> {
  validateMetadata(metadata);
  const head = ExportProto.TemporaryExposureKeyExport.encode(
    ExportProto.TemporaryExposureKeyExport.fromObject({
      startTimestamp: metadata.startTimestamp,
      endTimestamp: metadata.endTimestamp,
      region: metadata.region,
      batchNum: metadata.batchNum,
      batchSize: metadata.batchSize,
      signatureInfos: metadata.signatureInfos.map(toProtoInfo),
    }),
  ).finish();
  const { count } = source;
  const size = EXPORT_HEADER.length + head.length + count * MAX_KEY_RECORD;
  const out = into && into.length >= size ? into : Buffer.allocUnsafe(size);
  out.set(EXPORT_HEADER, 0);
  out.set(head, EXPORT_HEADER.length);
  let pos = EXPORT_HEADER.length + head.length;
  const block = KeyColumns.allocate(Math.min(GATHER_BLOCK, count));
  for (let from = 0; from < count; from += GATHER_BLOCK) {
    const n = Math.min(GATHER_BLOCK, count - from);
    source.fill(from, n, block);
    pos = encodeKeys(block, from, n, out, pos);
    yield out.subarray(0, pos);
  }
  return out.subarray(0, pos);
}

/** Columns as a block source: ranges copied as they are, or gathered in a shuffled order. */
function columnSource(keys: KeyColumns, order: ArrayLike<number> | undefined): KeyBlockSource {
  if (order) {
    // A shuffled order reads the columns at random, and the encoder's dependent stores serialise those
    // misses: gathering a block into small columns first lets them overlap (500,000 keys: 380 → 200 ms).
    return { count: order.length, fill: (from, n, block) => gatherKeys(keys, order, from, n, block) };
  }
  return { count: keys.count, fill: (from, n, block) => keys.copyRange(from, n, block) };
}

const GATHER_BLOCK = 4096;

/** Copies the keys at `order[from, from + n)` into `block`'s first n slots. */
function gatherKeys(
  keys: KeyColumns,
  order: ArrayLike<number>,
  from: number,
  n: number,
  block: KeyColumns,
): void {
  for (let j = 0; j < n; j++) {
    const i = order[from + j];
    for (let b = 0, src = i * KEY_LENGTH, dst = j * KEY_LENGTH; b < KEY_LENGTH; b++)
      block.keyData[dst + b] = keys.keyData[src + b];
    block.rollingStartIntervalNumber[j] = keys.rollingStartIntervalNumber[i];
    block.rollingPeriod[j] = keys.rollingPeriod[i];
    block.transmissionRiskLevel[j] = keys.transmissionRiskLevel[i];
    block.reportType[j] = keys.reportType[i];
    block.daysSinceOnsetOfSymptoms[j] = keys.daysSinceOnsetOfSymptoms[i];
    block.variantOfConcern[j] = keys.variantOfConcern[i];
  }
}

/**
 * Writes keys 0..n-1 of `keys` as `keys` entries (field 7) at `pos`; returns the new end. `first` numbers
 * them in errors.
 */
function encodeKeys(keys: KeyColumns, first: number, n: number, out: Buffer, pos: number): number {
  for (let i = 0; i < n; i++) {
    const rsin = keys.rollingStartIntervalNumber[i];
    const period = keys.rollingPeriod[i];
    if (rsin < 0 || period < 1 || period > TEK_ROLLING_PERIOD)
      throw new RangeError(`key ${first + i}: rolling start or period out of range`);
    out[pos] = 0x3a; // 7: keys (length-delimited; a key is < 128 bytes, so its length takes one byte)
    const start = pos + 2;
    let b = start;
    out[b++] = 0x0a; // 1: key_data
    out[b++] = KEY_LENGTH;
    for (let k = 0, src = i * KEY_LENGTH; k < KEY_LENGTH; k++) out[b++] = keys.keyData[src + k];
    const trl = keys.transmissionRiskLevel[i];
    if (trl !== FIELD_ABSENT) b = writeInt32Field(out, b, 0x10, trl); // 2: transmission_risk_level
    b = writeInt32Field(out, b, 0x18, rsin); // 3: rolling_start_interval_number
    b = writeInt32Field(out, b, 0x20, period); // 4: rolling_period
    const reportType = keys.reportType[i];
    if (reportType !== FIELD_ABSENT) b = writeInt32Field(out, b, 0x28, reportType); // 5: report_type
    const dsos = keys.daysSinceOnsetOfSymptoms[i];
    if (dsos !== DSOS_MISSING) {
      out[b++] = 0x30; // 6: days_since_onset_of_symptoms, sint32 (zig-zag)
      b = writeVarint32(out, b, ((dsos << 1) ^ (dsos >> 31)) >>> 0);
    }
    const voc = keys.variantOfConcern[i];
    if (voc !== FIELD_ABSENT) b = writeInt32Field(out, b, 0x40, voc); // 8: variant_of_concern
    out[pos + 1] = b - start;
    pos = b;
  }
  return pos;
}

function writeInt32Field(buf: Buffer, at: number, tag: number, value: number): number {
  buf[at++] = tag;
  if (value >= 0) return writeVarint32(buf, at, value);
  // Negative int32 is sign-extended to 64 bits on the wire: ten bytes.
  let lo = value >>> 0;
  for (let k = 0; k < 4; k++) {
    buf[at++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[at++] = (lo & 0x0f) | 0x70 | 0x80;
  for (let k = 0; k < 4; k++) buf[at++] = 0xff;
  buf[at++] = 0x01;
  return at;
}

function writeVarint32(buf: Buffer, at: number, value: number): number {
  while (value > 0x7f) {
    buf[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[at++] = value;
  return at;
}

/**
 * Signs export.bin and zips it with export.sig. When export.bin is being deflated on the thread pool
 * already, the signature is computed meanwhile.
 */
async function signAndZip(
  exportBin: Uint8Array,
  metadata: ExportMetadata,
  signer: ExportSigner,
  deflating?: PieceDeflater,
): Promise<Uint8Array> {
  const signatures = await signer(exportBin);
  if (!signatures.length) throw new Error('signer returned no signature');
  for (const s of signatures) {
    if (!metadata.signatureInfos.some((i) => sameKey(i, s.info))) {
      throw new Error(`signature by ${describe(s.info)} is not listed in metadata.signatureInfos`);
    }
  }
  const list = ExportProto.TEKSignatureList.fromObject({
    signatures: signatures.map((s) => ({
      signatureInfo: toProtoInfo(s.info),
      batchNum: metadata.batchNum,
      batchSize: metadata.batchSize,
      signature: s.signature,
    })),
  });
  const exportSig = ExportProto.TEKSignatureList.encode(list).finish();
  return writeZip(
    [
      { name: EXPORT_BIN, data: exportBin, deflated: await deflating?.end(exportBin) },
      { name: EXPORT_SIG, data: exportSig },
    ],
    new Date(metadata.endTimestamp * 1000),
  );
}

/**
 * A signer for one P-256 private key (KeyObject or PKCS#8 PEM): ECDSA over SHA-256(export.bin), DER
 * (docs/protocols/gaen.md §B5). For tests, the CLI and a server without an HSM.
 */
export function createEcdsaSigner(privateKey: KeyObject | string, info: SignatureInfo): ExportSigner {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return async (exportBin) => [
    { info, signature: new Uint8Array(sign('sha256', exportBin, { key, dsaEncoding: 'der' })) },
  ];
}

/** Export-level fields of a verified file. */
export interface VerifiedExportInfo {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: SignatureInfo[];
  /** The trusted key whose signature verified. */
  verifiedBy: SignatureInfo;
}

/** A read export file whose signature verified against a trusted key, with all keys decoded. */
export interface VerifiedExport extends VerifiedExportInfo {
  keys: KeyColumns;
  revisedKeys: KeyColumns;
}

/**
 * A verified export file whose keys are decoded on demand, in batches into reused columns, so memory stays
 * flat for files of 500,000 keys (docs/protocols/gaen.md §B5).
 */
export class OpenedExport implements VerifiedExportInfo {
  readonly startTimestamp: number;
  readonly endTimestamp: number;
  readonly region: string;
  readonly batchNum: number;
  readonly batchSize: number;
  readonly signatureInfos: SignatureInfo[];

  constructor(
    private readonly exportBin: Uint8Array,
    private readonly index: ExportBinIndex,
    readonly verifiedBy: SignatureInfo,
  ) {
    this.startTimestamp = index.startTimestamp;
    this.endTimestamp = index.endTimestamp;
    this.region = index.region;
    this.batchNum = index.batchNum;
    this.batchSize = index.batchSize;
    this.signatureInfos = index.signatureInfos.map(fromProtoInfo);
  }

  /** Number of keys. */
  get keyCount(): number {
    return this.index.keys.count;
  }

  /** Number of revised keys. */
  get revisedKeyCount(): number {
    return this.index.revisedKeys.count;
  }

  /**
   * Keys in batches of at most `size`. The yielded columns are reused: copy what must outlive the next
   * iteration. Throws ExportFileError (BAD_PROTOBUF, INVALID_KEY) at the first malformed key.
   */
  *keyBatches(size: number): Generator<KeyColumns> {
    const target = KeyColumns.allocate(Math.min(size, Math.max(1, this.keyCount)));
    for (let from = 0; from < this.keyCount; from += size) {
      yield decodeKeys(this.exportBin, this.index.keys, from, Math.min(from + size, this.keyCount), target);
    }
  }

  /** All keys in fresh columns. */
  keys(): KeyColumns {
    return decodeKeys(this.exportBin, this.index.keys, 0, this.keyCount);
  }

  /** All revised keys in fresh columns. */
  revisedKeys(): KeyColumns {
    return decodeKeys(this.exportBin, this.index.revisedKeys, 0, this.revisedKeyCount);
  }
}

/**
 * Reads export.zip: strict zip parsing with size caps, header check, signature verification against the
 * trusted keys (matched by verification_key_id/version); keys are decoded later, on demand. Throws
 * ExportFileError (docs/protocols/gaen.md §B5).
 */
export async function openExportFile(
  zip: Uint8Array,
  trustedKeys: readonly ExportVerificationKey[],
  limits: Partial<ExportReadLimits> = {},
): Promise<OpenedExport> {
  const caps = { ...DEFAULT_EXPORT_READ_LIMITS, ...limits };
  if (zip.length > caps.maxFileBytes) {
    throw new ExportFileError('ENTRY_TOO_LARGE', `file is ${zip.length} bytes, cap is ${caps.maxFileBytes}`);
  }
  const entries = readZip(zip, [
    { name: EXPORT_BIN, maxBytes: caps.maxExportBinBytes },
    { name: EXPORT_SIG, maxBytes: caps.maxExportSigBytes },
  ]);
  const exportBin = entries.get(EXPORT_BIN)!;
  const index = indexExportBin(exportBin);
  const verifiedBy = verifySignatures(exportBin, entries.get(EXPORT_SIG)!, index, trustedKeys);
  return new OpenedExport(exportBin, index, verifiedBy);
}

/**
 * Reads and verifies export.zip like openExportFile and decodes every key; throws ExportFileError
 * (docs/protocols/gaen.md §B5). For large files prefer openExportFile + keyBatches.
 */
export async function readExportFile(
  zip: Uint8Array,
  trustedKeys: readonly ExportVerificationKey[],
  limits: Partial<ExportReadLimits> = {},
): Promise<VerifiedExport> {
  const opened = await openExportFile(zip, trustedKeys, limits);
  return {
    startTimestamp: opened.startTimestamp,
    endTimestamp: opened.endTimestamp,
    region: opened.region,
    batchNum: opened.batchNum,
    batchSize: opened.batchSize,
    signatureInfos: opened.signatureInfos,
    verifiedBy: opened.verifiedBy,
    keys: opened.keys(),
    revisedKeys: opened.revisedKeys(),
  };
}

/**
 * Decodes export.bin without any signature check — for inspection tools and tests only; matching must use
 * readExportFile (docs/protocols/gaen.md §B5).
 */
export function decodeExportBinUnverified(exportBin: Uint8Array): Omit<VerifiedExport, 'verifiedBy'> {
  const index = indexExportBin(exportBin);
  return {
    startTimestamp: index.startTimestamp,
    endTimestamp: index.endTimestamp,
    region: index.region,
    batchNum: index.batchNum,
    batchSize: index.batchSize,
    signatureInfos: index.signatureInfos.map(fromProtoInfo),
    keys: decodeKeys(exportBin, index.keys, 0, index.keys.count),
    revisedKeys: decodeKeys(exportBin, index.revisedKeys, 0, index.revisedKeys.count),
  };
}

function verifySignatures(
  exportBin: Uint8Array,
  exportSig: Uint8Array,
  header: ExportBinIndex,
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
