import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's `X-Twilio-Signature`: base64(HMAC-SHA1(authToken, url + concat(sorted(name + value)))). `url` is
 * the exact URL Twilio requested, query string included; form parameters are sorted by name without
 * separators. Spec: docs/protocols/twilio.md §T2 (twilio.com/docs/usage/webhooks/webhooks-security).
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    for (const v of Array.isArray(value) ? [...value].sort() : [value]) data += name + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Checks a webhook's signature in constant time, for the URL as given and with the default port
 * added or removed (Twilio signs whatever URL it was configured with, and proxies disagree about it).
 */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  if (!signature || !authToken) return false;
  const given = Buffer.from(signature);
  let ok = false;
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    // Compare every variant so timing does not reveal which one matched.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

function urlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const withPort = parsed.port ? url : url.replace(parsed.host, `${parsed.hostname}:${defaultPort}`);
  const withoutPort =
    parsed.port === defaultPort || !parsed.port
      ? url.replace(`${parsed.hostname}:${defaultPort}`, parsed.hostname)
      : url;
  return [...new Set([url, withPort, withoutPort])];
}
