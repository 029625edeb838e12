import { Root } from 'protobufjs';
import type { EfgsFormat } from './content-type';
import { DiagnosisKey, DiagnosisKeyBatch, ReportType } from './diagnosis-key';

/** A body that cannot be turned into a `DiagnosisKeyBatch`; the gateway answers 400 with `{"message": …}`. */
export class EfgsFormatError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = 'EfgsFormatError';
  }
}

// docs/protocols/efgs.md §A2, built in code so nothing reads a .proto at run time. Field 8 is sint32
// (zig-zag) since EFGS commit f1a3356; encoding it as uint32/int32 would corrupt every negative DSOS.
const EFGS_PROTO = {
  nested: {
    eu: {
      nested: {
        interop: {
          nested: {
            DiagnosisKeyBatch: { fields: { keys: { rule: 'repeated', type: 'DiagnosisKey', id: 1 } } },
            DiagnosisKey: {
              fields: {
                keyData: { type: 'bytes', id: 1 },
                rollingStartIntervalNumber: { type: 'uint32', id: 2 },
                rollingPeriod: { type: 'uint32', id: 3 },
                transmissionRiskLevel: { type: 'int32', id: 4 },
                visitedCountries: { rule: 'repeated', type: 'string', id: 5 },
                origin: { type: 'string', id: 6 },
                reportType: { type: 'ReportType', id: 7 },
                days_since_onset_of_symptoms: { type: 'sint32', id: 8 },
              },
            },
            ReportType: {
              values: {
                UNKNOWN: 0,
                CONFIRMED_TEST: 1,
                CONFIRMED_CLINICAL_DIAGNOSIS: 2,
                SELF_REPORT: 3,
                RECURSIVE: 4,
                REVOKED: 5,
              },
            },
          },
        },
      },
    },
  },
};

const batchType = Root.fromJSON(EFGS_PROTO).lookupType('eu.interop.DiagnosisKeyBatch');

/**
 * Fully qualified message name, for the `X-Protobuf-Message` response header (docs/protocols/efgs.md §A1).
 */
export const EFGS_PROTOBUF_MESSAGE = 'eu.interop.DiagnosisKeyBatch';
/** Schema file name, for the `X-Protobuf-Schema` response header (docs/protocols/efgs.md §A1). */
export const EFGS_PROTOBUF_SCHEMA = 'Efgs.proto';

interface WireKey {
  keyData?: Uint8Array;
  rollingStartIntervalNumber?: number;
  rollingPeriod?: number;
  transmissionRiskLevel?: number;
  visitedCountries?: string[];
  origin?: string;
  reportType?: number;
  days_since_onset_of_symptoms?: number;
}

const UINT32_MAX = 0xffffffff;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

// Defaults are left out as proto3 serialisers do, so our bytes equal Java's and C#'s for the same key
// (the member's batchTag is a hash of these bytes). protobufjs would otherwise write explicit zeros.
function toWire(key: DiagnosisKey): WireKey {
  const wire: WireKey = {};
  if (key.keyData.length > 0) wire.keyData = key.keyData;
  const rsin = checkInt('rollingStartIntervalNumber', key.rollingStartIntervalNumber, 0, UINT32_MAX);
  if (rsin !== 0) wire.rollingStartIntervalNumber = rsin;
  const rp = checkInt('rollingPeriod', key.rollingPeriod, 0, UINT32_MAX);
  if (rp !== 0) wire.rollingPeriod = rp;
  const trl = checkInt('transmissionRiskLevel', key.transmissionRiskLevel, INT32_MIN, INT32_MAX);
  if (trl !== 0) wire.transmissionRiskLevel = trl;
  if (key.visitedCountries.length > 0) wire.visitedCountries = key.visitedCountries;
  if (key.origin !== '') wire.origin = key.origin;
  const reportType = checkInt('reportType', key.reportType, INT32_MIN, INT32_MAX);
  if (reportType !== 0) wire.reportType = reportType;
  const dsos = checkInt('daysSinceOnsetOfSymptoms', key.daysSinceOnsetOfSymptoms, INT32_MIN, INT32_MAX);
  if (dsos !== 0) wire.days_since_onset_of_symptoms = dsos;
  return wire;
}

/**
 * Serialises a batch as the EFGS protobuf `DiagnosisKeyBatch` (docs/protocols/efgs.md §A2). Deterministic:
 * fields in number order, proto3 defaults omitted. Throws RangeError for values that do not fit their wire
 * type instead of truncating them silently.
 */
export function encodeBatchProtobuf(batch: DiagnosisKeyBatch): Uint8Array {
  return batchType.encode({ keys: batch.keys.map(toWire) }).finish();
}

/**
 * Parses a protobuf `DiagnosisKeyBatch` body (docs/protocols/efgs.md §A2); absent fields take their proto3
 * defaults. Throws {@link EfgsFormatError} (400) on malformed input.
 */
export function decodeBatchProtobuf(body: Uint8Array): DiagnosisKeyBatch {
  let decoded: { keys?: WireKey[] };
  try {
    decoded = batchType.decode(body) as { keys?: WireKey[] };
  } catch (error) {
    throw new EfgsFormatError(`Invalid protobuf body: ${(error as Error).message}`);
  }
  return {
    keys: (decoded.keys ?? []).map((wire) => ({
      // Copy: protobufjs hands out views into the request buffer.
      keyData: new Uint8Array(wire.keyData ?? new Uint8Array(0)),
      rollingStartIntervalNumber: wire.rollingStartIntervalNumber ?? 0,
      rollingPeriod: wire.rollingPeriod ?? 0,
      transmissionRiskLevel: wire.transmissionRiskLevel ?? 0,
      visitedCountries: [...(wire.visitedCountries ?? [])],
      origin: wire.origin ?? '',
      reportType: wire.reportType ?? ReportType.UNKNOWN,
      daysSinceOnsetOfSymptoms: wire.days_since_onset_of_symptoms ?? 0,
    })),
  };
}

/**
 * Serialises a batch in the EFGS JSON form (docs/protocols/efgs.md §A1): `{"keys":[…]}`, proto field names,
 * base64 `keyData`, `reportType` as enum name. Unlike EFGS we write default values too, because JavaScript
 * clients (CG-L, CG-I) read the fields without defaulting them.
 */
export function encodeBatchJson(batch: DiagnosisKeyBatch): string {
  return JSON.stringify({
    keys: batch.keys.map((key) => ({
      keyData: Buffer.from(key.keyData).toString('base64'),
      rollingStartIntervalNumber: key.rollingStartIntervalNumber,
      rollingPeriod: key.rollingPeriod,
      transmissionRiskLevel: key.transmissionRiskLevel,
      visitedCountries: key.visitedCountries,
      origin: key.origin,
      reportType: (ReportType[key.reportType] as string | undefined) ?? key.reportType,
      days_since_onset_of_symptoms: key.daysSinceOnsetOfSymptoms,
    })),
  });
}

const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;

/**
 * Strict standard-alphabet base64 as Java's `Base64.getDecoder()` accepts it: padding optional but, if
 * present, correct; no whitespace (`keyData` in docs/protocols/efgs.md §A1, the thumbprint header in
 * docs/protocols/efgs.md §A6). Node's own decoder silently skips bad characters.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  const padding = text.length - body.length;
  if (!BASE64_CHARS.test(body) || body.length % 4 === 1) return undefined;
  if (padding > 0 && (text.length % 4 !== 0 || padding !== (4 - (body.length % 4)) % 4)) return undefined;
  return new Uint8Array(Buffer.from(body, 'base64'));
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// proto3 JSON allows integers as numbers or decimal strings; null/absent means the default.
function jsonInt(key: JsonObject, names: string[], min: number, max: number): number {
  const name = names.find((n) => key[n] !== undefined && key[n] !== null);
  if (name === undefined) return 0;
  const raw = key[name];
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EfgsFormatError(`Invalid value for ${name} in JSON object`);
  }
  return value;
}

function jsonReportType(key: JsonObject): ReportType {
  const raw = key['reportType'];
  if (raw === undefined || raw === null) return ReportType.UNKNOWN;
  const byName = typeof raw === 'string' ? (ReportType as unknown as Record<string, number>)[raw] : undefined;
  if (typeof byName === 'number') return byName;
  if (typeof raw === 'number' && typeof ReportType[raw] === 'string') return raw;
  throw new EfgsFormatError('Invalid value for reportType in JSON object');
}

function jsonString(key: JsonObject, name: string): string {
  const raw = key[name];
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string') throw new EfgsFormatError(`Invalid value for ${name} in JSON object`);
  return raw;
}

function jsonKey(raw: unknown): DiagnosisKey {
  if (!isObject(raw)) throw new EfgsFormatError('Invalid key in JSON object');
  const keyDataText = raw['keyData'] ?? '';
  const keyData = typeof keyDataText === 'string' ? decodeBase64Strict(keyDataText) : undefined;
  if (keyData === undefined) throw new EfgsFormatError('Invalid Base64 in JSON object');
  const visited = raw['visitedCountries'] ?? [];
  if (!Array.isArray(visited) || !visited.every((c): c is string => typeof c === 'string')) {
    throw new EfgsFormatError('Invalid value for visitedCountries in JSON object');
  }
  return {
    keyData,
    rollingStartIntervalNumber: jsonInt(raw, ['rollingStartIntervalNumber'], 0, UINT32_MAX),
    rollingPeriod: jsonInt(raw, ['rollingPeriod'], 0, UINT32_MAX),
    transmissionRiskLevel: jsonInt(raw, ['transmissionRiskLevel'], INT32_MIN, INT32_MAX),
    visitedCountries: [...visited],
    origin: jsonString(raw, 'origin'),
    reportType: jsonReportType(raw),
    // The proto name is what EFGS writes; the lowerCamel form is what proto3 canonical JSON writes.
    daysSinceOnsetOfSymptoms: jsonInt(
      raw,
      ['days_since_onset_of_symptoms', 'daysSinceOnsetOfSymptoms'],
      INT32_MIN,
      INT32_MAX,
    ),
  };
}

/**
 * Parses the EFGS JSON form (docs/protocols/efgs.md §A1) defensively: absent or null fields take proto3
 * defaults, unknown fields are ignored, `reportType` may be a name or a known number. Throws
 * {@link EfgsFormatError} (400), with EFGS's "Invalid Base64 in JSON object" for bad `keyData`.
 */
export function decodeBatchJson(body: string | Uint8Array): DiagnosisKeyBatch {
  let parsed: unknown;
  try {
    const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
    parsed = JSON.parse(text);
  } catch {
    throw new EfgsFormatError('Invalid JSON body');
  }
  if (!isObject(parsed)) throw new EfgsFormatError('Invalid JSON body');
  const keys = parsed['keys'] ?? [];
  if (!Array.isArray(keys)) throw new EfgsFormatError('Invalid value for keys in JSON object');
  return { keys: keys.map(jsonKey) };
}

/**
 * Parses a request body in the negotiated format (docs/protocols/efgs.md §A1); throws
 * {@link EfgsFormatError}.
 */
export function decodeBatch(format: EfgsFormat, body: Uint8Array): DiagnosisKeyBatch {
  return format === 'protobuf' ? decodeBatchProtobuf(body) : decodeBatchJson(body);
}

/** Serialises a response body in the negotiated format (docs/protocols/efgs.md §A1); JSON is UTF-8. */
export function encodeBatch(format: EfgsFormat, batch: DiagnosisKeyBatch): Uint8Array {
  return format === 'protobuf'
    ? encodeBatchProtobuf(batch)
    : new TextEncoder().encode(encodeBatchJson(batch));
}
