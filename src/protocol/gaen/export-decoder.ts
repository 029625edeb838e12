/**
 * Reading export.bin without an object per key (docs/protocols/gaen.md §B5). protobufjs (see proto.ts)
 * encodes exports and decodes the small signature list; here a hand-written cursor walks
 * TemporaryExposureKeyExport, because a phone reads hundreds of thousands of keys per file and protobufjs'
 * per-field calls cost ~0.6 µs per key.
 */
import { KEY_LENGTH, TEK_ROLLING_PERIOD } from './constants';
import { ExportFileError } from './errors';
import { DSOS_MISSING, FIELD_ABSENT, KeyColumns } from './keys';
import { FIELD } from './proto';

/** `EK Export v1` padded with four spaces to 16 bytes (docs/protocols/gaen.md §B5). */
export const EXPORT_HEADER = new Uint8Array(Buffer.from('EK Export v1    ', 'latin1'));

/** Fields of a SignatureInfo (docs/protocols/gaen.md §B5). */
export interface DecodedSignatureInfo {
  verificationKeyId: string;
  verificationKeyVersion: string;
  signatureAlgorithm?: string;
}

/** [start, end) byte ranges of embedded messages, in a growable typed array. */
export class RangeList {
  private data = new Int32Array(256);
  private n = 0;

  /** Number of ranges. */
  get count(): number {
    return this.n;
  }

  /** Appends a range, growing the storage by doubling. */
  push(start: number, end: number): void {
    if (2 * this.n + 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * this.n] = start;
    this.data[2 * this.n + 1] = end;
    this.n++;
  }

  /** Start offset of range `i`. */
  start(i: number): number {
    return this.data[2 * i];
  }

  /** End offset (exclusive) of range `i`. */
  end(i: number): number {
    return this.data[2 * i + 1];
  }
}

/** Export-level fields and where each key lies. */
export interface ExportBinIndex {
  startTimestamp: number;
  endTimestamp: number;
  region: string;
  batchNum: number;
  batchSize: number;
  signatureInfos: DecodedSignatureInfo[];
  keys: RangeList;
  revisedKeys: RangeList;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
  ) {}

  /** A varint as a signed 32-bit value (int32 fields are sign-extended to 10 bytes on the wire). */
  varint32(end: number): number {
    const b = this.buf;
    let p = this.pos;
    if (p < end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (p >= end) throw new Error('varint runs past the end');
      const c = b[p++];
      if (shift < 32) value |= (c & 0x7f) << shift;
      if (c < 0x80) {
        this.pos = p;
        return value | 0;
      }
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** A length prefix, checked against what remains. */
  length(end: number): number {
    const n = this.varint32(end);
    if (n < 0 || this.pos + n > end) throw new Error('length runs past the end');
    return n;
  }

  skip(wire: number, end: number): void {
    if (wire === WIRE_VARINT) this.varint32(end);
    else if (wire === WIRE_FIXED64) this.advance(8, end);
    else if (wire === WIRE_BYTES) this.advance(this.length(end), end);
    else if (wire === WIRE_FIXED32) this.advance(4, end);
    else throw new Error(`unsupported wire type ${wire}`);
  }

  advance(n: number, end: number): void {
    if (this.pos + n > end) throw new Error('field runs past the end');
    this.pos += n;
  }

  fixed64(end: number): number {
    this.advance(8, end);
    const b = this.buf;
    const p = this.pos - 8;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    return hi * 2 ** 32 + lo;
  }

  string(end: number): string {
    const n = this.length(end);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }
}

/**
 * Checks the 16-byte header and walks the top level of export.bin: decodes the export fields and records
 * where each key message lies, without decoding keys (docs/protocols/gaen.md §B5). Throws BAD_HEADER /
 * BAD_PROTOBUF.
 */
export function indexExportBin(exportBin: Uint8Array): ExportBinIndex {
  if (exportBin.length < EXPORT_HEADER.length) {
    throw new ExportFileError('BAD_HEADER', `export.bin has only ${exportBin.length} bytes`);
  }
  for (let i = 0; i < EXPORT_HEADER.length; i++) {
    if (exportBin[i] !== EXPORT_HEADER[i]) {
      throw new ExportFileError('BAD_HEADER', 'export.bin does not start with "EK Export v1    "');
    }
  }
  const index: ExportBinIndex = {
    startTimestamp: 0,
    endTimestamp: 0,
    region: '',
    batchNum: 1,
    batchSize: 1,
    signatureInfos: [],
    keys: new RangeList(),
    revisedKeys: new RangeList(),
  };
  const c = new Cursor(exportBin, EXPORT_HEADER.length);
  const end = exportBin.length;
  try {
    while (c.pos < end) {
      const tag = c.varint32(end);
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 && wire === WIRE_FIXED64) index.startTimestamp = c.fixed64(end);
      else if (field === 2 && wire === WIRE_FIXED64) index.endTimestamp = c.fixed64(end);
      else if (field === 3 && wire === WIRE_BYTES) index.region = c.string(end);
      else if (field === 4 && wire === WIRE_VARINT) index.batchNum = c.varint32(end);
      else if (field === 5 && wire === WIRE_VARINT) index.batchSize = c.varint32(end);
      else if (field === 6 && wire === WIRE_BYTES)
        index.signatureInfos.push(signatureInfo(c, c.length(end) + c.pos));
      else if ((field === FIELD_KEYS || field === FIELD_REVISED_KEYS) && wire === WIRE_BYTES) {
        const n = c.length(end);
        (field === FIELD_KEYS ? index.keys : index.revisedKeys).push(c.pos, c.pos + n);
        c.pos += n;
      } else c.skip(wire, end);
    }
  } catch (err) {
    throw new ExportFileError(
      'BAD_PROTOBUF',
      `export.bin is not a TemporaryExposureKeyExport: ${(err as Error).message}`,
    );
  }
  return index;
}

function signatureInfo(c: Cursor, end: number): DecodedSignatureInfo {
  const info: DecodedSignatureInfo = { verificationKeyId: '', verificationKeyVersion: '' };
  while (c.pos < end) {
    const tag = c.varint32(end);
    if (tag === ((3 << 3) | WIRE_BYTES)) info.verificationKeyVersion = c.string(end);
    else if (tag === ((4 << 3) | WIRE_BYTES)) info.verificationKeyId = c.string(end);
    else if (tag === ((5 << 3) | WIRE_BYTES)) info.signatureAlgorithm = c.string(end);
    else c.skip(tag & 7, end);
  }
  return info;
}

// Module-local copies: under tsx/jest, imported bindings are getters, too slow for per-key loops.
const KEY_BYTES = KEY_LENGTH;
const MAX_ROLLING_PERIOD = TEK_ROLLING_PERIOD;
const NO_DSOS = DSOS_MISSING;
const ABSENT = FIELD_ABSENT;
const FIELD_KEYS = FIELD.export.keys;
const FIELD_REVISED_KEYS = FIELD.export.revisedKeys;
const TAG_KEY_DATA = (FIELD.key.keyData << 3) | WIRE_BYTES;
const TAG_TRL = (FIELD.key.transmissionRiskLevel << 3) | WIRE_VARINT;
const TAG_RSIN = (FIELD.key.rollingStartIntervalNumber << 3) | WIRE_VARINT;
const TAG_ROLLING_PERIOD = (FIELD.key.rollingPeriod << 3) | WIRE_VARINT;
const TAG_REPORT_TYPE = (FIELD.key.reportType << 3) | WIRE_VARINT;
const TAG_DSOS = (FIELD.key.daysSinceOnsetOfSymptoms << 3) | WIRE_VARINT;
const TAG_VARIANT = (FIELD.key.variantOfConcern << 3) | WIRE_VARINT;

/**
 * Decodes keys [from, to) of `ranges` into `target` (reused across calls to keep memory flat) and returns a
 * view of the decoded ones; validates each key (16 bytes, RSIN ≥ 0, rolling period 1..144) —
 * docs/protocols/gaen.md §B5/§B6.
 */
export function decodeKeys(
  exportBin: Uint8Array,
  ranges: RangeList,
  from: number,
  to: number,
  target: KeyColumns = KeyColumns.allocate(to - from),
): KeyColumns {
  const count = to - from;
  if (target.count < count) throw new RangeError('target columns too small');
  const c = new Cursor(exportBin, 0);
  const keyData = target.keyData;
  for (let k = 0; k < count; k++) {
    const i = from + k;
    c.pos = ranges.start(i);
    const end = ranges.end(i);
    let keyLength = -1;
    let rsin = 0;
    let rollingPeriod = MAX_ROLLING_PERIOD;
    let trl = ABSENT;
    let reportType = ABSENT;
    let dsos = NO_DSOS;
    let variant = ABSENT;
    try {
      while (c.pos < end) {
        const tag = c.varint32(end);
        if (tag === TAG_KEY_DATA) {
          keyLength = c.length(end);
          if (keyLength === KEY_BYTES) {
            // A byte loop: a subarray per key would allocate a million short-lived views per million keys.
            const src = c.pos;
            const dst = k * KEY_BYTES;
            for (let b = 0; b < KEY_BYTES; b++) keyData[dst + b] = exportBin[src + b];
          }
          c.pos += keyLength;
        } else if (tag === TAG_RSIN) rsin = c.varint32(end);
        else if (tag === TAG_ROLLING_PERIOD) rollingPeriod = c.varint32(end);
        else if (tag === TAG_REPORT_TYPE) reportType = c.varint32(end);
        else if (tag === TAG_DSOS) {
          const z = c.varint32(end);
          dsos = (z >>> 1) ^ -(z & 1); // zig-zag: sint32
        } else if (tag === TAG_TRL) trl = c.varint32(end);
        else if (tag === TAG_VARIANT) variant = c.varint32(end);
        else c.skip(tag & 7, end);
      }
    } catch (err) {
      throw new ExportFileError(
        'BAD_PROTOBUF',
        `key ${i} is not a TemporaryExposureKey: ${(err as Error).message}`,
      );
    }
    if (keyLength !== KEY_BYTES)
      throw new ExportFileError('INVALID_KEY', `key ${i} has ${keyLength} key bytes`);
    if (rsin < 0) throw new ExportFileError('INVALID_KEY', `key ${i} has a negative rolling start interval`);
    if (rollingPeriod < 1 || rollingPeriod > MAX_ROLLING_PERIOD) {
      throw new ExportFileError('INVALID_KEY', `key ${i} has rolling period ${rollingPeriod}`);
    }
    target.rollingStartIntervalNumber[k] = rsin;
    target.rollingPeriod[k] = rollingPeriod;
    target.transmissionRiskLevel[k] = trl;
    target.reportType[k] = reportType;
    target.daysSinceOnsetOfSymptoms[k] = dsos;
    target.variantOfConcern[k] = variant;
  }
  return count === target.count ? target : target.view(count);
}
