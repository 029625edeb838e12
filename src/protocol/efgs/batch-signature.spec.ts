import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workedKeyA as keyA, workedKeyB as keyB } from '../../../test/fixtures/efgs/diagnosis-keys';
import { batchSigningBytes, payloadHash, signingRecord } from './batch-signature';
import { normaliseThumbprint } from './client-certificate-headers';
import { DiagnosisKey } from './diagnosis-key';

const recordA = 'dcc0xt0aeC3nqWXaXrkxJQ==.AChUIA==.AAAAkA==.AAAAAQ==.REUsRlI=.Tkw=.AAAAAQ==./////g==.';
const recordB = 'ABEiM0RVZneImaq7zN3u/w==.AChTkA==.AAAAkA==.f////w==..Tkw=.AAAAAQ==.AAAH0A==.';

const ascii = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe(signingRecord.name, () => {
  const sut = signingRecord;

  it('writes eight base64 fields, each followed by a dot', () => {
    expect(sut(keyA)).toBe(recordA);
    expect(sut(keyB)).toBe(recordB);
  });

  it('writes DSOS as 4-byte two’s complement, not zig-zag', () => {
    const fields = sut(keyA).split('.');
    expect(fields[7]).toBe(Buffer.from([0xff, 0xff, 0xff, 0xfe]).toString('base64'));
    expect(fields[7]).not.toBe(Buffer.from([0, 0, 0, 3]).toString('base64'));
  });

  it('writes an empty visited list as an empty field (two dots in a row)', () => {
    expect(sut(keyB)).toContain('w==..Tkw=');
  });

  it('replaces non-ASCII characters with ? as Java’s US_ASCII encoder does', () => {
    expect(sut({ ...keyB, origin: 'Ñ' }).split('.')[5]).toBe(Buffer.from('?').toString('base64'));
  });

  it('reproduces every record of the EFGS cross-language test data (CSharpTestdata.txt)', () => {
    const lines = readFileSync(join(__dirname, '../../../test/fixtures/efgs/CSharpTestdata.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const bytes = (column: string): number[] => JSON.parse(column);
    const list = (column: string): string[] => (column === '[]' ? [] : column.slice(1, -1).split(','));
    const view = (column: string): DataView => new DataView(Uint8Array.from(bytes(column)).buffer);

    const mismatches: number[] = [];
    lines.forEach((line, index) => {
      const c = line.split('|');
      const key: DiagnosisKey = {
        keyData: Uint8Array.from(bytes(c[0])),
        rollingStartIntervalNumber: view(c[2]).getUint32(0),
        rollingPeriod: view(c[4]).getUint32(0),
        transmissionRiskLevel: view(c[6]).getInt32(0),
        visitedCountries: list(c[8]),
        origin: list(c[10]).join(','),
        reportType: view(c[12]).getInt32(0),
        daysSinceOnsetOfSymptoms: view(c[14]).getInt32(0),
      };
      const record = sut(key);
      const fieldsMatch = record
        .split('.')
        .slice(0, 8)
        .every((field, i) => field === c[2 * i + 1]);
      if (!fieldsMatch || Buffer.from(record, 'latin1').toString('base64') !== c[16])
        mismatches.push(index + 1);
    });

    expect(lines).toHaveLength(5000);
    expect(mismatches).toEqual([]);
  });
});

describe(batchSigningBytes.name, () => {
  const sut = batchSigningBytes;

  it('reproduces the worked two-key example', () => {
    const bytes = sut([keyA, keyB]);

    expect(ascii(bytes)).toBe(recordB + recordA);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      '23e5e57c229fe3e7c08efc5db150d82b2b67e3a78a78b6c3b29ebc619384ff1b',
    );
  });

  it('does not depend on the order of the keys in the batch', () => {
    expect(ascii(sut([keyB, keyA]))).toBe(ascii(sut([keyA, keyB])));
  });

  it('sorts by base64(record), which differs from sorting the raw records', () => {
    // In base64, 'z' (51) sorts after '0' (52) by value but before it as text. Records that start
    // "c0…" and "cA…" therefore swap places once base64-encoded.
    const digitFirst = { ...keyB, keyData: Buffer.from('c0AAAAAAAAAAAAAAAAAAAA==', 'base64') };
    const letterFirst = { ...keyB, keyData: Buffer.from('cAAAAAAAAAAAAAAAAAAAAA==', 'base64') };
    const rawOrder = [signingRecord(digitFirst), signingRecord(letterFirst)].sort().join('');

    const bytes = ascii(sut([digitFirst, letterFirst]));

    expect(bytes).toBe(signingRecord(letterFirst) + signingRecord(digitFirst));
    expect(bytes).not.toBe(rawOrder);
  });

  it('gives no bytes for an empty batch', () => {
    expect(sut([])).toHaveLength(0);
  });
});

describe(payloadHash.name, () => {
  const sut = payloadHash;

  it('is the SHA-256 of the signing record as 64 lower-case hex', () => {
    const hash = sut(keyA);

    expect(hash).toBe(createHash('sha256').update(recordA).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches an EFGS-style value whose leading zeros were dropped, after normalising', () => {
    const hash = sut(keyA);
    const efgsStyle = `00ab${hash.slice(4)}`.replace(/^0+/, '');

    expect(normaliseThumbprint(efgsStyle)).toBe(`00ab${hash.slice(4)}`);
  });
});
