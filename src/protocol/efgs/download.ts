import { formatUtcDay, parseUtcDay } from './batch-tag';
import { DOWNLOAD_MAX_AGE_DAYS } from './diagnosis-key';

/**
 * `nextBatchTag` header value for "no further batch": the literal string, never an absent header
 * (docs/protocols/efgs.md §A7).
 */
export const NEXT_BATCH_TAG_NONE = 'null';

/**
 * Header value for `nextBatchTag` (docs/protocols/efgs.md §A1, §A7): the linked tag, or the string "null".
 */
export function nextBatchTagHeader(next: string | null | undefined): string {
  return next === null || next === undefined || next === '' ? NEXT_BATCH_TAG_NONE : next;
}

/**
 * Reads a `nextBatchTag` response header (docs/protocols/efgs.md §A7): null ends the day's chain. An absent
 * header is not what EFGS sends, but there is nothing to follow either, so it ends the chain too.
 */
export function parseNextBatchTagHeader(value: string | null | undefined): string | null {
  const tag = value?.trim();
  return tag === undefined || tag === '' || tag === NEXT_BATCH_TAG_NONE ? null : tag;
}

export type DownloadDateCheck = { ok: true; day: string } | { ok: false; status: 400 | 410; message: string };

/**
 * Checks the `{date}` of `GET /diagnosiskeys/download/{date}` (docs/protocols/efgs.md §A1, §A3): ISO
 * `yyyy-MM-dd` or 400; a UTC day before today − `maxAgeDays` → 410 "Requested date is too old!".
 */
export function checkDownloadDate(
  date: string,
  now: Date,
  maxAgeDays: number = DOWNLOAD_MAX_AGE_DAYS,
): DownloadDateCheck {
  const day = parseUtcDay(date);
  if (day === undefined) return { ok: false, status: 400, message: 'Invalid date, expected yyyy-MM-dd' };
  const threshold = formatUtcDay(new Date(now.getTime() - maxAgeDays * 86_400_000));
  if (date < threshold) return { ok: false, status: 410, message: 'Requested date is too old!' };
  return { ok: true, day: date };
}

/**
 * The stored keys of a batch that a downloader receives (docs/protocols/efgs.md §A7): everything not uploaded
 * by the downloader's own country, in stored order. Filtering is on the uploader's country, not on `origin`,
 * and deliberately not on `visitedCountries` — every member gets all other members' keys and filters itself.
 */
export function keysForDownloader<T extends { uploaderCountry: string }>(
  rows: readonly T[],
  downloaderCountry: string,
): T[] {
  return rows.filter((row) => row.uploaderCountry !== downloaderCountry);
}
