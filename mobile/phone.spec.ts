import { DAY_MS, enIntervalNumberFromMs, ReportType } from '../src/protocol/gaen';
import { ManualClock } from './clock';
import { Phone } from './phone';
import { SeededRandom } from './random';

const DAY = Date.UTC(2021, 4, 10);
const HOUR = 3_600_000;

function make(id = 'A', start = DAY + 9 * HOUR) {
  const clock = new ManualClock(start);
  const rng = new SeededRandom(1);
  return { clock, sut: Phone.create({ id, clock, random: (out) => rng.fill(out) }) };
}

describe('Phone', () => {
  it('uses one TEK per UTC day, starting at midnight', () => {
    const { sut } = make();
    const morning = sut.tekAt(DAY + 1 * HOUR);
    const evening = sut.tekAt(DAY + 23 * HOUR);
    const nextDay = sut.tekAt(DAY + DAY_MS + 1);

    expect(evening).toBe(morning);
    expect(nextDay.keyData).not.toEqual(morning.keyData);
    expect(morning.rollingStartIntervalNumber).toBe(enIntervalNumberFromMs(DAY));
    expect(nextDay.rollingStartIntervalNumber).toBe(morning.rollingStartIntervalNumber + 144);
    expect(sut.keys()).toHaveLength(2);
  });

  it('changes its RPI every 10-minute interval, but not within one', () => {
    const { sut } = make();
    const a = sut.advertisement(DAY + 10 * HOUR);
    const b = sut.advertisement(DAY + 10 * HOUR + 9 * 60_000);
    const c = sut.advertisement(DAY + 10 * HOUR + 10 * 60_000);

    expect(b.rpi).toEqual(a.rpi);
    expect(c.rpi).not.toEqual(a.rpi);
    expect(c.intervalNumber).toBe(a.intervalNumber + 1);
  });

  it('records sightings with mean and strongest RSSI and time since the previous scan', () => {
    const { sut } = make('B');
    const { sut: a } = make('A');
    const t = DAY + 10 * HOUR;
    sut.recordScan(t, []);
    sut.recordScan(t + 250_000, [{ ...a.advertisement(t + 250_000), rssiDbm: [-60, -64, -59] }]);
    sut.recordScan(t + 1_000_000, [{ ...a.advertisement(t + 1_000_000), rssiDbm: [-70] }]);

    expect(sut.sightings().map((s) => [s.rssiDbm, s.maxRssiDbm, s.secondsSinceLastScan])).toEqual([
      [-61, -59, 250],
      [-70, -70, 300],
    ]);
  });

  it('forgets sightings and keys older than 14 days', () => {
    const { sut, clock } = make('B');
    const { sut: a } = make('A');
    sut.tekAt(DAY);
    sut.recordScan(DAY + 10 * HOUR, [{ ...a.advertisement(DAY + 10 * HOUR), rssiDbm: [-60] }]);
    clock.set(DAY + 14 * DAY_MS + 11 * HOUR);

    const removed = sut.pruneExpired();

    expect(removed).toEqual({ keys: 1, sightings: 1 });
    expect(sut.sightings()).toHaveLength(0);
  });

  it('hands over the last 14 days of keys with days since onset', () => {
    const { sut, clock } = make();
    for (let d = 0; d < 20; d++) sut.tekAt(DAY + d * DAY_MS);
    clock.set(DAY + 19 * DAY_MS + HOUR);

    const keys = sut.diagnosisKeys({ onsetMs: DAY + 17 * DAY_MS, reportType: ReportType.CONFIRMED_TEST });
    const withoutToday = sut.diagnosisKeys({ includeCurrentKey: false });

    expect(keys).toHaveLength(14);
    expect(keys.map((k) => k.daysSinceOnsetOfSymptoms)).toEqual([
      -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2,
    ]);
    expect(keys.every((k) => k.reportType === ReportType.CONFIRMED_TEST)).toBe(true);
    expect(withoutToday).toHaveLength(13);
  });

  it('survives a snapshot round trip', () => {
    const { sut, clock } = make();
    const { sut: b } = make('B');
    sut.recordScan(DAY + 10 * HOUR, [{ ...b.advertisement(DAY + 10 * HOUR), rssiDbm: [-60] }]);
    sut.tekAt(DAY);

    const copy = Phone.fromSnapshot(JSON.parse(JSON.stringify(sut.snapshot())), clock);

    expect(copy.snapshot()).toEqual(sut.snapshot());
    expect(copy.advertisement(DAY + 10 * HOUR)).toEqual(sut.advertisement(DAY + 10 * HOUR));
  });
});
