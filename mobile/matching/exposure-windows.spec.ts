import {
  cryptAem,
  deriveAemk,
  deriveRpi,
  deriveRpik,
  encodeMetadata,
  enIntervalNumberFromMs,
  Infectiousness,
  ReportType,
  type TemporaryExposureKey,
} from '../../src/protocol/gaen';
import type { Sighting } from '../phone';
import { buildExposureWindows } from './exposure-windows';

const DAY = Date.UTC(2021, 4, 10);
const tek = new Uint8Array(16).fill(3);
const key: TemporaryExposureKey = {
  keyData: tek,
  rollingStartIntervalNumber: DAY / 600_000,
  rollingPeriod: 144,
};
const risk = { reportType: ReportType.CONFIRMED_TEST, infectiousness: Infectiousness.STANDARD };

function sighting(timeMs: number, rssi: number, txPowerDbm = -10, maxRssi = rssi): Sighting {
  const rpi = deriveRpi(deriveRpik(tek), enIntervalNumberFromMs(timeMs));
  const meta = encodeMetadata({ versionMajor: 1, versionMinor: 1, calibrationConfidence: 2, txPowerDbm });
  return {
    rpi,
    aem: cryptAem(deriveAemk(tek), rpi, meta),
    timeMs,
    rssiDbm: rssi,
    maxRssiDbm: maxRssi,
    secondsSinceLastScan: 280,
  };
}

describe('buildExposureWindows (docs/protocols/gaen.md §B4/§B7)', () => {
  it('cuts windows of at most 30 minutes and turns RSSI into attenuation with the AEM’s TX power', () => {
    const start = DAY + 10 * 3_600_000;
    const sightings = [0, 5, 10, 15, 20, 25, 30, 35, 40].map((m) =>
      sighting(start + m * 60_000, -65, -10, -60),
    );

    const sut = buildExposureWindows(key, sightings, risk);

    expect(sut.map((w) => w.scanInstances.length)).toEqual([6, 3]);
    expect(sut[0]).toMatchObject({
      dateMs: DAY,
      reportType: ReportType.CONFIRMED_TEST,
      calibrationConfidence: 2,
    });
    expect(sut[0].scanInstances[0]).toEqual({
      typicalAttenuationDb: 55,
      minAttenuationDb: 50,
      secondsSinceLastScan: 280,
    });
  });

  it('merges two RPIs of one scan and drops sightings with implausible metadata', () => {
    const t = DAY + 10 * 3_600_000 - 1000; // one second before an interval boundary
    const forged = { ...sighting(t + 60_000, -60), aem: new Uint8Array([1, 2, 3, 4]) };
    const sut = buildExposureWindows(
      key,
      [sighting(t, -60), sighting(t + 2000, -70), forged, sighting(t + 90_000, -60, 60)],
      risk,
    );

    expect(sut).toHaveLength(1);
    expect(sut[0].scanInstances).toEqual([
      { typicalAttenuationDb: 55, minAttenuationDb: 50, secondsSinceLastScan: 280 },
    ]);
  });
});
