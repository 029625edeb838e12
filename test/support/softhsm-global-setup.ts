/**
 * SoftHSM2 reads SOFTHSM2_CONF from the real process environment, which jest's per-test copy of
 * process.env does not reach. Set it here, before the test processes start, so tests that load the
 * module in-process use a token directory of this run (src/protocol/pkcs11/testing/softhsm.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSoftHsmConfig } from '../../src/protocol/pkcs11/testing/softhsm';

export default function softHsmGlobalSetup(): void {
  process.env.SOFTHSM2_CONF ??= writeSoftHsmConfig(mkdtempSync(join(tmpdir(), 'veilig-softhsm-jest-')));
}
