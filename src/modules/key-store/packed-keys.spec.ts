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
    const ids = Array.from({ length: 70_000 }, (_, i) => i + 1); // more than one chunk of 65,536
    // Runs as the COPY reader hands them over: odd offsets, message headers between records.
    for (let from = 0; from < ids.length; from += 1_301) {
      const run = ids.slice(from, from + 1_301);
      sut.append(copyRows(run, 7, 51), 7, run.length, 51);
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
    packed.append(copyRows([1, 2, 3], 0, KEY_RECORD_LENGTH), 0, 3, KEY_RECORD_LENGTH);
    const rows = new PackedKeys();
    [1, 2, 3].forEach((id) => rows.appendFields(fields(id)));
    const a = packed.columns([0, 1, 2]);
    const b = rows.columns([0, 1, 2]);
    expect(a).toEqual(b);
    expect(a).toBeInstanceOf(KeyColumns);
  });

  it('lists keys in id order, sorting when they arrived out of order', () => {
    const inOrder = new PackedKeys();
    [3, 5, 9].forEach((id) => inOrder.appendFields(fields(id)));
    expect(Array.from(inOrder.indicesById())).toEqual([0, 1, 2]);

    const shuffled = new PackedKeys();
    [9, 3, 5].forEach((id) => shuffled.appendFields(fields(id)));
    expect(Array.from(shuffled.indicesById())).toEqual([1, 2, 0]);
  });
});
