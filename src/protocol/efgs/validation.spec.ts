import { validKeyAt } from '../../../test/fixtures/efgs/diagnosis-keys';
import { TRL_NOT_PROVIDED } from './diagnosis-key';
import { rollingStartIntervalWindow, validateUploadKeys } from './validation';

const now = new Date('2020-10-19T12:34:56Z');
const midnight = Date.parse('2020-10-19T00:00:00Z') / 1000;

describe(rollingStartIntervalWindow.name, () => {
  const sut = rollingStartIntervalWindow;

  it('runs from UTC midnight 15 days ago to the current interval plus one', () => {
    expect(sut(now)).toEqual({
      min: (midnight - 15 * 86400) / 600,
      max: Math.floor(now.getTime() / 600_000) + 1,
    });
  });
});

describe(validateUploadKeys.name, () => {
  const sut = validateUploadKeys;
  const { min, max } = rollingStartIntervalWindow(now);

  it('accepts valid keys, including the window edges, TRL 0/8/0x7FFFFFFF and RP 1/144', () => {
    const keys = [
      validKeyAt(now, { rollingStartIntervalNumber: min, transmissionRiskLevel: 0, rollingPeriod: 1 }),
      validKeyAt(now, { rollingStartIntervalNumber: max, transmissionRiskLevel: 8 }),
      validKeyAt(now, { transmissionRiskLevel: TRL_NOT_PROVIDED, rollingPeriod: 144 }),
    ];

    expect(sut(keys, now)).toEqual({ ok: true });
    expect(sut([], now)).toEqual({ ok: true });
  });

  it('does not validate DSOS, whose EU encodings reach ~4000', () => {
    const keys = [4000, -14, 1950, 99999, -99999].map((d) =>
      validKeyAt(now, { daysSinceOnsetOfSymptoms: d }),
    );

    expect(sut(keys, now)).toEqual({ ok: true });
  });

  it.each([
    ['empty keyData', { keyData: new Uint8Array(0) }, 'The keydata is empty or null.'],
    ['15-byte keyData', { keyData: new Uint8Array(15) }, 'The keydata is not 16 bytes.'],
    ['17-byte keyData', { keyData: new Uint8Array(17) }, 'The keydata is not 16 bytes.'],
    [
      'RSIN before the window',
      { rollingStartIntervalNumber: min - 1 },
      'Invalid rolling start interval number.',
    ],
    [
      'RSIN after the window',
      { rollingStartIntervalNumber: max + 1 },
      'Invalid rolling start interval number.',
    ],
    ['rolling period 0', { rollingPeriod: 0 }, 'Invalid rolling period.'],
    ['rolling period 145', { rollingPeriod: 145 }, 'Invalid rolling period.'],
    ['TRL −1', { transmissionRiskLevel: -1 }, 'Invalid transmission risk level.'],
    ['TRL 9', { transmissionRiskLevel: 9 }, 'Invalid transmission risk level.'],
    ['TRL 0x7FFFFFFE', { transmissionRiskLevel: TRL_NOT_PROVIDED - 1 }, 'Invalid transmission risk level.'],
  ])('refuses %s with the EFGS message', (_case, overrides, reason) => {
    const keys = [validKeyAt(now), validKeyAt(now, overrides)];

    expect(sut(keys, now)).toEqual({
      ok: false,
      index: 1,
      message: `Validation of diagnosis key failed: ${reason}`,
    });
  });

  it('reports the first failing key and its first failing rule', () => {
    const keys = [
      validKeyAt(now),
      validKeyAt(now, { rollingPeriod: 0, transmissionRiskLevel: 9 }),
      validKeyAt(now, { keyData: new Uint8Array(0) }),
    ];

    expect(sut(keys, now)).toMatchObject({
      index: 1,
      message: 'Validation of diagnosis key failed: Invalid rolling period.',
    });
  });

  it('moves the window with the injected clock', () => {
    const key = validKeyAt(now, { rollingStartIntervalNumber: min });
    const nextDay = new Date(now.getTime() + 86_400_000);

    expect(sut([key], now)).toEqual({ ok: true });
    expect(sut([key], nextDay)).toMatchObject({ ok: false });
  });
});
