import { enIntervalNumberFromMs } from '../src/protocol/gaen';
import { ManualClock } from './clock';
import { Phone } from './phone';
import { parseSchedule, simulateEncounters } from './simulator';

const DAY = Date.UTC(2021, 4, 10);

describe('parseSchedule', () => {
  it('reads encounters, with optional date or day offset', () => {
    const sut = parseSchedule(
      'A and B within 2 m for 20 min at 10:00; B and C within 7.5 m for 5 minutes at 14:30 day -1\nA and C within 1 m for 1 min at 08:05 on 2021-05-01',
      DAY + 5000,
    );
    expect(sut).toEqual([
      { a: 'A', b: 'B', startMs: DAY + 10 * 3_600_000, durationMs: 20 * 60_000, distanceM: 2 },
      {
        a: 'B',
        b: 'C',
        startMs: DAY - 86_400_000 + 14.5 * 3_600_000,
        durationMs: 5 * 60_000,
        distanceM: 7.5,
      },
      { a: 'A', b: 'C', startMs: Date.UTC(2021, 4, 1, 8, 5), durationMs: 60_000, distanceM: 1 },
    ]);
  });

  it('explains what it cannot parse', () => {
    expect(() => parseSchedule('A meets B', DAY)).toThrow(/cannot parse encounter "A meets B"/);
  });
});

describe('simulateEncounters', () => {
  it('makes both phones record each other every 4–5 minutes, RPI changing per interval', () => {
    const clock = new ManualClock(DAY);
    const phones = ['A', 'B'].map((id) => Phone.create({ id, clock }));
    const [a, b] = phones;

    const sut = simulateEncounters(phones, parseSchedule('A and B within 2 m for 60 min at 10:00', DAY), {
      seed: 3,
    });

    const seenByB = b.sightings();
    expect(sut.sightings).toBe(a.sightings().length + seenByB.length);
    expect(seenByB.length).toBeGreaterThanOrEqual(11); // 60 min / 5 min, 98 % detection
    expect(seenByB.length).toBeLessThanOrEqual(16);
    const gaps = seenByB.slice(1).map((s, i) => (s.timeMs - seenByB[i].timeMs) / 1000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(240);
    for (const s of seenByB) {
      expect(Buffer.from(s.rpi)).toEqual(Buffer.from(a.advertisement(s.timeMs).rpi));
      expect(s.timeMs).toBeGreaterThanOrEqual(DAY + 10 * 3_600_000);
    }
    expect(new Set(seenByB.map((s) => enIntervalNumberFromMs(s.timeMs))).size).toBe(
      new Set(seenByB.map((s) => Buffer.from(s.rpi).toString('hex'))).size,
    );
    // 2 m: ~55 dB attenuation with TX power −10 dBm → RSSI around −65 dBm.
    const mean = seenByB.reduce((x, s) => x + s.rssiDbm, 0) / seenByB.length;
    expect(mean).toBeGreaterThan(-75);
    expect(mean).toBeLessThan(-55);
  });

  it('replays identically with the same seed and refuses unknown phones', () => {
    const run = () => {
      const clock = new ManualClock(DAY);
      const rng = [1, 2].map((n) => (out: Uint8Array) => out.fill(n));
      const phones = ['A', 'B'].map((id, i) => Phone.create({ id, clock, random: rng[i] }));
      simulateEncounters(phones, parseSchedule('A and B within 3 m for 30 min at 09:00', DAY), { seed: 11 });
      return phones[1].snapshot();
    };
    const sut = run();
    expect(run()).toEqual(sut);
    expect(() =>
      simulateEncounters([], parseSchedule('A and B within 3 m for 30 min at 09:00', DAY)),
    ).toThrow(/unknown phone "A"/);
  });
});
