/**
 * Encounter simulator: turns "A and B within 2 m for 20 min at 10:00" into the scan records each phone would
 * have made. Phones scan every 4–5 minutes with jitter (docs/protocols/gaen.md §B4: ~300 s plus a random
 * part), each scan hears a few packets per nearby phone with RSSI noise, and the heard RPI changes every
 * 10-minute interval because the advertiser derives it from the interval number.
 */
import { DAY_MS } from '../src/protocol/gaen';
import type { Observation, Phone } from './phone';
import { SeededRandom } from './random';

/** Two phones near each other for a while. */
export interface Encounter {
  a: string;
  b: string;
  /** Unix ms. */
  startMs: number;
  durationMs: number;
  distanceM: number;
}

/** Knobs of the radio and scan model; defaults in DEFAULT_SIMULATION. */
export interface SimulationOptions {
  /** Seed for jitter and noise, so a scenario replays identically. */
  seed: number;
  /** Scan period range in seconds (uniform). */
  scanPeriodSeconds: readonly [number, number];
  /** Packets heard from one phone in one 4-s scan window (uniform integer range). */
  packetsPerScan: readonly [number, number];
  /** Log-distance path loss: attenuation at 1 m (dB) and exponent. */
  pathLossAt1mDb: number;
  pathLossExponent: number;
  /** Per-scan shadowing (body, pocket) and per-packet noise, standard deviations in dB. */
  shadowingSdDb: number;
  packetNoiseSdDb: number;
  /** Phones scan from this long before an encounter until this long after it. */
  marginMs: number;
}

/**
 * Defaults: 240–300 s scan period, 2–6 packets per scan, attenuation 48 dB at 1 m growing with 2.2 × 10·log10(d)
 * (≈ 55 dB at 2 m, 63 dB at 5 m, 70 dB at 10 m), 3 dB shadowing and 2 dB packet noise.
 */
export const DEFAULT_SIMULATION: SimulationOptions = {
  seed: 1,
  scanPeriodSeconds: [240, 300],
  packetsPerScan: [2, 6],
  pathLossAt1mDb: 48,
  pathLossExponent: 2.2,
  shadowingSdDb: 3,
  packetNoiseSdDb: 2,
  marginMs: 10 * 60_000,
};

/** Counts of what a simulation produced. */
export interface SimulationReport {
  scans: number;
  sightings: number;
}

/**
 * Simulates the encounters: every phone involved scans around its encounters and records what it hears.
 * Phones are looked up by id; scans are applied in time order.
 */
export function simulateEncounters(
  phones: readonly Phone[],
  encounters: readonly Encounter[],
  options: Partial<SimulationOptions> = {},
): SimulationReport {
  const opts = { ...DEFAULT_SIMULATION, ...options };
  const rng = new SeededRandom(opts.seed);
  const byId = new Map(phones.map((p) => [p.id, p]));
  for (const e of encounters) {
    for (const id of [e.a, e.b]) if (!byId.has(id)) throw new Error(`unknown phone "${id}" in encounter`);
    if (e.a === e.b) throw new Error('a phone cannot meet itself');
    if (!(e.durationMs > 0) || !(e.distanceM > 0))
      throw new Error('encounter needs a positive duration and distance');
  }

  const scans: { timeMs: number; phone: Phone }[] = [];
  for (const phone of phones) {
    const mine = encounters.filter((e) => e.a === phone.id || e.b === phone.id);
    for (const [from, to] of mergeRanges(
      mine.map((e) => [e.startMs - opts.marginMs, e.startMs + e.durationMs + opts.marginMs]),
    )) {
      let t = from + rng.uniform(0, opts.scanPeriodSeconds[1] * 1000);
      while (t < to) {
        scans.push({ timeMs: Math.round(t), phone });
        t += rng.uniform(opts.scanPeriodSeconds[0], opts.scanPeriodSeconds[1]) * 1000;
      }
    }
  }
  scans.sort((x, y) => x.timeMs - y.timeMs);

  let sightings = 0;
  for (const { timeMs, phone } of scans) {
    const observations: Observation[] = [];
    for (const e of encounters) {
      if (timeMs < e.startMs || timeMs >= e.startMs + e.durationMs) continue;
      if (e.a !== phone.id && e.b !== phone.id) continue;
      const other = byId.get(e.a === phone.id ? e.b : e.a)!;
      if (rng.next() > detectionProbability(e.distanceM)) continue;
      const ad = other.advertisement(timeMs);
      const attenuation =
        opts.pathLossAt1mDb +
        10 * opts.pathLossExponent * Math.log10(e.distanceM) +
        rng.gaussian(0, opts.shadowingSdDb);
      const packets = rng.int(opts.packetsPerScan[0], opts.packetsPerScan[1]);
      const rssiDbm = Array.from({ length: packets }, () =>
        Math.round(other.radio.txPowerDbm - attenuation + rng.gaussian(0, opts.packetNoiseSdDb)),
      );
      observations.push({ rpi: ad.rpi, aem: ad.aem, rssiDbm });
    }
    phone.recordScan(timeMs, observations);
    sightings += observations.length;
  }
  return { scans: scans.length, sightings };
}

/** Chance that a 4-s scan hears a phone at this distance at all. */
function detectionProbability(distanceM: number): number {
  if (distanceM <= 5) return 0.98;
  if (distanceM <= 15) return 0.9;
  if (distanceM <= 30) return 0.7;
  return 0.4;
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

const LINE =
  /^\s*(\S+)\s+and\s+(\S+)\s+within\s+([\d.]+)\s*m\s+for\s+(\d+)\s*min(?:utes)?\s+at\s+(\d{1,2}):(\d{2})(?:\s+on\s+(\d{4}-\d{2}-\d{2})|\s+day\s+([+-]?\d+))?\s*$/i;

/**
 * Parses a schedule such as "A and B within 2 m for 20 min at 10:00; A and C within 8 m for 5 min at 14:30 day -1".
 * Times are UTC on `dayMs`'s day unless "on YYYY-MM-DD" or "day ±N" (relative to that day) is given.
 */
export function parseSchedule(text: string, dayMs: number): Encounter[] {
  const base = Math.floor(dayMs / DAY_MS) * DAY_MS;
  return text
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((line) => {
      const m = LINE.exec(line);
      if (!m)
        throw new Error(
          `cannot parse encounter "${line}" (expected "A and B within 2 m for 20 min at 10:00")`,
        );
      const [, a, b, dist, minutes, hh, mm, date, dayOffset] = m;
      const day = date ? Date.parse(`${date}T00:00:00Z`) : base + Number(dayOffset ?? 0) * DAY_MS;
      return {
        a,
        b,
        startMs: day + (Number(hh) * 60 + Number(mm)) * 60_000,
        durationMs: Number(minutes) * 60_000,
        distanceM: Number(dist),
      };
    });
}
