import { DSOS_MISSING, FIELD_ABSENT, KeyColumns } from '../../protocol/gaen';
// From its module, not the barrel: the compiled barrel re-exports through getters, a call per use in hot loops.
import { KEY_LENGTH } from '../../protocol/gaen/constants';

/**
 * A key as the export job reads it: the 16-byte key, then these integers as big-endian int32, absent
 * fields as the key columns' sentinels. It is also the row of the PostgreSQL COPY (its SELECT is made
 * from this list), so records are kept as they arrive.
 */
export const KEY_RECORD_INTEGERS = [
  { field: 'id', column: 'id' },
  { field: 'rollingStartIntervalNumber', column: 'rolling_start_interval_number' },
  { field: 'rollingPeriod', column: 'rolling_period' },
  { field: 'transmissionRiskLevel', column: 'transmission_risk_level', absent: FIELD_ABSENT },
  { field: 'reportType', column: 'report_type' },
  { field: 'daysSinceOnset', column: 'days_since_onset', absent: DSOS_MISSING },
] as const;

type RecordInteger = (typeof KEY_RECORD_INTEGERS)[number]['field'];

/** Byte offset of each integer in a record. */
const OFFSET = Object.fromEntries(KEY_RECORD_INTEGERS.map((f, i) => [f.field, KEY_LENGTH + 4 * i])) as Record<
  RecordInteger,
  number
>;

export const KEY_RECORD_LENGTH = KEY_LENGTH + 4 * KEY_RECORD_INTEGERS.length;

/** Records per chunk: a power of two, so a key's index splits into chunk and record with a shift and a mask. */
const CHUNK_BITS = 16;
const CHUNK_RECORDS = 1 << CHUNK_BITS;
const RECORD_MASK = CHUNK_RECORDS - 1;

/** The fields of one key record (the portable reader's rows). */
export type KeyRecordFields = { keyData: Uint8Array } & Record<RecordInteger, number>;

/**
 * A batch's keys as packed records in chunks of 65,536. Chunks never move (no growth copies: a million
 * keys peak at their own 40 MB), and a key taken in shuffled order is one random read of 40 bytes instead
 * of one per column. Records are moved and read as 32-bit words through DataViews, which the compiler
 * turns into single loads: a tenth of the instructions of a byte loop. Several readers fill one batch at
 * once, each through a writer with chunks of its own; a key is addressed by its slot: chunk × 65,536 +
 * record.
 */
export class PackedKeys {
  private readonly chunks: DataView[] = [];
  private readonly writers: KeyRecordWriter[] = [];

  /** Number of keys. */
  get count(): number {
    let n = 0;
    for (const w of this.writers) n += w.count;
    return n;
  }

  /** A writer whose keys the batch lists after those of the writers made before it. */
  writer(): KeyRecordWriter {
    const writer = new KeyRecordWriter(this.chunks);
    this.writers.push(writer);
    return writer;
  }

  /**
   * Slots of all keys in id order: the order every run of a batch shuffles from. PostgreSQL returns keys in
   * physical order, which is id order while the table is only appended to; otherwise they are sorted.
   */
  slotsById(): Uint32Array {
    const slots = new Uint32Array(this.count);
    let n = 0;
    for (const w of this.writers)
      w.chunkIndices.forEach((chunk, c) => {
        const filled = Math.min(CHUNK_RECORDS, w.count - c * CHUNK_RECORDS);
        for (let r = 0; r < filled; r++) slots[n++] = chunk * CHUNK_RECORDS + r;
      });
    for (let i = 1; i < n; i++) if (this.id(slots[i]) < this.id(slots[i - 1])) return this.sortById(slots);
    return slots;
  }

  /** Copies the keys at `slots[from, from + n)` into `block`'s first n slots; variant of concern stays absent. */
  gather(slots: ArrayLike<number>, from: number, n: number, block: KeyColumns): void {
    const chunks = this.chunks;
    const keyData = new DataView(block.keyData.buffer, block.keyData.byteOffset, block.keyData.byteLength);
    for (let j = 0; j < n; j++) {
      const slot = slots[from + j];
      const record = chunks[slot >>> CHUNK_BITS];
      const at = (slot & RECORD_MASK) * KEY_RECORD_LENGTH;
      // The key's bytes as they are (same byte order on both sides), the integers big-endian.
      for (let b = 0, dst = j * KEY_LENGTH; b < KEY_LENGTH; b += 4)
        keyData.setInt32(dst + b, record.getInt32(at + b, true), true);
      block.rollingStartIntervalNumber[j] = record.getInt32(at + OFFSET.rollingStartIntervalNumber);
      block.rollingPeriod[j] = record.getInt32(at + OFFSET.rollingPeriod);
      block.transmissionRiskLevel[j] = record.getInt32(at + OFFSET.transmissionRiskLevel);
      block.reportType[j] = record.getInt32(at + OFFSET.reportType);
      block.daysSinceOnsetOfSymptoms[j] = record.getInt32(at + OFFSET.daysSinceOnset);
    }
  }

  /** The keys at `slots`, in that order, as columns of their own. */
  columns(slots: ArrayLike<number>): KeyColumns {
    const cols = KeyColumns.allocate(slots.length);
    this.gather(slots, 0, slots.length, cols);
    return cols;
  }

  /** LSD radix sort by id in two 16-bit digits (ids are positive int32): linear, no comparator calls. */
  private sortById(slots: Uint32Array): Uint32Array {
    const n = slots.length;
    let ids: Uint32Array = slots.map((slot) => this.id(slot));
    let from: Uint32Array = slots;
    let to: Uint32Array = new Uint32Array(n);
    let idsTo: Uint32Array = new Uint32Array(n);
    for (let shift = 0; shift < 32; shift += 16) {
      const starts = new Uint32Array(65_537);
      for (let i = 0; i < n; i++) starts[((ids[i] >>> shift) & 0xffff) + 1]++;
      for (let d = 1; d <= 65_536; d++) starts[d] += starts[d - 1];
      for (let i = 0; i < n; i++) {
        const at = starts[(ids[i] >>> shift) & 0xffff]++;
        to[at] = from[i];
        idsTo[at] = ids[i];
      }
      [from, to] = [to, from];
      [ids, idsTo] = [idsTo, ids];
    }
    return from;
  }

  private id(slot: number): number {
    return this.chunks[slot >>> CHUNK_BITS].getInt32((slot & RECORD_MASK) * KEY_RECORD_LENGTH + OFFSET.id);
  }
}

/** Appends one reader's records, in arrival order, to chunks of its own. */
export class KeyRecordWriter {
  count = 0;
  /** This writer's chunks (indices into the batch's chunk list), in order; all full but the last. */
  readonly chunkIndices: number[] = [];
  /** appendFields' scratch record. */
  private record?: Buffer;

  constructor(private readonly chunks: DataView[]) {}

  /** Appends `count` records, the first at `first` in `records`, one every `stride` bytes (COPY rows). */
  append(records: Uint8Array, first: number, count: number, stride: number): void {
    const src = new DataView(records.buffer, records.byteOffset, records.byteLength);
    for (let r = 0, at = first; r < count;) {
      const n = this.count & RECORD_MASK;
      if (n === 0) {
        this.chunkIndices.push(this.chunks.length);
        // Not zero-filled: every byte is written before it is read.
        const chunk = Buffer.allocUnsafeSlow(CHUNK_RECORDS * KEY_RECORD_LENGTH);
        this.chunks.push(new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      const dst = this.chunks[this.chunkIndices[this.chunkIndices.length - 1]];
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
    const record = (this.record ??= Buffer.alloc(KEY_RECORD_LENGTH));
    record.set(k.keyData, 0);
    for (const { field } of KEY_RECORD_INTEGERS) record.writeInt32BE(k[field], OFFSET[field]);
    this.append(record, 0, 1, KEY_RECORD_LENGTH);
  }
}
