import { hkdfSync, randomBytes } from 'node:crypto';

import { GAEN_TEST_VECTORS as V } from '../../../test/fixtures/gaen-vectors';
import {
  cryptAem,
  decodeMetadata,
  deriveAemk,
  deriveRpi,
  deriveRpik,
  deriveRpis,
  encodeMetadata,
  generateTek,
  paddedData,
} from './crypto';
import { enIntervalNumber, rollingStartIntervalNumber } from './interval';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('GAEN key schedule (docs/protocols/gaen.md §B2/§B3)', () => {
  const tek = bytes(V.tek);

  it('computes the interval number of the key generation time', () => {
    const sut = enIntervalNumber;
    expect(sut(V.keyGenerationUnixSeconds)).toBe(V.intervalNumber);
    expect(rollingStartIntervalNumber(V.intervalNumber + 143)).toBe(V.intervalNumber);
  });

  it('derives RPIK and AEMK of the published vector', () => {
    expect(hex(deriveRpik(tek))).toBe(V.rpik);
    expect(hex(deriveAemk(tek))).toBe(V.aemk);
  });

  it('pads interval numbers little-endian', () => {
    const sut = paddedData;
    expect(hex(sut(V.intervalNumber))).toBe(V.paddedData0);
  });

  it('reproduces all 144 RPIs bit for bit, in one call and one by one', () => {
    const rpik = deriveRpik(tek);
    const sut = deriveRpis(rpik, V.intervalNumber, 144);
    expect(V.rpis).toHaveLength(144);
    V.rpis.forEach(([interval, rpi], i) => {
      expect(hex(sut.subarray(i * 16, i * 16 + 16))).toBe(rpi);
      expect(hex(deriveRpi(rpik, interval))).toBe(rpi);
    });
  });

  it('reproduces all 144 AEMs bit for bit and decrypts them back', () => {
    const aemk = deriveAemk(tek);
    const metadata = bytes(V.metadata);
    for (const [, rpi, aem] of V.rpis) {
      const sut = cryptAem(aemk, bytes(rpi), metadata);
      expect(hex(sut)).toBe(aem);
      expect(hex(cryptAem(aemk, bytes(rpi), sut))).toBe(V.metadata);
    }
  });

  it('matches Node hkdfSync for random TEKs', () => {
    for (let i = 0; i < 200; i++) {
      const sut = randomBytes(16);
      const expected = new Uint8Array(hkdfSync('sha256', sut, new Uint8Array(0), 'EN-RPIK', 16));
      expect(hex(deriveRpik(sut))).toBe(hex(expected));
      const aemk = new Uint8Array(hkdfSync('sha256', sut, new Uint8Array(0), 'EN-AEMK', 16));
      expect(hex(deriveAemk(sut))).toBe(hex(aemk));
    }
  });

  it('generates 16-byte TEKs from the given random source', () => {
    const sut = generateTek((out) => out.fill(7));
    expect(hex(sut)).toBe('07'.repeat(16));
    expect(generateTek()).toHaveLength(16);
  });

  it('rejects keys of the wrong length', () => {
    expect(() => deriveRpik(new Uint8Array(15))).toThrow(/TEK must be 16 bytes/);
  });
});

describe('Bluetooth metadata', () => {
  it('encodes v1.0 with TX power +8 as 40080000', () => {
    const sut = encodeMetadata({ versionMajor: 1, versionMinor: 0, calibrationConfidence: 0, txPowerDbm: 8 });
    expect(hex(sut)).toBe(V.metadata);
  });

  it('round-trips a v1.1 record with negative TX power', () => {
    const meta = { versionMajor: 1, versionMinor: 1, calibrationConfidence: 2, txPowerDbm: -12 };
    const sut = decodeMetadata(encodeMetadata(meta));
    expect(sut).toEqual(meta);
  });

  it('returns null for metadata that cannot be genuine', () => {
    const sut = decodeMetadata;
    expect(sut(bytes('c0080000'))).toBeNull();
    expect(sut(bytes('40080001'))).toBeNull();
    expect(sut(bytes('4008'))).toBeNull();
  });
});
