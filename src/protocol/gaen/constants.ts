/**
 * Fixed numbers of the Exposure Notification protocol (docs/protocols/gaen.md §B1). Kept in one place so the
 * phone, the matcher and the server's export job agree on them.
 */

/** Length of one ENIntervalNumber in seconds (10 minutes). */
export const EN_INTERVAL_SECONDS = 600;
/** Intervals per TEK rolling period: 144 × 10 min = 24 h. */
export const TEK_ROLLING_PERIOD = 144;
/** TEK, RPIK, RPI and AEMK length in bytes. */
export const KEY_LENGTH = 16;
/** Associated encrypted metadata length in bytes. */
export const METADATA_LENGTH = 4;
/** A sighting matches an RPI if its scan interval is within ± this many intervals (± 2 h clock drift). */
export const MATCH_TOLERANCE_INTERVALS = 12;
/** Days a phone keeps its own TEKs and its sightings. */
export const RETENTION_DAYS = 14;
/** Milliseconds in a UTC day. */
export const DAY_MS = 86_400_000;
/** Milliseconds in one interval. */
export const INTERVAL_MS = EN_INTERVAL_SECONDS * 1000;
