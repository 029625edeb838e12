import { generateKeyPairSync } from 'node:crypto';

import {
  createEcdsaSigner,
  DAY_MS,
  ReportType,
  writeExportFile,
  type ExportVerificationKey,
  type TemporaryExposureKey,
} from '../../src/protocol/gaen';
import { ManualClock } from '../clock';
import { Phone } from '../phone';
import { SeededRandom } from '../random';
import { parseSchedule, simulateEncounters } from '../simulator';
import { loadNativeAddon } from './kernel';
import { matchExports, matchKeys } from './match';

const DAY = Date.UTC(2021, 4, 10);
const HOUR = 3_600_000;
const info = { verificationKeyId: '204', verificationKeyVersion: 'v1' };
const healthAuthority = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const impostor = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const trusted: ExportVerificationKey[] = [{ ...info, publicKey: healthAuthority.publicKey }];

function setup(schedule: string) {
  const clock = new ManualClock(DAY + 8 * HOUR);
  const rng = new SeededRandom(42);
  const phones = ['A', 'B', 'C'].map((id) => Phone.create({ id, clock, random: (out) => rng.fill(out) }));
  simulateEncounters(phones, parseSchedule(schedule, DAY), { seed: 7 });
  clock.set(DAY + DAY_MS + 9 * HOUR); // next morning: A tests positive and uploads
  const [a, b, c] = phones;
  return { clock, a, b, c };
}

async function exportOf(
  keys: TemporaryExposureKey[],
  signWith = healthAuthority.privateKey,
): Promise<Uint8Array> {
  return writeExportFile(
    {
      metadata: {
        startTimestamp: (DAY + DAY_MS) / 1000,
        endTimestamp: (DAY + DAY_MS) / 1000 + 3600,
        region: 'NL',
        batchNum: 1,
        batchSize: 1,
        signatureInfos: [info],
      },
      keys,
    },
    createEcdsaSigner(signWith, info),
  );
}

function noise(count: number, rsin: number): TemporaryExposureKey[] {
  const rng = new SeededRandom(99);
  return Array.from({ length: count }, () => {
    const keyData = new Uint8Array(16);
    rng.fill(keyData);
    return {
      keyData,
      rollingStartIntervalNumber: rsin,
      rollingPeriod: 144,
      reportType: ReportType.CONFIRMED_TEST,
    };
  });
}

describe('matchExports: the "done when" scenario', () => {
  const schedule = 'A and B within 2 m for 20 min at 10:00; B and C within 2 m for 20 min at 14:00';

  it('notifies B, who met A for 20 minutes at close range, once A’s keys are in a signed export', async () => {
    const { a, b } = setup(schedule);
    const keys = a.diagnosisKeys({ reportType: ReportType.CONFIRMED_TEST });
    const zip = await exportOf([...keys, ...noise(500, keys[0].rollingStartIntervalNumber)]);

    const sut = await matchExports(b, [zip], trusted);

    expect(sut.files).toEqual([expect.objectContaining({ ok: true, keyCount: keys.length + 500 })]);
    expect(sut.notify).toBe(true);
    expect(sut.matchedKeys).toHaveLength(1);
    expect(Buffer.from(sut.matchedKeys[0].key.keyData)).toEqual(Buffer.from(keys[0].keyData));
    expect(sut.exposureWindows.length).toBeGreaterThanOrEqual(1);
    for (const w of sut.exposureWindows) {
      expect(w.dateMs).toBe(DAY);
      expect(w.reportType).toBe(ReportType.CONFIRMED_TEST);
      expect(w.scanInstances.every((s) => s.typicalAttenuationDb > 40 && s.typicalAttenuationDb < 70)).toBe(
        true,
      );
    }
    expect(sut.riskyDays.map((d) => d.dateMs)).toEqual([DAY]);
    expect(sut.dailySummaries[0].daySummary.weightedDurationSum).toBeGreaterThanOrEqual(900);
  });

  it('does not notify C, who met B but never A', async () => {
    const { a, c } = setup(schedule);
    const zip = await exportOf(a.diagnosisKeys());

    const sut = await matchExports(c, [zip], trusted);

    expect(c.sightings().length).toBeGreaterThan(0);
    expect(sut.notify).toBe(false);
    expect(sut.matchedKeys).toHaveLength(0);
  });

  it('does not notify B when the export’s signature is wrong, and says why', async () => {
    const { a, b } = setup(schedule);
    const forged = await exportOf(a.diagnosisKeys(), impostor.privateKey);

    const sut = await matchExports(b, [forged], trusted);

    expect(sut.notify).toBe(false);
    expect(sut.keysChecked).toBe(0);
    expect(sut.files[0]).toMatchObject({ ok: false, error: { code: 'SIGNATURE_INVALID' } });
  });

  it('gives the same answer with the TypeScript kernel, the native kernel (when built) and worker threads', async () => {
    const { a, b } = setup(schedule);
    const zip = await exportOf([...a.diagnosisKeys(), ...noise(300, 2_700_000)]);
    const summary = (r: Awaited<ReturnType<typeof matchExports>>) => [
      r.notify,
      r.matchedKeys.length,
      r.exposureWindows,
    ];

    const ts = await matchExports(b, [zip], trusted, { kernel: 'ts', batchSize: 64 });
    expect(ts.kernel).toBe('ts');
    if (loadNativeAddon()) {
      const sut = await matchExports(b, [zip], trusted, { kernel: 'native' });
      expect(sut.kernel).toBe('native');
      expect(summary(sut)).toEqual(summary(ts));
    }
    const sut = await matchExports(b, [zip], trusted, { workers: 2, batchSize: 100 });
    expect(summary(sut)).toEqual(summary(ts));
  });
});

describe('matching rules', () => {
  it('does not notify for a short or a distant encounter, though it finds the windows', async () => {
    const { a, b, c } = setup(
      'A and B within 1 m for 5 min at 10:00; A and C within 20 m for 40 min at 12:00',
    );
    const keys = a.diagnosisKeys();

    const short = await matchKeys(b, keys);
    const far = await matchKeys(c, keys);

    expect(short.matchedKeys).toHaveLength(1);
    expect(short.notify).toBe(false);
    expect(far.matchedKeys).toHaveLength(1);
    expect(far.notify).toBe(false);
  });

  it('accepts a sighting within ±2 h of the RPI’s interval and rejects one outside', async () => {
    const clock = new ManualClock(DAY + 10 * HOUR);
    const a = Phone.create({ id: 'A', clock });
    const b = Phone.create({ id: 'B', clock });
    const c = Phone.create({ id: 'C', clock });
    const ad = a.advertisement(DAY + 10 * HOUR);
    b.recordScan(DAY + 11 * HOUR + 50 * 60_000, [{ ...ad, rssiDbm: [-60] }]); // B's clock 1 h 50 min ahead
    c.recordScan(DAY + 12 * HOUR + 10 * 60_000, [{ ...ad, rssiDbm: [-60] }]); // C's clock 2 h 10 min ahead
    clock.set(DAY + DAY_MS);

    const sut = [await matchKeys(b, a.diagnosisKeys()), await matchKeys(c, a.diagnosisKeys())];

    expect(sut.map((r) => r.matchedKeys.length)).toEqual([1, 0]);
  });

  it('ignores sightings older than 14 days, drops revoked keys and keys with no infectiousness', async () => {
    const { a, b, clock } = setup('A and B within 2 m for 30 min at 10:00');
    const keys = a.diagnosisKeys({ reportType: ReportType.CONFIRMED_TEST });

    const revoked = await matchKeys(
      b,
      keys.map((k) => ({ ...k, reportType: ReportType.REVOKED })),
    );
    const beforeOnset = await matchKeys(
      b,
      keys.map((k) => ({ ...k, daysSinceOnsetOfSymptoms: -10 })),
    );
    clock.advance(15 * DAY_MS);
    const late = await matchKeys(b, keys);

    expect(revoked.notify).toBe(false);
    expect(revoked.exposureWindows).toHaveLength(0);
    expect(beforeOnset.matchedKeys).toHaveLength(1);
    expect(beforeOnset.exposureWindows).toHaveLength(0);
    expect(late.matchedKeys).toHaveLength(0);
  });

  it('applies revised keys of a later file: a revocation withdraws the exposure', async () => {
    const { a, b } = setup('A and B within 2 m for 30 min at 10:00');
    const keys = a.diagnosisKeys({ reportType: ReportType.CONFIRMED_TEST });
    const first = await exportOf(keys);
    const second = await writeExportFile(
      {
        metadata: {
          startTimestamp: 1,
          endTimestamp: 2,
          region: 'NL',
          batchNum: 1,
          batchSize: 1,
          signatureInfos: [info],
        },
        keys: [],
        revisedKeys: keys.map((k) => ({ ...k, reportType: ReportType.REVOKED })),
      },
      createEcdsaSigner(healthAuthority.privateKey, info),
    );

    const sut = await matchExports(b, [first, second], trusted);

    expect(sut.files.every((f) => f.ok)).toBe(true);
    expect(sut.notify).toBe(false);
  });
});
