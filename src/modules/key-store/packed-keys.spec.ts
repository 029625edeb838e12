import { DSOS_MISSING, FIELD_ABSENT, KeyColumns } from '../../protocol/gaen';
import { KEY_RECORD_LENGTH, PackedKeys, type KeyRecordFields } from './packed-keys';

function fields(id: number): KeyRecordFields {
  return {
    id,
    keyData: new Uint8Array(16).fill(id & 0xff),
    rollingStartIntervalNumber: 2_900_000 + id * 144,
    rollingPeriod: 1 + (id % 144),
    transmissionRiskLevel: id % 3 === 0 ? FIELD_ABSENT : id % 9,
    reportType: 1,
    daysSinceOnset: id % 5 === 0 ? DSOS_MISSING : (id % 29) - 14,
  };
}

/** The record as PostgreSQL's COPY sends it, inside a message of `stride` bytes starting `head` bytes in. */
function copyRows(ids: number[], head: number, stride: number): Buffer {
  const out = Buffer.alloc(ids.length * stride + head);
  ids.forEach((id, r) => {
    const k = fields(id);
    const at = head + r * stride;
    out.set(k.keyData, at);
    [
      k.id,
      k.rollingStartIntervalNumber,
      k.rollingPeriod,
      k.transmissionRiskLevel,
      k.reportType,
      k.daysSinceOnset,
    ].forEach((v, f) => out.writeInt32BE(v, at + 16 + 4 * f));
  });
  return out;
}

describe('PackedKeys', () => {
  it('keeps COPY rows across chunk boundaries and gathers them in any order', () => {
    const sut = new PackedKeys();
    const writer = sut.writer();
    const ids = Array.from({ length: 70_000 }, (_, i) => i + 1); // more than one chunk of 65,536
    // Runs as the COPY reader hands them over: odd offsets, message headers between records.
    for (let from = 0; from < ids.length; from += 1_301) {
      const run = ids.slice(from, from + 1_301);
      writer.append(copyRows(run, 7, 51), 7, run.length, 51);
    }
    expect(sut.count).toBe(70_000);
    const order = [69_999, 0, 65_536, 65_535, 12_345];
    const cols = sut.columns(order);
    order.forEach((i, j) => {
      const k = fields(ids[i]);
      expect(Buffer.from(cols.keyData.subarray(j * 16, j * 16 + 16))).toEqual(Buffer.from(k.keyData));
      expect(cols.rollingStartIntervalNumber[j]).toBe(k.rollingStartIntervalNumber);
      expect(cols.rollingPeriod[j]).toBe(k.rollingPeriod);
      expect(cols.transmissionRiskLevel[j]).toBe(k.transmissionRiskLevel);
      expect(cols.reportType[j]).toBe(k.reportType);
      expect(cols.daysSinceOnsetOfSymptoms[j]).toBe(k.daysSinceOnset);
      expect(cols.variantOfConcern[j]).toBe(FIELD_ABSENT);
    });
  });

  it('takes records packed back to back and single rows from their fields alike', () => {
    const packed = new PackedKeys();
    packed.writer().append(copyRows([1, 2, 3], 0, KEY_RECORD_LENGTH), 0, 3, KEY_RECORD_LENGTH);
    const rows = new PackedKeys();
    const writer = rows.writer();
    [1, 2, 3].forEach((id) => writer.appendFields(fields(id)));
    const a = packed.columns([0, 1, 2]);
    const b = rows.columns([0, 1, 2]);
    expect(a).toEqual(b);
    expect(a).toBeInstanceOf(KeyColumns);
  });

  it('lists keys in id order, writer after writer, sorting when they arrived out of order', () => {
    const inOrder = new PackedKeys();
    const first = inOrder.writer();
    const second = inOrder.writer();
    [70_001, 70_002].forEach((id) => second.appendFields(fields(id)));
    [3, 5, 9].forEach((id) => first.appendFields(fields(id)));
    // The second writer's records sit in an earlier chunk, yet the first writer's keys come first.
    const slots = inOrder.slotsById();
    expect(inOrder.columns(slots).rollingStartIntervalNumber).toEqual(
      Int32Array.from([3, 5, 9, 70_001, 70_002], (id) => fields(id).rollingStartIntervalNumber),
    );

    // Out of order, with ids that differ in both 16-bit digits: sorted by id.
    const ids = [9, 70_000, 3, 1 << 20, 65_536, 5, 65_535];
    const shuffled = new PackedKeys();
    const writer = shuffled.writer();
    ids.forEach((id) => writer.appendFields(fields(id)));
    const sorted = shuffled.columns(shuffled.slotsById()).rollingStartIntervalNumber;
    expect(Array.from(sorted)).toEqual(
      [...ids].sort((a, b) => a - b).map((id) => fields(id).rollingStartIntervalNumber),
    );
  });
});
