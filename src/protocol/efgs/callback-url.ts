import { formatUtcDay, parseUtcDay } from './batch-tag';

/** Resolves a host name to its IP addresses (v4 or v6 text); injected so the check stays pure and testable. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export type CallbackUrlCheck =
  { ok: true; url: string; host: string; addresses: string[] } | { ok: false; reason: string };

interface Cidr {
  bytes: number[];
  prefix: number;
}

// efgs.md §A8 (EFGS CallbackService): 10/8, 127/8, 100.64/10, 169.254/16, 172.16/12, 192.168/16, ::1,
// fc00::/7. We also refuse 0/8 and :: (reach the local host on most stacks) and fe80::/10 (the v6 twin of
// 169.254/16), and check IPv4-mapped v6 addresses against the v4 list, as Java's InetAddress does.
const FORBIDDEN_V4: Cidr[] = [
  { bytes: [0, 0, 0, 0], prefix: 8 },
  { bytes: [10, 0, 0, 0], prefix: 8 },
  { bytes: [127, 0, 0, 0], prefix: 8 },
  { bytes: [100, 64, 0, 0], prefix: 10 },
  { bytes: [169, 254, 0, 0], prefix: 16 },
  { bytes: [172, 16, 0, 0], prefix: 12 },
  { bytes: [192, 168, 0, 0], prefix: 16 },
];
const V6_ZERO = Array<number>(16).fill(0);
const FORBIDDEN_V6: Cidr[] = [
  { bytes: V6_ZERO, prefix: 128 },
  { bytes: [...V6_ZERO.slice(0, 15), 1], prefix: 128 },
  { bytes: [0xfc, ...V6_ZERO.slice(1)], prefix: 7 },
  { bytes: [0xfe, 0x80, ...V6_ZERO.slice(2)], prefix: 10 },
];

function inCidr(address: Uint8Array, cidr: Cidr): boolean {
  for (let bit = 0; bit < cidr.prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((address[bit >> 3] & mask) !== (cidr.bytes[bit >> 3] & mask)) return false;
  }
  return true;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  const address = text.replace(/%.*$/, ''); // zone id, e.g. fe80::1%eth0
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<number>(missing).fill(0), ...tail];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

/**
 * Whether an IP address (v4 or v6 text) is one a callback must not target (efgs.md §A8): private,
 * loopback, shared, link-local and unspecified ranges. Unparsable text counts as forbidden.
 */
export function isForbiddenCallbackAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return FORBIDDEN_V4.some((cidr) => inCidr(v4, cidr));
  const v6 = parseIpv6(address);
  if (v6 === undefined) return true;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  if (mapped) return FORBIDDEN_V4.some((cidr) => inCidr(v6.slice(12), cidr));
  return FORBIDDEN_V6.some((cidr) => inCidr(v6, cidr));
}

/**
 * Checks a callback URL before subscribing or calling it (efgs.md §A8): parseable, `https`, no query,
 * host resolvable, and no resolved address in a forbidden range. Stricter than EFGS where it is cheap:
 * every resolved address is checked (EFGS checks the first), and fragments and credentials are refused.
 * The CALLBACK-certificate-for-`host` lookup is the caller's; it should also connect to one of
 * `addresses` so a later DNS answer cannot swap in a private address.
 */
export async function checkCallbackUrl(rawUrl: string, resolve: HostResolver): Promise<CallbackUrlCheck> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: 'Could not parse URL' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'Callback URL must use https' };
  // WHATWG URL reports a bare "?" as an empty search; Java's getQuery() sees it, so look at the text too.
  if (url.search !== '' || rawUrl.split('#')[0].includes('?')) {
    return { ok: false, reason: 'URL must not contain any parameters' };
  }
  if (url.hash !== '' || rawUrl.includes('#'))
    return { ok: false, reason: 'URL must not contain a fragment' };
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'URL must not contain credentials' };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { ok: false, reason: 'Could not parse URL' };

  let addresses: string[];
  if (parseIpv4(host) !== undefined || parseIpv6(host) !== undefined) {
    addresses = [host];
  } else {
    try {
      addresses = [...(await resolve(host))];
    } catch {
      addresses = [];
    }
  }
  if (addresses.length === 0) return { ok: false, reason: 'Could not resolve host for callback' };
  if (addresses.some(isForbiddenCallbackAddress)) {
    return { ok: false, reason: 'IP Address of callback host is from private IP range.' };
  }
  return { ok: true, url: url.toString(), host, addresses };
}

/**
 * The URL the gateway calls to announce a batch (efgs.md §A8): `<url>?batchTag=<tag>&date=<yyyy-MM-dd>`,
 * with the date of the batch's UTC creation day (a Date, or an ISO day string checked strictly).
 */
export function buildCallbackRequestUrl(callbackUrl: string, batchTag: string, day: Date | string): string {
  const date = typeof day === 'string' ? day : formatUtcDay(day);
  if (parseUtcDay(date) === undefined) throw new RangeError(`date must be yyyy-MM-dd, got ${date}`);
  const url = new URL(callbackUrl);
  url.search = new URLSearchParams({ batchTag, date }).toString();
  return url.toString();
}
