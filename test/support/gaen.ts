/**
 * Scenario helpers for the GAEN flows: phones on a manual clock, encounters, and matching against the
 * backend's exports through the app's own REST client.
 */
import { BackendClient } from '../../mobile/backend-client';
import { ManualClock } from '../../mobile/clock';
import { matchExports } from '../../mobile/matching/match';
import { Phone } from '../../mobile/phone';
import { simulateEncounters } from '../../mobile/simulator';
import { DAY_MS } from '../../src/protocol/gaen';
import { RECEIPT_RESOLUTION_MS } from '../../src/protocol/key-upload';

export interface Scenario {
  clock: ManualClock;
  phones: Record<string, Phone>;
}

/** Phones A, B and C; A met B for 20 minutes at 1.5 m, `daysAgo` days ago at 10:00 UTC; C met nobody. */
export function aMeetsB(daysAgo = 2, nowMs = Date.now()): Scenario & { encounterMs: number } {
  const clock = new ManualClock(nowMs);
  const phones = Object.fromEntries(['A', 'B', 'C'].map((id) => [id, Phone.create({ id, clock })]));
  const encounterMs = Math.floor(nowMs / DAY_MS) * DAY_MS - daysAgo * DAY_MS + 10 * 3_600_000;
  simulateEncounters(
    Object.values(phones),
    [{ a: 'A', b: 'B', startMs: encounterMs, durationMs: 20 * 60_000, distanceM: 1.5 }],
    {
      seed: 7,
    },
  );
  // Every phone has keys for the whole period, as a phone that has been on for days would.
  for (const p of Object.values(phones))
    for (let t = nowMs - 14 * DAY_MS; t <= nowMs; t += DAY_MS) p.tekAt(t);
  return { clock, phones, encounterMs };
}

/** Downloads the region's exports like an app and matches them on `phone`. */
export async function checkExposure(
  client: BackendClient,
  phone: Phone,
  region: string,
  options: { wrongKey?: boolean } = {},
) {
  const { files } = await client.downloadNew(region);
  let keys = await client.signingKeys();
  if (options.wrongKey) {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    keys = keys.map((k) => ({ ...k, publicKey: other }));
  }
  return matchExports(phone, files, keys, { kernel: 'ts' });
}

/**
 * A moment at which an aggregation cycle exports the keys uploaded just now: an uploaded key is not
 * exported before the end of the hour it arrived in (its receipt time is stored only to the hour).
 */
export function afterThisHour(): Date {
  return new Date(Date.now() + RECEIPT_RESOLUTION_MS);
}

/**
 * 1 while today's key (valid until the next UTC midnight; the tests run without embargo) is not yet
 * exportable by `cycleEnd`, else 0: in the last hour of a UTC day, afterThisHour() reaches midnight.
 */
export function todaysKeyWaits(cycleEnd: Date): number {
  const nextMidnight = Math.floor(Date.now() / 86_400_000 + 1) * 86_400_000;
  return cycleEnd.getTime() < nextMidnight ? 1 : 0;
}
