import { DiagnosisKey, KEY_DATA_LENGTH, MAX_ROLLING_PERIOD, TRL_NOT_PROVIDED } from './diagnosis-key';

const INTERVAL_SECONDS = 600;
const DAY_MS = 86_400_000;

/** First failing key of an upload; `message` is the exact text EFGS puts in its 400 body. */
export type UploadValidationResult = { ok: true } | { ok: false; index: number; message: string };

/**
 * Inclusive window of acceptable `rollingStartIntervalNumber`s at `now` (docs/protocols/efgs.md §A3): from
 * UTC midnight 15 days ago up to the current 10-minute interval plus one.
 */
export function rollingStartIntervalWindow(now: Date): { min: number; max: number } {
  const midnight = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const min = (midnight - 15 * DAY_MS) / 1000 / INTERVAL_SECONDS;
  const max = Math.floor(now.getTime() / 1000 / INTERVAL_SECONDS) + 1;
  return { min, max };
}

function reason(key: DiagnosisKey, window: { min: number; max: number }): string | undefined {
  if (key.keyData.length === 0) return 'The keydata is empty or null.';
  if (key.keyData.length !== KEY_DATA_LENGTH) return 'The keydata is not 16 bytes.';
  const rsin = key.rollingStartIntervalNumber;
  if (rsin < window.min || rsin > window.max) return 'Invalid rolling start interval number.';
  if (key.rollingPeriod < 1 || key.rollingPeriod > MAX_ROLLING_PERIOD) return 'Invalid rolling period.';
  const trl = key.transmissionRiskLevel;
  if ((trl < 0 || trl > 8) && trl !== TRL_NOT_PROVIDED) return 'Invalid transmission risk level.';
  // DSOS is deliberately not checked: EFGS commented its −14..14 check out because the EU encodings
  // (dsos.ts) go up to ~4000.
  return undefined;
}

/**
 * Validates uploaded keys exactly as the gateway does (docs/protocols/efgs.md §A3, EFGS
 * `DiagnosisKeyBatchValidator`), stopping at the first bad key. `now` is injected so the RSIN window is
 * testable. Failure → 400 `{"message": "Validation of diagnosis key failed: <reason>"}`.
 */
export function validateUploadKeys(keys: readonly DiagnosisKey[], now: Date): UploadValidationResult {
  const window = rollingStartIntervalWindow(now);
  for (let index = 0; index < keys.length; index++) {
    const failure = reason(keys[index], window);
    if (failure !== undefined) {
      return { ok: false, index, message: `Validation of diagnosis key failed: ${failure}` };
    }
  }
  return { ok: true };
}
