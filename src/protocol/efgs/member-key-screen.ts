import { DiagnosisKey, KEY_DATA_LENGTH, MAX_ROLLING_PERIOD, ReportType } from './diagnosis-key';
import { decodeDsos, DsosMeaning } from './dsos';

/** Why a downloaded key is not taken into our own store. */
export type DropReason =
  | 'keyDataLength'
  | 'reportType'
  | 'rollingStartNotMidnight'
  | 'rollingPeriod'
  | 'origin'
  | 'trlAndDsosUnusable';

export interface MemberKeyPolicy {
  /** Report types we put into our exports; CWA takes only the two confirmed ones. */
  acceptedReportTypes: readonly ReportType[];
  /** Require `rollingStartIntervalNumber % 144 === 0`, as CWA does for its exports. */
  requireMidnightRollingStart: boolean;
}

/** CWA's download policy (docs/protocols/efgs.md §A10). */
export const DEFAULT_MEMBER_KEY_POLICY: MemberKeyPolicy = {
  acceptedReportTypes: [ReportType.CONFIRMED_TEST, ReportType.CONFIRMED_CLINICAL_DIAGNOSIS],
  requireMidnightRollingStart: true,
};

export interface KeptKey {
  /** Position in the downloaded batch. */
  index: number;
  key: DiagnosisKey;
  /** TRL is 1..8; otherwise the caller derives one from `dsos`. */
  trlUsable: boolean;
  /** Decoded DSOS, or undefined when it is outside every band; then the caller derives it from TRL. */
  dsos: DsosMeaning | undefined;
}

export interface DroppedKey {
  index: number;
  key: DiagnosisKey;
  reasons: DropReason[];
}

const MIN_TRL = 1;
const MAX_TRL = 8;

/**
 * Member-side screening of keys downloaded from the gateway (docs/protocols/efgs.md §A10, CWA
 * `ValidFederationKeyFilter`): stricter than the gateway's upload checks, and reporting every reason a key is
 * dropped. A key survives an unusable TRL or DSOS as long as the other one is usable, because CWA derives the
 * missing one from the other; it is dropped only when both are unusable. Relevance (visited countries, our
 * policy) is a separate decision; note that EFGS serves a key uploaded without visited countries as
 * `visitedCountries: [""]`.
 */
export function screenDownloadedKeys(
  keys: readonly DiagnosisKey[],
  policy: MemberKeyPolicy = DEFAULT_MEMBER_KEY_POLICY,
): { kept: KeptKey[]; dropped: DroppedKey[] } {
  const kept: KeptKey[] = [];
  const dropped: DroppedKey[] = [];
  keys.forEach((key, index) => {
    const reasons: DropReason[] = [];
    if (key.keyData.length !== KEY_DATA_LENGTH) reasons.push('keyDataLength');
    if (!policy.acceptedReportTypes.includes(key.reportType)) reasons.push('reportType');
    if (policy.requireMidnightRollingStart && key.rollingStartIntervalNumber % MAX_ROLLING_PERIOD !== 0) {
      reasons.push('rollingStartNotMidnight');
    }
    if (key.rollingPeriod < 1 || key.rollingPeriod > MAX_ROLLING_PERIOD) reasons.push('rollingPeriod');
    if (!/^[A-Z]{2}$/.test(key.origin)) reasons.push('origin');
    const trlUsable = key.transmissionRiskLevel >= MIN_TRL && key.transmissionRiskLevel <= MAX_TRL;
    const dsos = decodeDsos(key.daysSinceOnsetOfSymptoms);
    if (!trlUsable && dsos === undefined) reasons.push('trlAndDsosUnusable');
    if (reasons.length > 0) dropped.push({ index, key, reasons });
    else kept.push({ index, key, trlUsable, dsos });
  });
  return { kept, dropped };
}
