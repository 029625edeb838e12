import { DAY_MS } from './constants';
import {
  daysBetween,
  enIntervalNumber,
  enIntervalNumberFromMs,
  intervalStartMs,
  keyDayStartMs,
  rollingStartIntervalNumber,
  utcDayStartMs,
} from './interval';

describe('interval helpers (docs/protocols/gaen.md §B1)', () => {
  it('agrees between seconds and milliseconds and rounds down', () => {
    const sut = enIntervalNumberFromMs;
    expect(sut(1585785600_000)).toBe(enIntervalNumber(1585785600));
    expect(sut(1585785600_000 + 599_999)).toBe(2642976);
    expect(sut(1585785600_000 + 600_000)).toBe(2642977);
    expect(intervalStartMs(2642977)).toBe(1585786200_000);
  });

  it('puts daily keys at UTC midnight', () => {
    const sut = rollingStartIntervalNumber;
    expect(sut(2642976 + 100)).toBe(2642976);
    expect(sut(2642976 + 144)).toBe(2642976 + 144);
    expect(keyDayStartMs(2642976)).toBe(Date.UTC(2020, 3, 2));
  });

  it('counts UTC days', () => {
    const sut = daysBetween;
    const day = Date.UTC(2021, 0, 1);
    expect(sut(day + 1, day + DAY_MS - 1)).toBe(0);
    expect(sut(day + DAY_MS - 1, day + DAY_MS)).toBe(1);
    expect(utcDayStartMs(day + 5)).toBe(day);
  });
});
