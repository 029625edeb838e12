import type { Request } from 'express';

/** The entity tags of an If-None-Match field, without their weak prefix; `*` stays as it is. */
function entityTags(field: string): string[] {
  return field
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter(Boolean);
}

/**
 * Whether a GET or HEAD may be answered 304 Not Modified (RFC 9110 §13.1.2, §13.1.3, §13.2.2):
 * If-None-Match matches `etag` by weak comparison or is `*`; only when there is no If-None-Match, the
 * resource has not changed since If-Modified-Since (HTTP dates have whole seconds).
 */
export function isNotModified(req: Request, etag: string, lastModified?: Date): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = entityTags(ifNoneMatch);
    return tags.includes('*') || tags.includes(etag.replace(/^W\//, ''));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || !lastModified) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}
