/** The two body formats the gateway speaks (docs/protocols/efgs.md §A1). */
export type EfgsFormat = 'protobuf' | 'json';

export interface FormatVersion {
  major: number;
  minor: number;
}

/** Negotiation outcome; on failure `status` and `message` map straight to the `{"message": …}` reply. */
export type NegotiationResult =
  | { ok: true; format: EfgsFormat; version: FormatVersion }
  | { ok: false; status: 400 | 406 | 415; message: string };

/** Versions this implementation speaks, per format (EFGS `application.yml`: both 1.0). */
export const SUPPORTED_FORMAT_VERSIONS: Readonly<Record<EfgsFormat, FormatVersion>> = {
  protobuf: { major: 1, minor: 0 },
  json: { major: 1, minor: 0 },
};

/** `Accept` header value the gateway answers OPTIONS with (docs/protocols/efgs.md §A1). */
export const EFGS_OPTIONS_ACCEPT = 'application/json; version=1.0, application/protobuf; version=1.0';

const MEDIA_TYPES: Readonly<Record<string, EfgsFormat>> = {
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

interface MediaType {
  essence: string;
  params: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// Splits on `sep` outside double quotes, so `a="x,y"` stays one piece; quotes are kept for the caller.
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '\\') i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === sep && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseMediaType(text: string): MediaType | undefined {
  const [typePart, ...paramParts] = splitOutsideQuotes(text, ';');
  const [type, subtype, ...rest] = typePart.trim().split('/');
  if (rest.length > 0 || !type || !subtype || !TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  const params = new Map<string, string>();
  for (const part of paramParts) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!TOKEN.test(name)) return undefined;
    params.set(name, value);
  }
  return { essence: `${type}/${subtype}`.toLowerCase(), params };
}

/**
 * Parses a `MAJOR.MINOR` version string exactly (docs/protocols/efgs.md §A1; EFGS `SemVerUtils`). Returns the
 * EFGS error text on failure so callers can pass it through.
 */
export function parseFormatVersion(text: string): FormatVersion | { error: string } {
  const parts = text.split('.');
  if (parts.length !== 2)
    return { error: 'Version can just contain a major and minor version splitted by a dot!' };
  if (!parts.every((p) => /^\d{1,9}$/.test(p)))
    return { error: 'Given version string has an invalid number format!' };
  return { major: Number(parts[0]), minor: Number(parts[1]) };
}

// EFGS's SemVerUtils Javadoc says "minor ≤", but its code (and so the deployed gateway) requires equality.
function isCompatible(supported: FormatVersion, requested: FormatVersion): boolean {
  return supported.major === requested.major && supported.minor === requested.minor;
}

function negotiate(
  mediaType: MediaType,
  supported: Readonly<Record<EfgsFormat, FormatVersion>>,
  statuses: { unknown: 400 | 415; noVersion: 400 | 415; badVersion: 400 | 415; incompatible: 406 | 415 },
  unknownMessage: string,
): NegotiationResult {
  const format = MEDIA_TYPES[mediaType.essence];
  if (format === undefined) return { ok: false, status: statuses.unknown, message: unknownMessage };
  const versionText = mediaType.params.get('version');
  if (versionText === undefined) {
    return {
      ok: false,
      status: statuses.noVersion,
      message: 'Version parameter of Content-Type is required!',
    };
  }
  const version = parseFormatVersion(versionText);
  if ('error' in version) return { ok: false, status: statuses.badVersion, message: version.error };
  if (!isCompatible(supported[format], version)) {
    return { ok: false, status: statuses.incompatible, message: 'Protocol version is not compatible!' };
  }
  return { ok: true, format, version };
}

/**
 * Decides how to read an upload body from its `Content-Type` (docs/protocols/efgs.md §A1, EFGS
 * `ProtobufHttpMessageConverter.readInternal`): missing, unparsable or unknown type → 400, missing or
 * malformed `version` → 400, other MAJOR.MINOR → 406.
 */
export function negotiateRequestContentType(
  contentType: string | undefined | null,
  supported: Readonly<Record<EfgsFormat, FormatVersion>> = SUPPORTED_FORMAT_VERSIONS,
): NegotiationResult {
  if (contentType === undefined || contentType === null || contentType.trim() === '') {
    return { ok: false, status: 400, message: 'Content Type must not be null!' };
  }
  const mediaType = parseMediaType(contentType);
  if (mediaType === undefined) return { ok: false, status: 400, message: 'Unknown Content-Type!' };
  return negotiate(
    mediaType,
    supported,
    { unknown: 400, noVersion: 400, badVersion: 400, incompatible: 406 },
    'Unknown Content-Type!',
  );
}

/**
 * Decides the download response format from `Accept` (docs/protocols/efgs.md §A1, EFGS `writeInternal`):
 * every failure is 415. Entries are tried by descending `q` (q=0 skipped); the first one naming a known type
 * decides, as Spring does, so a wrong version there is not rescued by a later entry. A missing `Accept` or
 * wildcards would make Spring pick protobuf without a version, hence 415 too.
 */
export function negotiateResponseAccept(
  accept: string | undefined | null,
  supported: Readonly<Record<EfgsFormat, FormatVersion>> = SUPPORTED_FORMAT_VERSIONS,
): NegotiationResult {
  const entries = splitOutsideQuotes(accept ?? '', ',')
    .map((part) => parseMediaType(part))
    .filter((m): m is MediaType => m !== undefined)
    .map((m) => ({ m, q: Number(m.params.get('q') ?? '1') }))
    .map(({ m, q }) => ({ m, q: Number.isNaN(q) ? 1 : q }))
    .filter(({ q }) => q > 0);
  const chosen = entries.sort((a, b) => b.q - a.q).find(({ m }) => MEDIA_TYPES[m.essence] !== undefined);
  if (chosen === undefined) {
    const wildcard = entries.some(({ m }) => m.essence === '*/*' || m.essence === 'application/*');
    return {
      ok: false,
      status: 415,
      message:
        wildcard || entries.length === 0
          ? 'Version parameter of Content-Type is required!'
          : 'Content-Type is not compatible',
    };
  }
  return negotiate(
    chosen.m,
    supported,
    { unknown: 415, noVersion: 415, badVersion: 415, incompatible: 415 },
    'Content-Type is not compatible',
  );
}

/**
 * `Content-Type` value for a body in `format` (docs/protocols/efgs.md §A1), e.g.
 * `application/protobuf; version=1.0`.
 */
export function efgsContentType(
  format: EfgsFormat,
  version: FormatVersion = SUPPORTED_FORMAT_VERSIONS[format],
): string {
  return `application/${format}; version=${version.major}.${version.minor}`;
}
