import type { Connection, Pool, Submittable } from 'pg';

/** Start of a binary COPY stream: signature, flags, header extension length (PostgreSQL docs, "COPY", binary format). */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_LENGTH = SIGNATURE.length + 4 + 4;
/** Before each tuple's field: its field count (int16) and the field's length (int32). */
const TUPLE_HEAD = 2 + 4;
/** The trailer: a field count of -1. */
const TRAILER = 0xffff;
/** Backend message types (PostgreSQL docs, "Message Formats"). */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'
/** A message's type byte and int32 length. */
const MESSAGE_HEAD = 1 + 4;
const EMPTY = Buffer.alloc(0);

/**
 * Receives `count` records; record r starts at `first + r * stride` in `records` (a run of one network read,
 * so the consumer loops without a call per row). The buffer is only valid during the call.
 */
export type OnRecords = (records: Buffer, first: number, count: number, stride: number) => void;

/**
 * Runs `COPY (query) TO STDOUT (FORMAT binary)` for a query whose only column is a non-null bytea of
 * `recordLength` bytes and hands the rows over in runs: no row objects, no text decoding, no buffer per
 * message. `query` goes into COPY as text (COPY takes no parameters): quote its values with pg's
 * `escapeLiteral`.
 * @returns the number of records.
 */
export async function copyFixedRecords(
  pool: Pool,
  query: string,
  recordLength: number,
  onRecords: OnRecords,
): Promise<number> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    const copy = new FixedRecordCopyOut(`COPY (${query}) TO STDOUT (FORMAT binary)`, recordLength, onRecords);
    void client.query(copy);
    return await copy.result;
  } catch (e) {
    failed = e instanceof Error ? e : new Error(String(e));
    throw e;
  } finally {
    // A connection that failed mid-COPY is closed rather than reused.
    client.release(failed);
  }
}

/**
 * A COPY out read straight from the connection's socket while it lasts. PostgreSQL sends each row as one
 * CopyData message (the stream header travels with the first row, the trailer on its own), so a read of
 * the socket holds runs of equal row messages, handed over in place; anything else takes the slow path.
 * At CopyDone or an ErrorResponse the socket goes back to pg's parser, which finishes the query.
 */
export class FixedRecordCopyOut implements Submittable {
  readonly result: Promise<number>;
  private resolve!: (count: number) => void;
  private reject!: (e: Error) => void;
  private socket!: NodeJS.EventEmitter;
  private pgOnData!: (chunk: Buffer) => void;
  private readonly onData: (chunk: Buffer) => void;
  private pending: Buffer = EMPTY;
  private readonly tuple: number;
  private readonly rowMessage: number;
  private headerRead = false;
  private ended = false;
  private count = 0;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly recordLength: number,
    private readonly onRecords: OnRecords,
  ) {
    this.onData = (chunk) => this.read(chunk);
    this.tuple = TUPLE_HEAD + recordLength;
    this.rowMessage = MESSAGE_HEAD + this.tuple;
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    this.socket = (connection as unknown as { stream: NodeJS.EventEmitter }).stream;
    const listeners = this.socket.listeners('data');
    if (listeners.length !== 1) throw new Error('unexpected data listeners on the PostgreSQL socket');
    this.pgOnData = listeners[0] as (chunk: Buffer) => void;
    this.socket.removeListener('data', this.pgOnData);
    this.socket.on('data', this.onData);
    connection.query(this.text);
  }

  handleError(error: Error): void {
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle(this.ended ? null : new Error('COPY ended without its trailer'));
  }

  handleCommandComplete(): void {}

  private read(chunk: Buffer): void {
    try {
      this.readMessages(chunk);
    } catch (e) {
      // The connection is closed by the caller (released with the error); pg's parser never sees the rest.
      this.socket.removeListener('data', this.onData);
      this.settle(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private readMessages(chunk: Buffer): void {
    const pending = this.pending;
    if (pending.length > 0) {
      // A row straddles two reads: complete that one message rather than copy the whole read behind it.
      const head =
        pending.length >= MESSAGE_HEAD
          ? pending
          : Buffer.concat([pending, chunk.subarray(0, MESSAGE_HEAD - pending.length)]);
      if (head.length >= MESSAGE_HEAD && head[0] === COPY_DATA) {
        const rest = 1 + head.readInt32BE(1) - pending.length;
        if (rest > 0 && rest <= chunk.length) {
          this.pending = EMPTY;
          this.copyData(Buffer.concat([pending, chunk.subarray(0, rest)]).subarray(MESSAGE_HEAD));
          return this.readMessages(chunk.subarray(rest));
        }
      }
    }
    const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    const { rowMessage, recordLength } = this;
    let at = 0;
    for (;;) {
      // Fast path: consecutive row messages ('d', length, field count 1, field length).
      const run = at;
      if (this.headerRead && !this.ended)
        while (
          data.length - at >= rowMessage &&
          data[at] === COPY_DATA &&
          data.readInt32BE(at + 1) === rowMessage - 1 &&
          data.readUInt16BE(at + MESSAGE_HEAD) === 1 &&
          data.readInt32BE(at + MESSAGE_HEAD + 2) === recordLength
        )
          at += rowMessage;
      const rows = (at - run) / rowMessage;
      if (rows > 0) {
        this.onRecords(data, run + MESSAGE_HEAD + TUPLE_HEAD, rows, rowMessage);
        this.count += rows;
      }
      if (data.length - at < MESSAGE_HEAD) break;
      const type = data[at];
      const length = data.readInt32BE(at + 1);
      if (length < 4) throw new Error('malformed message in the COPY stream');
      if (type === ERROR_RESPONSE) return this.detach(data.subarray(at));
      if (data.length - at < 1 + length) break;
      const next = at + 1 + length;
      if (type === COPY_DATA) this.copyData(data.subarray(at + MESSAGE_HEAD, next));
      else if (type === COPY_DONE) return this.detach(data.subarray(next));
      // CopyOutResponse, notices and parameter changes carry nothing for us.
      at = next;
    }
    this.pending = data.subarray(at);
  }

  /** A CopyData message off the fast path: the header with the first row, the trailer, or a stray row. */
  private copyData(payload: Buffer): void {
    let at = 0;
    if (!this.headerRead) {
      if (payload.length < HEADER_LENGTH || !payload.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('COPY stream is not in binary format');
      at = HEADER_LENGTH + payload.readUInt32BE(SIGNATURE.length + 4);
      this.headerRead = true;
    }
    while (at < payload.length) {
      if (this.ended) throw new Error('COPY data after the trailer');
      if (payload.length - at >= 2 && payload.readUInt16BE(at) === TRAILER) {
        this.ended = true;
        at += 2;
        continue;
      }
      if (
        payload.length - at < this.tuple ||
        payload.readUInt16BE(at) !== 1 ||
        payload.readInt32BE(at + 2) !== this.recordLength
      )
        throw new Error(`COPY row ${this.count} is not one bytea of ${this.recordLength} bytes`);
      this.onRecords(payload, at + TUPLE_HEAD, 1, this.tuple);
      this.count++;
      at += this.tuple;
    }
  }

  /** Gives the socket back to pg's parser, with what is left of this read. */
  private detach(rest: Buffer): void {
    this.socket.removeListener('data', this.onData);
    this.socket.on('data', this.pgOnData);
    this.pending = EMPTY;
    if (rest.length > 0) this.pgOnData(rest);
  }

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.reject(error);
    else this.resolve(this.count);
  }
}
