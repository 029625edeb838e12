/**
 * From matched sightings of one diagnosis key to exposure windows (docs/protocols/gaen.md §B4, §B7): decrypt
 * each sighting's AEM with the key's AEMK to get the sender's TX power, turn RSSI into attenuation, merge
 * sightings of one scan into a scan instance, and cut windows of at most 30 minutes.
 */
import {
  CalibrationConfidence,
  cryptAem,
  decodeMetadata,
  deriveAemk,
  keyDayStartMs,
  type ExposureWindow,
  type Infectiousness,
  type ReportType,
  type ScanInstance,
  type TemporaryExposureKey,
} from '../../src/protocol/gaen';
import type { Sighting } from '../phone';

/** Longest exposure window (docs/protocols/gaen.md §B4). */
export const MAX_WINDOW_MS = 30 * 60_000;
/**
 * Sightings this close belong to one scan instance: 1.5 × (4 s scan + 13 s extension)
 * (docs/protocols/gaen.md §B4).
 */
export const SAME_SCAN_MS = 1.5 * (4 + 13) * 1000;

/** Sightings whose AEM announces a TX power outside these bounds (dBm) are dropped as implausible. */
export interface TxPowerBounds {
  minTxPowerDbm: number;
  maxTxPowerDbm: number;
}

/** Default plausible TX power range. */
export const DEFAULT_TX_POWER_BOUNDS: TxPowerBounds = { minTxPowerDbm: -40, maxTxPowerDbm: 20 };

interface Measured {
  timeMs: number;
  typical: number;
  min: number;
  secondsSinceLastScan: number;
  confidence: CalibrationConfidence;
}

/** Exposure windows of one matched key, oldest first. */
export function buildExposureWindows(
  key: TemporaryExposureKey,
  sightings: readonly Sighting[],
  risk: { reportType: ReportType; infectiousness: Infectiousness },
  bounds: TxPowerBounds = DEFAULT_TX_POWER_BOUNDS,
): ExposureWindow[] {
  const aemk = deriveAemk(key.keyData);
  const measured: Measured[] = [];
  for (const s of sightings) {
    const meta = decodeMetadata(cryptAem(aemk, s.rpi, s.aem));
    if (!meta || meta.txPowerDbm < bounds.minTxPowerDbm || meta.txPowerDbm > bounds.maxTxPowerDbm) continue;
    measured.push({
      timeMs: s.timeMs,
      typical: Math.max(0, meta.txPowerDbm - s.rssiDbm),
      min: Math.max(0, meta.txPowerDbm - s.maxRssiDbm),
      secondsSinceLastScan: s.secondsSinceLastScan,
      confidence: meta.calibrationConfidence,
    });
  }
  measured.sort((a, b) => a.timeMs - b.timeMs);

  const dateMs = keyDayStartMs(key.rollingStartIntervalNumber);
  const windows: ExposureWindow[] = [];
  let current: { startMs: number; window: ExposureWindow; lastScanMs: number; typicals: number[] } | null =
    null;
  for (const m of measured) {
    if (!current || m.timeMs >= current.startMs + MAX_WINDOW_MS) {
      current = {
        startMs: m.timeMs,
        lastScanMs: -Infinity,
        typicals: [],
        window: {
          dateMs,
          reportType: risk.reportType,
          infectiousness: risk.infectiousness,
          calibrationConfidence: m.confidence,
          scanInstances: [],
        },
      };
      windows.push(current.window);
    }
    const scans = current.window.scanInstances;
    if (scans.length && m.timeMs - current.lastScanMs <= SAME_SCAN_MS) {
      // Two RPIs of one key in one scan (interval boundary): one scan instance.
      const scan: ScanInstance = scans[scans.length - 1];
      current.typicals.push(m.typical);
      scan.typicalAttenuationDb = Math.round(
        current.typicals.reduce((a, b) => a + b, 0) / current.typicals.length,
      );
      scan.minAttenuationDb = Math.min(scan.minAttenuationDb, m.min);
    } else {
      current.typicals = [m.typical];
      scans.push({
        typicalAttenuationDb: m.typical,
        minAttenuationDb: m.min,
        secondsSinceLastScan: m.secondsSinceLastScan,
      });
    }
    current.lastScanMs = m.timeMs;
    current.window.calibrationConfidence = Math.min(current.window.calibrationConfidence, m.confidence);
  }
  return windows;
}
