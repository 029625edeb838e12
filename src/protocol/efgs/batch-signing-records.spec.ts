import { createHash, randomBytes } from 'node:crypto';
import { validKeyAt, workedKeyA, workedKeyB } from '../../../test/fixtures/efgs/diagnosis-keys';
import {
  batchSigningBytes,
  batchSigningRecords,
  payloadHash,
  payloadHashOfRecord,
  signingRecord,
} from './batch-signature';

describe(batchSigningRecords.name, () => {
  const sut = batchSigningRecords;

  it('gives the records in message order and the sorted bytes of docs/protocols/efgs.md §A4.1', () => {
    const { records, bytes } = sut([workedKeyA, workedKeyB]);

    expect(records).toEqual([signingRecord(workedKeyA), signingRecord(workedKeyB)]);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      '23e5e57c229fe3e7c08efc5db150d82b2b67e3a78a78b6c3b29ebc619384ff1b',
    );
  });

  it('agrees with batchSigningBytes and payloadHash for a large random batch', () => {
    const keys = Array.from({ length: 500 }, (_, i) =>
      validKeyAt(new Date(), {
        keyData: new Uint8Array(randomBytes(16)),
        transmissionRiskLevel: i % 2 ? 0x7fffffff : i % 9,
        daysSinceOnsetOfSymptoms: (i % 40) - 14 + (i % 3) * 1000,
        visitedCountries: i % 4 ? ['FR', 'DE'] : [],
      }),
    );

    const { records, bytes } = sut(keys);

    expect(bytes).toEqual(batchSigningBytes(keys));
    expect(records.map(payloadHashOfRecord)).toEqual(keys.map(payloadHash));
  });

  it('base64-encodes key data of any length as Buffer does (the EFGS test data has odd lengths)', () => {
    for (let length = 0; length < 40; length++) {
      const keyData = new Uint8Array(randomBytes(length));
      expect(signingRecord({ ...workedKeyA, keyData }).split('.')[0]).toBe(
        Buffer.from(keyData).toString('base64'),
      );
    }
  });
});
