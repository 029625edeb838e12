import { DAY_MS, EN_INTERVAL_SECONDS, INTERVAL_MS, TEK_ROLLING_PERIOD } from './constants';

/**
 * ENIntervalNumber of a Unix time in seconds: floor(t / 600), the 10-minute slot an RPI is valid for
 * (docs/protocols/gaen.md §B1, Exposure Notification Cryptography v1.2 "ENIntervalNumber").
 */
export function enIntervalNumber(unixSeconds: number): number {
  return Math.floor(unixSeconds / EN_INTERVAL_SECONDS);
}

/** ENIntervalNumber of a Unix time in milliseconds (what clocks in JS return); docs/protocols/gaen.md §B1. */
export function enIntervalNumberFromMs(unixMs: number): number {
  return Math.floor(unixMs / INTERVAL_MS);
}

/** Start of an interval in Unix milliseconds; docs/protocols/gaen.md §B1. */
export function intervalStartMs(intervalNumber: number): number {
  return intervalNumber * INTERVAL_MS;
}

/**
 * Rolling start interval number of the daily TEK that covers an interval: the interval rounded down to a
 * multiple of 144, i.e. UTC midnight (docs/protocols/gaen.md §B1 "daily TEKs start at RSIN multiple of 144").
 */
export function rollingStartIntervalNumber(intervalNumber: number): number {
  return Math.floor(intervalNumber / TEK_ROLLING_PERIOD) * TEK_ROLLING_PERIOD;
}

/**
 * Start of the UTC day containing a Unix time in milliseconds; exposure windows are dated by it
 * (docs/protocols/gaen.md §B4).
 */
export function utcDayStartMs(unixMs: number): number {
  return Math.floor(unixMs / DAY_MS) * DAY_MS;
}

/**
 * Start of the UTC day of a key's rolling start interval in ms: the `date` of its exposure windows
 * (docs/protocols/gaen.md §B4).
 */
export function keyDayStartMs(rollingStartInterval: number): number {
  return utcDayStartMs(intervalStartMs(rollingStartInterval));
}

/**
 * Whole UTC days between two Unix millisecond times (later − earlier), used for day-based thresholds
 * (docs/protocols/gaen.md §B7).
 */
export function daysBetween(earlierMs: number, laterMs: number): number {
  return Math.round((utcDayStartMs(laterMs) - utcDayStartMs(earlierMs)) / DAY_MS);
}
