/**
 * Exposure matching on the phone (docs/protocols/gaen.md §B4, §B7): verified export files → diagnosis keys →
 * RPIs → lookups in the phone's sightings (±2 h) → exposure windows → daily summaries → notify or not.
 *
 * Export files are read one at a time and their keys are checked in batches by a kernel (native addon or
 * TypeScript, optionally on worker threads), so memory stays bounded by one file whatever the key count.
 */
import {
  computeDailySummaries,
  DAY_MS,
  decideNotification,
  deriveRpi,
  deriveRpik,
  enIntervalNumberFromMs,
  ExportFileError,
  KEY_LENGTH,
  KeyColumns,
  MATCH_TOLERANCE_INTERVALS,
  openExportFile,
  ReportType,
  resolveKeyRisk,
  resolveRiskConfig,
  RETENTION_DAYS,
  type DailySummary,
  type DeepPartialRiskConfig,
  type ExportReadLimits,
  type ExportVerificationKey,
  type ExposureWindow,
  type RiskConfig,
  type SignatureInfo,
  type TemporaryExposureKey,
} from '../../src/protocol/gaen';
import type { Phone, Sighting } from '../phone';
import { buildExposureWindows, DEFAULT_TX_POWER_BOUNDS, type TxPowerBounds } from './exposure-windows';
import { createKernel, type KernelPreference, type MatchKernel } from './kernel';
import { SightingIndex } from './sighting-index';
import { MatchWorkerPool } from './worker-pool';

/** Options of a matching run; every field has a default. */
export interface MatchOptions {
  /** Risk settings over DEFAULT_RISK_CONFIG. */
  risk?: DeepPartialRiskConfig;
  /** "Now" for retention and day thresholds; defaults to the phone's clock. */
  nowMs?: number;
  /** Matching kernel; default `auto` (native when built). */
  kernel?: KernelPreference;
  /** Worker threads for the kernel; 0 (default) runs in the calling thread. */
  workers?: number;
  /** Caps for reading export files. */
  readLimits?: Partial<ExportReadLimits>;
  /** Plausible TX power range of sightings. */
  txPowerBounds?: TxPowerBounds;
  /** Keys per kernel call. Default 4096. */
  batchSize?: number;
}

/** Outcome of one export file. */
export type ExportFileOutcome =
  | {
      index: number;
      ok: true;
      region: string;
      startTimestamp: number;
      endTimestamp: number;
      keyCount: number;
      verifiedBy: SignatureInfo;
    }
  | { index: number; ok: false; error: ExportFileError };

/** A diagnosis key that matched sightings on this phone. */
export interface MatchedKey {
  key: TemporaryExposureKey;
  sightings: Sighting[];
  /** Empty when the key's report type / infectiousness make it irrelevant (docs/protocols/gaen.md §B7). */
  windows: ExposureWindow[];
}

/** Result of matching. */
export interface MatchResult {
  /** The notification decision of the configured policy. */
  notify: boolean;
  /** Days that reached the policy's minimum. */
  riskyDays: DailySummary[];
  dailySummaries: DailySummary[];
  /** All exposure windows, by date then first scan. */
  exposureWindows: ExposureWindow[];
  matchedKeys: MatchedKey[];
  /** Diagnosis keys read from valid files. */
  keysChecked: number;
  files: ExportFileOutcome[];
  kernel: 'native' | 'ts';
}

const DEFAULT_BATCH = 4096;

/**
 * Matches export files (zip bytes, possibly streamed) against the phone's sightings of the last 14 days.
 * Files that fail verification are reported in `files` and skipped, never matched
 * (docs/protocols/gaen.md §B5).
 */
export async function matchExports(
  phone: Phone,
  exportZips: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  publicKeys: readonly ExportVerificationKey[],
  options: MatchOptions = {},
): Promise<MatchResult> {
  const session = await MatchSession.open(phone, options);
  try {
    let index = 0;
    for await (const zip of exportZips) {
      const i = index++;
      try {
        const opened = await openExportFile(zip, publicKeys, options.readLimits);
        session.beginFile();
        for (const batch of opened.keyBatches(options.batchSize ?? DEFAULT_BATCH))
          await session.check(batch, false);
        await session.drain(); // revisions refer to keys of this or earlier files
        session.revise(opened.revisedKeys());
        session.files.push({
          index: i,
          ok: true,
          region: opened.region,
          startTimestamp: opened.startTimestamp,
          endTimestamp: opened.endTimestamp,
          keyCount: opened.keyCount,
          verifiedBy: opened.verifiedBy,
        });
      } catch (err) {
        if (!(err instanceof ExportFileError)) throw err;
        await session.drain();
        session.abandonFile(); // a malformed key found mid-file: the file counts for nothing
        session.files.push({ index: i, ok: false, error: err });
      }
    }
    await session.drain();
    return session.result();
  } finally {
    await session.close();
  }
}

/**
 * Matches already decoded diagnosis keys (e.g. from a test or another transport) — the same pipeline without
 * files (docs/protocols/gaen.md §B4).
 */
export async function matchKeys(
  phone: Phone,
  keys: readonly TemporaryExposureKey[],
  options: MatchOptions = {},
): Promise<MatchResult> {
  const session = await MatchSession.open(phone, options);
  try {
    await session.check(KeyColumns.fromKeys(keys));
    await session.drain();
    return session.result();
  } finally {
    await session.close();
  }
}

class MatchSession {
  readonly files: ExportFileOutcome[] = [];
  private readonly matches = new Map<string, MatchedKey & { seen: Set<Sighting> }>();
  private readonly inFlight = new Set<Promise<void>>();
  private keysChecked = 0;
  private keysInFile = 0;
  private newInFile: string[] = [];
  private out = new Uint32Array(2048);

  private constructor(
    private readonly index: SightingIndex,
    private readonly config: RiskConfig,
    private readonly nowMs: number,
    private readonly kernel: MatchKernel,
    private readonly pool: MatchWorkerPool | null,
    private readonly options: MatchOptions,
  ) {}

  static async open(phone: Phone, options: MatchOptions): Promise<MatchSession> {
    const nowMs = options.nowMs ?? phone.nowMs();
    const config = resolveRiskConfig(options.risk);
    const cutoff = nowMs - RETENTION_DAYS * DAY_MS;
    const index = SightingIndex.build(
      phone.sightings().filter((s) => s.timeMs >= cutoff && s.timeMs <= nowMs),
    );
    const kernel = createKernel(index.prefixes, options.kernel ?? 'auto');
    const workers = options.workers ?? 0;
    const pool =
      workers > 0 ? await MatchWorkerPool.start(workers, index.prefixes, options.kernel ?? 'auto') : null;
    return new MatchSession(index, config, nowMs, kernel, pool, options);
  }

  /** Keys whose matches are dropped if the current file turns out malformed. */
  beginFile(): void {
    this.newInFile = [];
    this.keysInFile = 0;
  }

  abandonFile(): void {
    for (const id of this.newInFile) this.matches.delete(id);
    this.keysChecked -= this.keysInFile;
    this.newInFile = [];
    this.keysInFile = 0;
  }

  /** Checks a batch; `stable` says the columns stay unchanged until drain() (else they are copied for workers). */
  async check(keys: KeyColumns, stable = true): Promise<void> {
    this.keysChecked += keys.count;
    this.keysInFile += keys.count;
    if (this.index.size === 0) return;
    const batch = this.options.batchSize ?? DEFAULT_BATCH;
    const cols = this.pool && !stable ? keys.copy() : keys;
    for (let start = 0; start < cols.count; start += batch) {
      const end = Math.min(start + batch, cols.count);
      if (!this.pool) {
        this.onCandidates(cols, start, this.runKernel(cols, start, end));
        continue;
      }
      // Two batches per worker in flight keep the workers busy and memory bounded.
      while (this.inFlight.size >= 2 * this.pool.size) await Promise.race(this.inFlight);
      const job = this.pool
        .submit(
          cols.keyData.subarray(start * KEY_LENGTH, end * KEY_LENGTH),
          cols.rollingStartIntervalNumber.subarray(start, end),
        )
        .then((candidates) => this.onCandidates(cols, start, candidates));
      const tracked = job.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    }
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  /** Applies revised keys (v1.5+): a revoked key stops counting, another report type replaces the old one. */
  revise(revised: KeyColumns): void {
    for (let i = 0; i < revised.count; i++) {
      const id = keyId(revised.keyData, i);
      const match = this.matches.get(id);
      if (!match) continue;
      const key = revised.key(i);
      if (key.reportType === ReportType.REVOKED) this.matches.delete(id);
      else match.key = { ...match.key, ...key };
    }
  }

  result(): MatchResult {
    const matchedKeys: MatchedKey[] = [];
    const windows: ExposureWindow[] = [];
    const bounds = this.options.txPowerBounds ?? DEFAULT_TX_POWER_BOUNDS;
    for (const m of this.matches.values()) {
      const risk = resolveKeyRisk(m.key, this.config.mapping);
      const sightings = [...m.seen].sort((a, b) => a.timeMs - b.timeMs);
      const keyWindows = risk ? buildExposureWindows(m.key, sightings, risk, bounds) : [];
      matchedKeys.push({ key: m.key, sightings, windows: keyWindows });
      windows.push(...keyWindows);
    }
    windows.sort((a, b) => a.dateMs - b.dateMs);
    const dailySummaries = computeDailySummaries(windows, this.config.dailySummaries, this.nowMs);
    const decision = decideNotification(dailySummaries, this.config.notification);
    return {
      notify: decision.notify,
      riskyDays: decision.riskyDays,
      dailySummaries,
      exposureWindows: windows,
      matchedKeys,
      keysChecked: this.keysChecked,
      files: this.files,
      kernel: this.pool?.kernel ?? this.kernel.name,
    };
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private runKernel(keys: KeyColumns, start: number, end: number): Uint32Array {
    let found = this.kernel.findCandidates(
      keys.keyData,
      keys.rollingStartIntervalNumber,
      start,
      end,
      this.out,
    );
    if (found * 2 > this.out.length) {
      this.out = new Uint32Array(found * 2);
      found = this.kernel.findCandidates(keys.keyData, keys.rollingStartIntervalNumber, start, end, this.out);
    }
    // In-thread kernels report absolute indices; make them batch-relative like the workers' answers.
    const pairs = this.out.slice(0, found * 2);
    for (let c = 0; c < pairs.length; c += 2) pairs[c] -= start;
    return pairs;
  }

  /** Confirms prefix hits: exact 16-byte RPI and scan time within ±12 intervals of the RPI's interval. */
  private onCandidates(keys: KeyColumns, offset: number, pairs: Uint32Array): void {
    for (let c = 0; c < pairs.length; c += 2) {
      const i = offset + pairs[c];
      const interval = keys.rollingStartIntervalNumber[i] + pairs[c + 1];
      const tek = keys.keyData.subarray(i * KEY_LENGTH, (i + 1) * KEY_LENGTH);
      const sightings = this.index.lookup(deriveRpi(deriveRpik(tek), interval));
      if (!sightings) continue; // 32-bit prefix collision
      const inTime = sightings.filter(
        (s) => Math.abs(enIntervalNumberFromMs(s.timeMs) - interval) <= MATCH_TOLERANCE_INTERVALS,
      );
      if (!inTime.length) continue;
      const id = keyId(keys.keyData, i);
      let match = this.matches.get(id);
      if (!match) {
        match = { key: keys.key(i), sightings: [], windows: [], seen: new Set() };
        this.matches.set(id, match);
        this.newInFile.push(id);
      }
      for (const s of inTime) match.seen.add(s);
    }
  }
}

function keyId(keyData: Uint8Array, i: number): string {
  return Buffer.from(keyData.buffer, keyData.byteOffset + i * KEY_LENGTH, KEY_LENGTH).toString('hex');
}
