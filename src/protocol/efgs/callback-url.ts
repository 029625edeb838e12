import ipaddr from 'ipaddr.js';
import { formatUtcDay, parseUtcDay } from './batch-tag';

/** Resolves a host name to its IP addresses (v4 or v6 text); injected so the check stays pure and testable. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export type CallbackUrlCheck =
  { ok: true; url: string; host: string; addresses: string[] } | { ok: false; reason: string };

/** The IPv6 global unicast space (RFC 4291 §2.4); everything outside it is local, special or unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Whether an IP address (v4 or v6 text) is one a callback must not target (docs/protocols/efgs.md §A8). EFGS
 * refuses private, loopback, shared and link-local ranges; we allow only public unicast, classified by
 * ipaddr.js from the IANA special-purpose registries: that also refuses multicast, broadcast, benchmarking
 * (198.18/15), documentation and reserved ranges, and the IPv6 forms that embed an IPv4 address (NAT64
 * 64:ff9b::/96, 6to4 2002::/16, Teredo) or lie outside 2000::/3 (IPv4-compatible ::/96, local-use NAT64
 * 64:ff9b:1::/48, site-local fec0::/10). IPv4-mapped addresses are judged as IPv4. Unparsable text, and IPv4
 * other than four decimal parts, counts as forbidden.
 */
export function isForbiddenCallbackAddress(address: string): boolean {
  const text = address.replace(/%.*$/, ''); // zone id, e.g. fe80::1%eth0
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).range() !== 'unicast';
  if (!ipaddr.IPv6.isValid(text)) return true;
  const v6 = ipaddr.IPv6.parse(text);
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() !== 'unicast';
  return !v6.match(GLOBAL_UNICAST_V6) || v6.range() !== 'unicast';
}

/**
 * Checks a callback URL before subscribing or calling it (docs/protocols/efgs.md §A8): parseable, `https`, no
 * query, host resolvable, and no resolved address in a forbidden range. Stricter than EFGS where it is cheap:
 * every resolved address is checked (EFGS checks the first), and fragments and credentials are refused. The
 * CALLBACK-certificate-for-`host` lookup is the caller's; it should also connect to one of `addresses` so a
 * later DNS answer cannot swap in a private address.
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
  if (ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host)) {
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
 * The URL the gateway calls to announce a batch (docs/protocols/efgs.md §A8):
 * `<url>?batchTag=<tag>&date=<yyyy-MM-dd>`, with the date of the batch's UTC creation day (a Date, or an ISO
 * day string checked strictly).
 */
export function buildCallbackRequestUrl(callbackUrl: string, batchTag: string, day: Date | string): string {
  const date = typeof day === 'string' ? day : formatUtcDay(day);
  if (parseUtcDay(date) === undefined) throw new RangeError(`date must be yyyy-MM-dd, got ${date}`);
  const url = new URL(callbackUrl);
  url.search = new URLSearchParams({ batchTag, date }).toString();
  return url.toString();
}
