import { KeyColumns } from '../../protocol/gaen';
// From its module, not the barrel: the compiled barrel re-exports through getters, a call per use in hot loops.
import { KEY_LENGTH } from '../../protocol/gaen/constants';

/**
 * A key as the export job reads it: the 16-byte key, then id, rolling start, period, risk, report type and
 * onset as big-endian int32, absent fields as the key columns' sentinels. It is also the row of the
 * PostgreSQL COPY, so records are kept as they arrive.
 */
export const KEY_RECORD_LENGTH = KEY_LENGTH + 6 * 4;

/** Records per chunk: a power of two, so a key's index splits into chunk and record with a shift and a mask. */
const CHUNK_BITS = 16;
const CHUNK_RECORDS = 1 << CHUNK_BITS;
const RECORD_MASK = CHUNK_RECORDS - 1;

/** The fields of one key record (the SQLite reader's rows). */
export interface KeyRecordFields {
  id: number;
  keyData: Uint8Array;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
  transmissionRiskLevel: number;
  reportType: number;
  daysSinceOnset: number;
}

/**
 * A batch's keys as packed records in chunks of 65,536, in arrival order. Chunks never move (no growth
 * copies: a million keys peak at their own 40 MB), and a key taken in shuffled order is one random read of
 * 40 bytes instead of one per column. Records are moved and read as 32-bit words through DataViews, which
 * the compiler turns into single loads: a tenth of the instructions of a byte loop.
 */
export class PackedKeys {
  count = 0;
  private readonly chunks: DataView[] = [];

  /** Appends `count` records, the first at `first` in `records`, one every `stride` bytes (COPY rows). */
  append(records: Uint8Array, first: number, count: number, stride: number): void {
    const src = new DataView(records.buffer, records.byteOffset, records.byteLength);
    for (let r = 0, at = first; r < count;) {
      const n = this.count & RECORD_MASK;
      if (n === 0) this.chunks.push(new DataView(new ArrayBuffer(CHUNK_RECORDS * KEY_RECORD_LENGTH)));
      const dst = this.chunks[this.chunks.length - 1];
      const take = Math.min(count - r, CHUNK_RECORDS - n);
      for (let k = 0, o = n * KEY_RECORD_LENGTH; k < take; k++, at += stride)
        for (let b = 0; b < KEY_RECORD_LENGTH; b += 4, o += 4)
          dst.setInt32(o, src.getInt32(at + b, true), true);
      this.count += take;
      r += take;
    }
  }

  /** Appends one key from its fields (the SQLite reader, row by row). */
  appendFields(k: KeyRecordFields): void {
    const record = Buffer.allocUnsafe(KEY_RECORD_LENGTH);
    record.set(k.keyData, 0);
    record.writeInt32BE(k.id, 16);
    record.writeInt32BE(k.rollingStartIntervalNumber, 20);
    record.writeInt32BE(k.rollingPeriod, 24);
    record.writeInt32BE(k.transmissionRiskLevel, 28);
    record.writeInt32BE(k.reportType, 32);
    record.writeInt32BE(k.daysSinceOnset, 36);
    this.append(record, 0, 1, KEY_RECORD_LENGTH);
  }

  /**
   * Key indices in id order: the order every run of a batch shuffles from. PostgreSQL returns a window's
   * keys in physical order, which is id order while the table is only appended to; otherwise they are sorted.
   */
  indicesById(): Uint32Array {
    const order = new Uint32Array(this.count);
    let ascending = true;
    for (let i = 0; i < order.length; i++) {
      order[i] = i;
      if (i > 0 && ascending && this.id(i) < this.id(i - 1)) ascending = false;
    }
    if (!ascending) order.sort((a, b) => this.id(a) - this.id(b));
    return order;
  }

  /** Copies the keys at `order[from, from + n)` into `block`'s first n slots; variant of concern stays absent. */
  gather(order: ArrayLike<number>, from: number, n: number, block: KeyColumns): void {
    const chunks = this.chunks;
    const keyData = new DataView(block.keyData.buffer, block.keyData.byteOffset, block.keyData.byteLength);
    for (let j = 0; j < n; j++) {
      const i = order[from + j];
      const record = chunks[i >>> CHUNK_BITS];
      const at = (i & RECORD_MASK) * KEY_RECORD_LENGTH;
      // The key's bytes as they are (same byte order on both sides), the integers big-endian.
      for (let b = 0, dst = j * KEY_LENGTH; b < KEY_LENGTH; b += 4)
        keyData.setInt32(dst + b, record.getInt32(at + b, true), true);
      block.rollingStartIntervalNumber[j] = record.getInt32(at + 20);
      block.rollingPeriod[j] = record.getInt32(at + 24);
      block.transmissionRiskLevel[j] = record.getInt32(at + 28);
      block.reportType[j] = record.getInt32(at + 32);
      block.daysSinceOnsetOfSymptoms[j] = record.getInt32(at + 36);
    }
  }

  /** The keys at `order`, in that order, as columns of their own. */
  columns(order: ArrayLike<number>): KeyColumns {
    const cols = KeyColumns.allocate(order.length);
    this.gather(order, 0, order.length, cols);
    return cols;
  }

  private id(i: number): number {
    return this.chunks[i >>> CHUNK_BITS].getInt32((i & RECORD_MASK) * KEY_RECORD_LENGTH + 16);
  }
}
