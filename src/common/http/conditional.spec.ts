import type { Request } from 'express';
import { isNotModified } from './conditional';

const request = (headers: Record<string, string>, method = 'GET') =>
  ({ method, headers }) as unknown as Request;

describe(isNotModified.name, () => {
  const etag = '"abc"';
  const lastModified = new Date('2026-12-04T10:00:00.750Z');

  it.each([
    [{ 'if-none-match': '"abc"' }, true],
    [{ 'if-none-match': 'W/"abc"' }, true],
    [{ 'if-none-match': '"x", "abc"' }, true],
    [{ 'if-none-match': '*' }, true],
    [{ 'if-none-match': '"x"' }, false],
    // If-None-Match wins: a matching date does not rescue a different tag (RFC 9110 §13.2.2).
    [{ 'if-none-match': '"x"', 'if-modified-since': 'Fri, 04 Dec 2026 10:00:00 GMT' }, false],
    [{ 'if-modified-since': 'Fri, 04 Dec 2026 10:00:00 GMT' }, true],
    [{ 'if-modified-since': 'Fri, 04 Dec 2026 09:59:59 GMT' }, false],
    [{ 'if-modified-since': 'not a date' }, false],
    [{}, false],
  ])('%j → %s', (headers, expected) => {
    expect(isNotModified(request(headers), etag, lastModified)).toBe(expected);
  });

  it('only for GET and HEAD', () => {
    expect(isNotModified(request({ 'if-none-match': '*' }, 'HEAD'), etag)).toBe(true);
    expect(isNotModified(request({ 'if-none-match': '*' }, 'POST'), etag)).toBe(false);
  });
});
