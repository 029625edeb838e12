import { createHash } from 'node:crypto';

/**
 * Formats the UTC calendar day of `date` as ISO `yyyy-MM-dd`, the form of download and callback dates
 * (docs/protocols/efgs.md §A1, §A8).
 */
export function formatUtcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Parses a strict ISO `yyyy-MM-dd` into UTC midnight (docs/protocols/efgs.md §A1); undefined for anything
 * else, including impossible dates such as 2021-02-30 that `Date` would roll over.
 */
export function parseUtcDay(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return formatUtcDay(date) === text ? date : undefined;
}

/**
 * Formats a gateway download batch tag `yyyyMMdd-N` from the batch's creation time in UTC
 * (docs/protocols/efgs.md §A7).
 */
export function formatGatewayBatchTag(createdAt: Date, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError(`sequence must be ≥ 1, got ${sequence}`);
  return `${formatUtcDay(createdAt).replace(/-/g, '')}-${sequence}`;
}

/**
 * Parses a gateway batch tag `yyyyMMdd-N` (docs/protocols/efgs.md §A7) into its UTC day (`yyyy-MM-dd`) and N
 * ≥ 1.
 */
export function parseGatewayBatchTag(tag: string): { day: string; sequence: number } | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})-([1-9]\d{0,8})$/.exec(tag);
  if (match === null) return undefined;
  const day = `${match[1]}-${match[2]}-${match[3]}`;
  return parseUtcDay(day) === undefined ? undefined : { day, sequence: Number(match[4]) };
}

/**
 * The tag for a batch created at `now`, given the latest batch's tag (docs/protocols/efgs.md §A7): N restarts
 * at 1 on each UTC day. A missing or foreign-format previous tag also starts at 1.
 */
export function nextGatewayBatchTag(previousTag: string | undefined, now: Date): string {
  const previous = previousTag === undefined ? undefined : parseGatewayBatchTag(previousTag);
  const sameDay = previous !== undefined && previous.day === formatUtcDay(now);
  return formatGatewayBatchTag(now, sameDay ? previous.sequence + 1 : 1);
}

/**
 * A member's upload batch tag: lower-case hex SHA-256 of the protobuf body, as NL does
 * (docs/protocols/efgs.md §A10). Content-derived, so a retried upload of the same batch reuses its tag and
 * the gateway's 409 catches a double send.
 */
export function memberBatchTag(protobufBody: Uint8Array): string {
  return createHash('sha256').update(protobufBody).digest('hex');
}
