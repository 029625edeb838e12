import { workedKeyA } from '../../../test/fixtures/efgs/diagnosis-keys';
import { DiagnosisKey, ReportType, TRL_NOT_PROVIDED } from './diagnosis-key';
import { DEFAULT_MEMBER_KEY_POLICY, screenDownloadedKeys } from './member-key-screen';

// workedKeyA starts at 2642976 = 18354 · 144, i.e. at midnight.
const good: DiagnosisKey = { ...workedKeyA, transmissionRiskLevel: 5, daysSinceOnsetOfSymptoms: 3 };

describe(screenDownloadedKeys.name, () => {
  const sut = screenDownloadedKeys;

  it('keeps valid keys with their index and decoded DSOS', () => {
    expect(sut([good])).toEqual({
      kept: [{ index: 0, key: good, trlUsable: true, dsos: { kind: 'exactOnset', daysSinceOnset: 3 } }],
      dropped: [],
    });
  });

  it.each([
    ['keyDataLength', { keyData: new Uint8Array(15) }],
    ['reportType', { reportType: ReportType.SELF_REPORT }],
    ['reportType', { reportType: ReportType.RECURSIVE }],
    ['reportType', { reportType: ReportType.REVOKED }],
    ['reportType', { reportType: 9 }],
    ['rollingStartNotMidnight', { rollingStartIntervalNumber: good.rollingStartIntervalNumber + 1 }],
    ['rollingPeriod', { rollingPeriod: 0 }],
    ['rollingPeriod', { rollingPeriod: 145 }],
    ['origin', { origin: 'nl' }],
    ['origin', { origin: '' }],
    ['trlAndDsosUnusable', { transmissionRiskLevel: TRL_NOT_PROVIDED, daysSinceOnsetOfSymptoms: 5000 }],
  ])('drops a key for %s', (reason, overrides) => {
    const key = { ...good, ...overrides };

    expect(sut([good, key]).dropped).toEqual([{ index: 1, key, reasons: [reason] }]);
  });

  it('lists every reason a key is dropped', () => {
    const key = { ...good, keyData: new Uint8Array(0), reportType: ReportType.UNKNOWN, rollingPeriod: 0 };

    expect(sut([key]).dropped[0].reasons).toEqual(['keyDataLength', 'reportType', 'rollingPeriod']);
  });

  it('keeps a key whose TRL or DSOS is unusable while the other is usable, flagging which', () => {
    const noTrl = { ...good, transmissionRiskLevel: TRL_NOT_PROVIDED };
    const zeroTrl = { ...good, transmissionRiskLevel: 0 };
    const badDsos = { ...good, daysSinceOnsetOfSymptoms: 150 };

    const { kept, dropped } = sut([noTrl, zeroTrl, badDsos]);

    expect(dropped).toEqual([]);
    expect(kept.map(({ trlUsable, dsos }) => ({ trlUsable, dsos: dsos?.kind }))).toEqual([
      { trlUsable: false, dsos: 'exactOnset' },
      { trlUsable: false, dsos: 'exactOnset' },
      { trlUsable: true, dsos: undefined },
    ]);
  });

  it('decodes the EU DSOS bands that the gateway lets through', () => {
    const values = [2000, 2997, 4000, 502];

    const { kept } = sut(values.map((d) => ({ ...good, daysSinceOnsetOfSymptoms: d })));

    expect(kept.map((k) => k.dsos?.kind)).toEqual([
      'unknownOnset',
      'asymptomatic',
      'unknownStatus',
      'onsetRange',
    ]);
  });

  it('follows a looser policy when asked', () => {
    const selfReport = { ...good, reportType: ReportType.SELF_REPORT, rollingStartIntervalNumber: 2642977 };
    const policy = {
      acceptedReportTypes: [...DEFAULT_MEMBER_KEY_POLICY.acceptedReportTypes, ReportType.SELF_REPORT],
      requireMidnightRollingStart: false,
    };

    expect(sut([selfReport], policy).kept).toHaveLength(1);
  });
});
