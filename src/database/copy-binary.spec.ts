import { EventEmitter } from 'node:events';
import type { Connection } from 'pg';
import { FixedRecordCopyOut } from './copy-binary';

/** A backend message: type, int32 length (itself included), body (PostgreSQL docs, "Message Formats"). */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function tuple(record: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16BE(1, 0);
  head.writeInt32BE(record.length, 2);
  return Buffer.concat([head, record]);
}

/** What PostgreSQL sends for a binary COPY out: the header rides with the first row, the trailer alone. */
function copyOut(records: Buffer[], after: Buffer): Buffer {
  const header = Buffer.alloc(19 + 3);
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').copy(header);
  header.writeUInt32BE(3, 15); // a header extension, to be skipped
  return Buffer.concat([
    message('H', Buffer.from([1, 0, 1, 0, 1])),
    message('d', Buffer.concat([header, tuple(records[0])])),
    ...records.slice(1).map((r) => message('d', tuple(r))),
    message('d', Buffer.from([0xff, 0xff])),
    message('c', Buffer.alloc(0)),
    after,
  ]);
}

/** A pg connection as far as the copy uses it: a socket with pg's parser listening, and `query`. */
function fakeConnection() {
  const stream = new EventEmitter();
  const toPg: Buffer[] = [];
  stream.on('data', (b: Buffer) => toPg.push(Buffer.from(b)));
  const sent: string[] = [];
  const connection = { stream, query: (text: string) => sent.push(text) } as unknown as Connection;
  return { stream, connection, toPg, sent };
}

describe(FixedRecordCopyOut.name, () => {
  const records = Array.from({ length: 50 }, (_, i) => Buffer.alloc(40, i));
  const afterCopy = Buffer.concat([message('C', Buffer.from('COPY 50\0')), message('Z', Buffer.from('I'))]);

  it.each([1, 3, 7, 50, 51, 56, 1000, 100_000])(
    'reads every row and hands the rest back to pg, however the socket splits it (reads of %i bytes)',
    async (size) => {
      const { stream, connection, toPg, sent } = fakeConnection();
      const seen: number[] = [];
      const sut = new FixedRecordCopyOut('COPY (…) TO STDOUT (FORMAT binary)', 40, (b, first, n, stride) => {
        for (let r = 0, at = first; r < n; r++, at += stride) {
          expect(b.subarray(at, at + 40)).toEqual(records[seen.length]);
          seen.push(b[at]);
        }
      });
      sut.submit(connection);
      const wire = copyOut(records, afterCopy);
      for (let at = 0; at < wire.length; at += size) stream.emit('data', wire.subarray(at, at + size));
      sut.handleReadyForQuery();

      expect(await sut.result).toBe(50);
      expect(seen).toEqual(records.map((_, i) => i));
      expect(sent).toEqual(['COPY (…) TO STDOUT (FORMAT binary)']);
      expect(Buffer.concat(toPg)).toEqual(afterCopy);
    },
  );

  it('hands an error response to pg and fails with its error', async () => {
    const { stream, connection, toPg } = fakeConnection();
    const sut = new FixedRecordCopyOut('COPY …', 40, () => undefined);
    sut.submit(connection);
    const error = message('E', Buffer.from('SERROR\0Mdivision by zero\0\0'));
    stream.emit('data', Buffer.concat([message('H', Buffer.from([1, 0, 1, 0, 1])), error.subarray(0, 3)]));
    stream.emit('data', error.subarray(3));
    expect(Buffer.concat(toPg)).toEqual(error);
    sut.handleError(new Error('division by zero')); // what pg does with it
    await expect(sut.result).rejects.toThrow('division by zero');
  });

  it('refuses a row of another length and a text stream', async () => {
    for (const [wire, reason] of [
      [copyOut([Buffer.alloc(39)], afterCopy), /not one bytea of 40 bytes/],
      [message('d', Buffer.from('a\tb\n'.repeat(10))), /binary format/],
    ] as const) {
      const { stream, connection } = fakeConnection();
      const sut = new FixedRecordCopyOut('COPY …', 40, () => undefined);
      sut.submit(connection);
      stream.emit('data', wire);
      await expect(sut.result).rejects.toThrow(reason);
    }
  });
});
