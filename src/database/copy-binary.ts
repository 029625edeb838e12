import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** Start of a binary COPY stream: signature, flags, header extension length (PostgreSQL docs, "COPY", binary format). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_LENGTH = SIGNATURE.length + 4 + 4;
/** Before each tuple's field: its field count (int16) and the field's length (int32). */
const TUPLE_HEAD = 2 + 4;
/** The trailer: a field count of -1. */
const TRAILER = 0xffff;

/**
 * Streams `COPY (query) TO STDOUT (FORMAT binary)` for a query whose only column is a non-null bytea of
 * `recordLength` bytes, calling `onRecord(buffer, offset)` per row: no row objects, no text decoding.
 * `query` goes into COPY as text (COPY takes no parameters): quote its values with pg's `escapeLiteral`.
 * @returns the number of records.
 */
export async function copyFixedRecords(
  pool: Pool,
  query: string,
  recordLength: number,
  onRecord: (records: Buffer, offset: number) => void,
): Promise<number> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    const stream = client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`));
    return await readFixedRecords(stream, recordLength, onRecord);
  } catch (e) {
    failed = e;
    throw e;
  } finally {
    // A connection left mid-COPY cannot be reused.
    client.release(failed instanceof Error ? failed : undefined);
  }
}

/** Parses a binary COPY stream of one fixed-length bytea column, however its chunks split it. */
export async function readFixedRecords(
  chunks: AsyncIterable<Buffer>,
  recordLength: number,
  onRecord: (records: Buffer, offset: number) => void,
): Promise<number> {
  const tuple = TUPLE_HEAD + recordLength;
  let carry: Buffer = Buffer.alloc(0);
  let headerRead = false;
  let ended = false;
  let count = 0;
  for await (const chunk of chunks) {
    // A tuple or the header may straddle chunks: the unread tail is prepended to the next one.
    const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    if (!headerRead) {
      if (data.length < HEADER_LENGTH) {
        carry = data;
        continue;
      }
      if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('COPY stream is not in binary format');
      at = HEADER_LENGTH + data.readUInt32BE(SIGNATURE.length + 4);
      if (data.length < at) {
        carry = data;
        continue;
      }
      headerRead = true;
    }
    while (!ended && data.length - at >= 2) {
      if (data.readUInt16BE(at) === TRAILER) {
        ended = true;
        at += 2;
        break;
      }
      if (data.length - at < tuple) break;
      if (data.readUInt16BE(at) !== 1 || data.readInt32BE(at + 2) !== recordLength)
        throw new Error(`COPY row ${count} is not one bytea of ${recordLength} bytes`);
      onRecord(data, at + TUPLE_HEAD);
      count++;
      at += tuple;
    }
    carry = data.subarray(at);
  }
  if (!ended || carry.length > 0) throw new Error('COPY stream ended without its trailer');
  return count;
}
