import { decodeBase64Strict } from './batch-codec';

/**
 * Header carrying the SHA-256 of the client certificate's DER, set by the TLS-terminating proxy
 * (docs/protocols/efgs.md §A6).
 */
export const CLIENT_SHA256_HEADER = 'X-SSL-Client-SHA256';
/**
 * Header carrying the client certificate's subject DN, set by the TLS-terminating proxy
 * (docs/protocols/efgs.md §A6).
 */
export const CLIENT_DN_HEADER = 'X-SSL-Client-DN';

const SHA256_BYTES = 32;

/**
 * Normalises a stored or EFGS-produced certificate/payload hash to 64 lower-case hex
 * (docs/protocols/efgs.md §A6). Accepts `AA:BB:…` and restores leading zeros that Java's
 * `BigInteger.toString(16)` drops (EFGS writes 62 characters for a hash starting 0x00). Undefined if it is
 * not hex of at most 64 digits.
 */
export function normaliseThumbprint(value: string): string | undefined {
  const hex = value.replace(/[:\s]/g, '');
  return /^[0-9a-fA-F]{1,64}$/.test(hex) ? hex.toLowerCase().padStart(64, '0') : undefined;
}

/**
 * Reads `X-SSL-Client-SHA256` as EFGS's filter does (docs/protocols/efgs.md §A6): 64 hex characters, or
 * base64 of the 32 raw bytes, URL-decoded first if it contains `%`. Returns 64 lower-case hex, or undefined
 * (→ 403).
 */
export function parseClientThumbprintHeader(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  let text = value.trim();
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  const bytes = decodeBase64Strict(text);
  return bytes?.length === SHA256_BYTES ? Buffer.from(bytes).toString('hex') : undefined;
}

// Java's URLDecoder, which EFGS applies to the DN: like decodeURIComponent, but '+' means space.
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Attribute type → values, keys upper-cased; repeated types (two OUs) keep every value in order. */
export type DnAttributes = Record<string, string[]>;

const ATTRIBUTE_ALIASES: Readonly<Record<string, string>> = { '2.5.4.6': 'C', COUNTRYNAME: 'C' };

function addAttribute(attributes: DnAttributes, rawType: string, value: string): void {
  const upper = rawType.trim().toUpperCase();
  const type = ATTRIBUTE_ALIASES[upper] ?? upper;
  if (type === '') return;
  (attributes[type] ??= []).push(value.trim());
}

// RFC 4514 string (`CN=x,O=y\,z,C=DE`, quoted values, `\XX` escapes, multi-valued RDNs joined by `+`).
// Lenient like EFGS: a malformed piece is skipped rather than failing the whole DN.
function parseRfc4514(dn: string, attributes: DnAttributes): void {
  let type = '';
  let bytes: number[] = [];
  let inValue = false;
  let quoted = false;
  const flush = (): void => {
    if (inValue) addAttribute(attributes, type, Buffer.from(bytes).toString('utf8'));
    type = '';
    bytes = [];
    inValue = false;
    quoted = false;
  };
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (!inValue) {
      if (ch === '=') inValue = true;
      else if (ch === ',' || ch === ';' || ch === '+') flush();
      else type += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < dn.length) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(dn[++i], 'utf8'));
      }
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && (ch === ',' || ch === ';' || ch === '+')) {
      flush();
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  flush();
}

// OpenSSL's legacy one-line form `/C=DE/O=x/CN=y`, still emitted by some proxies.
function parseOneLine(dn: string, attributes: DnAttributes): void {
  for (const part of dn.split('/')) {
    const eq = part.indexOf('=');
    if (eq > 0) addAttribute(attributes, part.slice(0, eq), part.slice(eq + 1));
  }
}

/**
 * Parses a subject DN string into attributes (docs/protocols/efgs.md §A6). Handles RFC 4514 escaping and
 * quoting and the `/C=…/O=…` form, where EFGS's own split on `,` and `=` breaks on such values.
 */
export function parseDistinguishedName(dn: string): DnAttributes {
  const attributes: DnAttributes = {};
  const trimmed = dn.trim();
  if (trimmed.startsWith('/')) parseOneLine(trimmed, attributes);
  else parseRfc4514(trimmed, attributes);
  return attributes;
}

export type ClientCertificateHeaders =
  | { ok: true; thumbprint: string; country: string; dn: DnAttributes }
  | { ok: false; status: 400 | 403; message: string };

/**
 * Reads the two proxy headers in the order of EFGS's authentication filter (docs/protocols/efgs.md §A6): a
 * missing header or unreadable thumbprint → 403; a DN without exactly one two-letter `C` → 400. The DN may be
 * URL-encoded (decoded, as by Java's URLDecoder, only when it contains `%`, so a literal `+` in a plain DN
 * keeps its RFC 4514 meaning). The certificate registry lookup (→ 403) is the caller's.
 */
export function readClientCertificateHeaders(
  thumbprintHeader: string | null | undefined,
  dnHeader: string | null | undefined,
): ClientCertificateHeaders {
  const thumbprint = parseClientThumbprintHeader(thumbprintHeader);
  if (thumbprint === undefined || dnHeader === null || dnHeader === undefined || dnHeader.trim() === '') {
    return { ok: false, status: 403, message: 'Forbidden' };
  }
  const dnText = dnHeader.includes('%') ? formDecode(dnHeader) : dnHeader;
  const dn = dnText === undefined ? {} : parseDistinguishedName(dnText);
  const countries = [...new Set((dn['C'] ?? []).map((c) => c.toUpperCase()))];
  if (countries.length === 0) {
    return { ok: false, status: 400, message: 'Client Certificate must contain country property' };
  }
  if (countries.length > 1 || !/^[A-Z]{2}$/.test(countries[0])) {
    return {
      ok: false,
      status: 400,
      message: 'Client Certificate must contain exactly one valid country property',
    };
  }
  return { ok: true, thumbprint, country: countries[0], dn };
}
