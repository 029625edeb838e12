import { readFixedRecords } from './copy-binary';

/** A binary COPY stream of one bytea column (PostgreSQL docs, "COPY", binary format). */
function copyStream(records: Buffer[], extension = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(19);
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').copy(header);
  header.writeUInt32BE(extension.length, 15);
  const tuples = records.map((r) => {
    const head = Buffer.alloc(6);
    head.writeUInt16BE(1, 0);
    head.writeInt32BE(r.length, 2);
    return Buffer.concat([head, r]);
  });
  return Buffer.concat([header, extension, ...tuples, Buffer.from([0xff, 0xff])]);
}

async function* inChunks(data: Buffer, size: number): AsyncIterable<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

describe('readFixedRecords', () => {
  const records = Array.from({ length: 50 }, (_, i) => Buffer.alloc(40, i));

  it.each([1, 7, 46, 1000])(
    'reads every record, however the stream is split (chunks of %i bytes)',
    async (size) => {
      const seen: number[] = [];
      const count = await readFixedRecords(
        inChunks(copyStream(records, Buffer.alloc(3)), size),
        40,
        (b, at) => {
          expect(b.subarray(at, at + 40)).toEqual(records[seen.length]);
          seen.push(b[at]);
        },
      );
      expect(count).toBe(50);
      expect(seen).toEqual(records.map((_, i) => i));
    },
  );

  it('refuses a record of another length, a text stream and a stream cut short', async () => {
    const none = () => undefined;
    await expect(readFixedRecords(inChunks(copyStream([Buffer.alloc(39)]), 64), 40, none)).rejects.toThrow(
      /not one bytea of 40 bytes/,
    );
    await expect(readFixedRecords(inChunks(Buffer.from('a\tb\n'.repeat(10)), 64), 40, none)).rejects.toThrow(
      /binary format/,
    );
    const whole = copyStream(records);
    await expect(
      readFixedRecords(inChunks(whole.subarray(0, whole.length - 2), 64), 40, none),
    ).rejects.toThrow(/without its trailer/);
  });
});
