import { checkUploadKeys, daysSinceOnset, exportableFrom, receiptTime, type UploadedKey } from './index';

const DAY = 144;
const now = Date.UTC(2026, 10, 25, 12, 0);
const today = Math.floor(now / 600_000 / DAY) * DAY;
const key = (daysAgo: number, extra: Partial<UploadedKey> = {}): UploadedKey => ({
  key: Buffer.alloc(16, daysAgo + 1).toString('base64'),
  rollingStartIntervalNumber: today - daysAgo * DAY,
  rollingPeriod: 144,
  ...extra,
});

describe('checkUploadKeys', () => {
  it('accepts 14 past days plus today', () => {
    const sut = checkUploadKeys(
      Array.from({ length: 15 }, (_, i) => key(i)),
      now,
    );
    expect(sut.ok).toBe(true);
  });

  it.each([
    ['no-keys', [] as UploadedKey[], undefined],
    ['too-many-keys', Array.from({ length: 31 }, (_, i) => key(i % 14)), undefined],
    ['not-a-key', [key(1), null as unknown as UploadedKey], 1],
    ['not-a-key', ['AAAA' as unknown as UploadedKey], 0],
    ['unknown-field', [key(1, { reportType: 1 } as Partial<UploadedKey>)], 0],
    ['bad-key-data', [key(1, { key: 'AAAA' })], 0],
    ['bad-key-data', [key(1, { key: 7 as unknown as string })], 0],
    ['bad-rolling-period', [key(1, { rollingPeriod: '144' as unknown as number })], 0],
    ['bad-key-data', [key(1), key(2, { key: '!!!!notbase64!!!!!!!!!!!!!!!' })], 1],
    ['bad-rolling-period', [key(1, { rollingPeriod: 0 })], 0],
    ['start-not-aligned', [key(1, { rollingStartIntervalNumber: today - DAY + 3 })], 0],
    ['start-in-future', [key(-1)], 0],
    ['too-old', [key(15)], 0],
    ['overlapping-keys', [key(1), key(2), key(1, { key: Buffer.alloc(16, 9).toString('base64') })], 2],
    ['bad-transmission-risk', [key(1, { transmissionRiskLevel: -1 })], 0],
    ['bad-days-since-onset', [key(1, { daysSinceOnsetOfSymptoms: 15 })], 0],
  ])('refuses %s (key %p)', (reason, keys, keyIndex) => {
    const sut = checkUploadKeys(keys, now);
    expect(sut).toMatchObject({ ok: false, reason, ...(keyIndex === undefined ? {} : { keyIndex }) });
  });
});

describe('daysSinceOnset', () => {
  it('counts whole days from onset to the key day', () => {
    expect(daysSinceOnset(today - 2 * DAY, Date.UTC(2026, 10, 25))).toBe(-2);
    expect(daysSinceOnset(today, Date.UTC(2026, 10, 22))).toBe(3);
  });
});

describe('exportableFrom', () => {
  const embargo = 2 * 3_600_000;
  const yesterday = { rollingStartIntervalNumber: today - DAY, rollingPeriod: 144 };
  it('holds a key until its validity end plus the embargo', () => {
    const storedAt = new Date(today * 600_000 + 60_000);
    expect(exportableFrom(yesterday, storedAt, embargo)).toEqual(new Date(today * 600_000 + embargo));
  });
  it('never before the end of the hour the key was stored in', () => {
    const storedAt = new Date(today * 600_000 + 3 * 3_600_000 + 25 * 60_000);
    expect(exportableFrom(yesterday, storedAt, embargo)).toEqual(new Date(today * 600_000 + 4 * 3_600_000));
    expect(
      exportableFrom({ ...yesterday, rollingPeriod: 72 }, new Date(today * 600_000 + 60_000), 0),
    ).toEqual(new Date(today * 600_000 + 3_600_000));
    const onTheHour = new Date(today * 600_000 + 5 * 3_600_000);
    expect(exportableFrom(yesterday, onTheHour, embargo)).toEqual(onTheHour);
  });
});

describe('receiptTime', () => {
  it('keeps only the period, an hour by default', () => {
    expect(receiptTime(new Date('2026-11-25T10:59:59.999Z'), 6 * 3_600_000)).toEqual(
      new Date('2026-11-25T06:00:00Z'),
    );
    expect(receiptTime(new Date('2026-11-25T10:59:59.999Z'))).toEqual(new Date('2026-11-25T10:00:00Z'));
    expect(receiptTime(new Date('2026-11-25T11:00:00Z'))).toEqual(new Date('2026-11-25T11:00:00Z'));
  });
});
