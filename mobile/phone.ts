/**
 * The reference phone: what the OS Exposure Notification service keeps on a device
 * (docs/protocols/gaen.md §B1–§B4). It holds one TEK per UTC day, advertises RPI + AEM for any moment,
 * records what it hears per scan, and forgets everything older than 14 days. Time always comes from the
 * injected clock or an explicit argument.
 */
import {
  cryptAem,
  DAY_MS,
  deriveAemk,
  deriveRpi,
  deriveRpik,
  encodeMetadata,
  enIntervalNumberFromMs,
  generateTek,
  KEY_LENGTH,
  keyDayStartMs,
  METADATA_LENGTH,
  RETENTION_DAYS,
  rollingStartIntervalNumber,
  secureRandom,
  TEK_ROLLING_PERIOD,
  type RandomSource,
  type ReportType,
  type TemporaryExposureKey,
} from '../src/protocol/gaen';
import type { Clock } from './clock';

/** One of the phone's own daily keys. */
export interface OwnKey {
  keyData: Uint8Array;
  rollingStartIntervalNumber: number;
  rollingPeriod: number;
}

/** What the phone broadcasts during one interval (docs/protocols/gaen.md §B2). */
export interface Advertisement {
  rpi: Uint8Array;
  aem: Uint8Array;
  intervalNumber: number;
}

/** One RPI heard in one scan (docs/protocols/gaen.md §B4 sighting record). */
export interface Sighting {
  rpi: Uint8Array;
  aem: Uint8Array;
  /** Scan time, Unix ms. */
  timeMs: number;
  /** Mean RSSI of the packets heard in this scan, dBm. */
  rssiDbm: number;
  /** Strongest RSSI in this scan, dBm (gives the scan's minimum attenuation). */
  maxRssiDbm: number;
  /**
   * Seconds since the phone's previous scan, capped at 300; 120 when unknown (docs/protocols/gaen.md §B4).
   */
  secondsSinceLastScan: number;
}

/** What a phone heard from one RPI in one scan: one RSSI per received packet. */
export interface Observation {
  rpi: Uint8Array;
  aem: Uint8Array;
  rssiDbm: readonly number[];
}

/** Radio properties of a phone model. */
export interface RadioProfile {
  /** Calibrated transmit power advertised in the metadata, dBm. */
  txPowerDbm: number;
  /** Calibration confidence put in v1.1 metadata (0..3). */
  calibrationConfidence: number;
}

/** Serializable state of a phone (what the encrypted storage file holds). */
export interface PhoneSnapshot {
  version: 1;
  id: string;
  radio: RadioProfile;
  lastScanMs: number | null;
  keys: { keyData: string; rollingStartIntervalNumber: number; rollingPeriod: number }[];
  sightings: [rpi: string, aem: string, timeMs: number, rssi: number, maxRssi: number, sinceLast: number][];
}

/** Options for the keys a phone hands over when its owner tests positive. */
export interface DiagnosisKeyOptions {
  /** Report type to attach (normally set by the server from the verification, so left out by default). */
  reportType?: ReportType;
  /** Symptom onset (Unix ms); each key then gets its days since onset. */
  onsetMs?: number;
  /** Include today's key (still in use). Default true: the same-day release of EN v1.5+. */
  includeCurrentKey?: boolean;
}

const MAX_SECONDS_SINCE_LAST_SCAN = 300;
const UNKNOWN_SECONDS_SINCE_LAST_SCAN = 120;
const DEFAULT_RADIO: RadioProfile = { txPowerDbm: -10, calibrationConfidence: 2 };

/** A simulated phone with the Exposure Notification service's state. */
export class Phone {
  private readonly ownKeys: OwnKey[] = [];
  private readonly heard: Sighting[] = [];
  private lastScanMs: number | null = null;

  private constructor(
    readonly id: string,
    readonly radio: RadioProfile,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  /** A new phone without keys or sightings; its first TEK is made when first needed. */
  static create(options: {
    id: string;
    clock: Clock;
    random?: RandomSource;
    radio?: Partial<RadioProfile>;
  }): Phone {
    return new Phone(
      options.id,
      { ...DEFAULT_RADIO, ...options.radio },
      options.clock,
      options.random ?? secureRandom,
    );
  }

  /** Restores a phone from its snapshot. */
  static fromSnapshot(snapshot: PhoneSnapshot, clock: Clock, random: RandomSource = secureRandom): Phone {
    if (snapshot.version !== 1)
      throw new Error(`unsupported phone snapshot version ${String(snapshot.version)}`);
    const phone = new Phone(snapshot.id, snapshot.radio, clock, random);
    phone.lastScanMs = snapshot.lastScanMs;
    for (const k of snapshot.keys) {
      phone.ownKeys.push({
        keyData: fromB64(k.keyData, KEY_LENGTH),
        rollingStartIntervalNumber: k.rollingStartIntervalNumber,
        rollingPeriod: k.rollingPeriod,
      });
    }
    // One buffer for all RPIs and AEMs, with views per sighting: a separate ArrayBuffer per 16-byte value
    // would triple the memory of a phone with tens of thousands of sightings.
    const record = KEY_LENGTH + METADATA_LENGTH;
    const slab = Buffer.alloc(snapshot.sightings.length * record);
    let offset = 0;
    for (const [rpi, aem, timeMs, rssiDbm, maxRssiDbm, secondsSinceLastScan] of snapshot.sightings) {
      if (
        slab.write(rpi, offset, KEY_LENGTH, 'base64') !== KEY_LENGTH ||
        slab.write(aem, offset + KEY_LENGTH, METADATA_LENGTH, 'base64') !== METADATA_LENGTH
      ) {
        throw new Error('corrupt phone snapshot');
      }
      phone.heard.push({
        rpi: new Uint8Array(slab.buffer, slab.byteOffset + offset, KEY_LENGTH),
        aem: new Uint8Array(slab.buffer, slab.byteOffset + offset + KEY_LENGTH, METADATA_LENGTH),
        timeMs,
        rssiDbm,
        maxRssiDbm,
        secondsSinceLastScan,
      });
      offset += record;
    }
    return phone;
  }

  /** Current time of the phone's clock (Unix ms). */
  nowMs(): number {
    return this.clock.nowMs();
  }

  /**
   * The TEK in use at `timeMs`, generated on first use: keys rotate at UTC midnight
   * (docs/protocols/gaen.md §B1).
   */
  tekAt(timeMs: number): OwnKey {
    const rsin = rollingStartIntervalNumber(enIntervalNumberFromMs(timeMs));
    let key = this.ownKeys.find((k) => k.rollingStartIntervalNumber === rsin);
    if (!key) {
      key = {
        keyData: generateTek(this.random),
        rollingStartIntervalNumber: rsin,
        rollingPeriod: TEK_ROLLING_PERIOD,
      };
      this.ownKeys.push(key);
      this.ownKeys.sort((a, b) => a.rollingStartIntervalNumber - b.rollingStartIntervalNumber);
    }
    return key;
  }

  /**
   * RPI and AEM broadcast at `timeMs`; the RPI changes every 10-minute interval (docs/protocols/gaen.md §B2).
   */
  advertisement(timeMs: number = this.clock.nowMs()): Advertisement {
    const key = this.tekAt(timeMs);
    const intervalNumber = enIntervalNumberFromMs(timeMs);
    const rpi = deriveRpi(deriveRpik(key.keyData), intervalNumber);
    const metadata = encodeMetadata({
      versionMajor: 1,
      versionMinor: 1,
      calibrationConfidence: this.radio.calibrationConfidence,
      txPowerDbm: this.radio.txPowerDbm,
    });
    return { rpi, aem: cryptAem(deriveAemk(key.keyData), rpi, metadata), intervalNumber };
  }

  /**
   * Records one scan at `timeMs` with what it heard (possibly nothing: the scan still counts for
   * secondsSinceLastScan), then drops data older than 14 days.
   */
  recordScan(timeMs: number, observations: readonly Observation[]): void {
    const since =
      this.lastScanMs === null || timeMs <= this.lastScanMs
        ? UNKNOWN_SECONDS_SINCE_LAST_SCAN
        : Math.min(MAX_SECONDS_SINCE_LAST_SCAN, Math.round((timeMs - this.lastScanMs) / 1000));
    this.lastScanMs = Math.max(this.lastScanMs ?? timeMs, timeMs);
    for (const o of observations) {
      if (o.rpi.length !== KEY_LENGTH || o.aem.length !== METADATA_LENGTH || o.rssiDbm.length === 0) continue;
      const mean = o.rssiDbm.reduce((a, b) => a + b, 0) / o.rssiDbm.length;
      this.heard.push({
        rpi: Uint8Array.from(o.rpi),
        aem: Uint8Array.from(o.aem),
        timeMs,
        rssiDbm: Math.round(mean),
        maxRssiDbm: Math.max(...o.rssiDbm),
        secondsSinceLastScan: since,
      });
    }
    this.pruneExpired(timeMs);
  }

  /** Recorded sightings, oldest first. */
  sightings(): readonly Sighting[] {
    return this.heard;
  }

  /** The phone's own TEKs, oldest first. */
  keys(): readonly OwnKey[] {
    return this.ownKeys;
  }

  /**
   * The last 14 days of own keys as diagnosis keys for upload, with days since onset when `onsetMs` is given
   * (docs/protocols/gaen.md §B6). Generates today's key if the phone has none yet.
   */
  diagnosisKeys(options: DiagnosisKeyOptions = {}): TemporaryExposureKey[] {
    const now = this.clock.nowMs();
    const today = this.tekAt(now).rollingStartIntervalNumber;
    const oldest = today - (RETENTION_DAYS - 1) * TEK_ROLLING_PERIOD;
    return this.ownKeys
      .filter((k) => k.rollingStartIntervalNumber >= oldest && k.rollingStartIntervalNumber <= today)
      .filter((k) => (options.includeCurrentKey ?? true) || k.rollingStartIntervalNumber < today)
      .map((k) => {
        const key: TemporaryExposureKey = {
          keyData: Uint8Array.from(k.keyData),
          rollingStartIntervalNumber: k.rollingStartIntervalNumber,
          rollingPeriod: k.rollingPeriod,
        };
        if (options.reportType !== undefined) key.reportType = options.reportType;
        if (options.onsetMs !== undefined) {
          key.daysSinceOnsetOfSymptoms = Math.round(
            (keyDayStartMs(k.rollingStartIntervalNumber) -
              keyDayStartMs(enIntervalNumberFromMs(options.onsetMs))) /
              DAY_MS,
          );
        }
        return key;
      });
  }

  /**
   * Destroys these own keys (after they were disclosed) so they are never broadcast or uploaded again;
   * returns how many were deleted. Matched by key bytes.
   */
  forgetKeys(keys: readonly { keyData: Uint8Array }[]): number {
    const before = this.ownKeys.length;
    removeWhere(this.ownKeys, (k) =>
      keys.some(
        (d) => d.keyData.length === k.keyData.length && d.keyData.every((b, i) => b === k.keyData[i]),
      ),
    );
    return before - this.ownKeys.length;
  }

  /**
   * Rekeys after a disclosure: forgets the key of `timeMs`'s day and starts a fresh random one for it, so
   * what the phone broadcasts from now on cannot be linked to the disclosed keys.
   */
  rekey(timeMs: number = this.clock.nowMs()): OwnKey {
    const rsin = rollingStartIntervalNumber(enIntervalNumberFromMs(timeMs));
    removeWhere(this.ownKeys, (k) => k.rollingStartIntervalNumber === rsin);
    return this.tekAt(timeMs);
  }

  /**
   * Deletes own keys and sightings older than 14 days before `nowMs` (docs/protocols/gaen.md §B1 retention).
   */
  pruneExpired(nowMs: number = this.clock.nowMs()): { keys: number; sightings: number } {
    const cutoffMs = nowMs - RETENTION_DAYS * DAY_MS;
    const cutoffKeyDay = keyDayStartMs(enIntervalNumberFromMs(nowMs)) - (RETENTION_DAYS - 1) * DAY_MS;
    const keysBefore = this.ownKeys.length;
    const sightingsBefore = this.heard.length;
    removeWhere(this.ownKeys, (k) => keyDayStartMs(k.rollingStartIntervalNumber) < cutoffKeyDay);
    if (this.heard.length && this.heard[0].timeMs < cutoffMs)
      removeWhere(this.heard, (s) => s.timeMs < cutoffMs);
    return { keys: keysBefore - this.ownKeys.length, sightings: sightingsBefore - this.heard.length };
  }

  /** Serializable state, for the encrypted store. */
  snapshot(): PhoneSnapshot {
    return {
      version: 1,
      id: this.id,
      radio: this.radio,
      lastScanMs: this.lastScanMs,
      keys: this.ownKeys.map((k) => ({
        keyData: toB64(k.keyData),
        rollingStartIntervalNumber: k.rollingStartIntervalNumber,
        rollingPeriod: k.rollingPeriod,
      })),
      sightings: this.heard.map((s) => [
        toB64(s.rpi),
        toB64(s.aem),
        s.timeMs,
        s.rssiDbm,
        s.maxRssiDbm,
        s.secondsSinceLastScan,
      ]),
    };
  }
}

function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  let w = 0;
  for (const item of list) if (!predicate(item)) list[w++] = item;
  list.length = w;
}

function toB64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

function fromB64(s: string, length: number): Uint8Array {
  const b = new Uint8Array(Buffer.from(s, 'base64'));
  if (b.length !== length) throw new Error('corrupt phone snapshot');
  return b;
}
