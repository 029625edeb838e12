import { randomBytes } from 'node:crypto';

import { deriveRpik, deriveRpis } from '../../src/protocol/gaen';
import { GAEN_TEST_VECTORS as V } from '../../test/fixtures/gaen-vectors';
import type { Sighting } from '../phone';
import { loadNativeAddon, NativeKernel, TsKernel } from './kernel';
import { prefixOf, SightingIndex } from './sighting-index';

function sightingOf(rpi: Uint8Array, timeMs: number): Sighting {
  return { rpi, aem: new Uint8Array(4), timeMs, rssiDbm: -60, maxRssiDbm: -60, secondsSinceLastScan: 300 };
}

describe('matching kernels', () => {
  const keys = new Uint8Array(randomBytes(50 * 16));
  const rsin = new Int32Array(50).map((_, i) => V.intervalNumber + 144 * (i % 3));
  keys.set(Buffer.from(V.tek, 'hex'), 7 * 16);
  rsin[7] = V.intervalNumber;
  // The phone heard RPIs 5 and 100 of the test-vector key and RPI 3 of key 20.
  const heard = [
    sightingOf(Buffer.from(V.rpis[5][1], 'hex'), (V.intervalNumber + 5) * 600_000),
    sightingOf(Buffer.from(V.rpis[100][1], 'hex'), (V.intervalNumber + 100) * 600_000),
    sightingOf(deriveRpis(deriveRpik(keys.subarray(320, 336)), rsin[20] + 3, 1), (rsin[20] + 3) * 600_000),
  ];
  const index = SightingIndex.build(heard);

  it('finds exactly the planted RPIs with the TypeScript kernel', () => {
    const sut = new TsKernel(index.prefixes);
    const out = new Uint32Array(64);
    const found = sut.findCandidates(keys, rsin, 0, 50, out);
    expect(Array.from(out.subarray(0, found * 2))).toEqual([7, 5, 7, 100, 20, 3]);
  });

  it('reports the count when the output buffer is too small', () => {
    const sut = new TsKernel(index.prefixes);
    expect(sut.findCandidates(keys, rsin, 0, 50, new Uint32Array(2))).toBe(3);
  });

  it('skips keys whose rolling start interval cannot match any sighting', () => {
    const sut = new TsKernel({ ...index.prefixes, minRsin: V.intervalNumber + 1 });
    expect(sut.findCandidates(keys, rsin, 0, 50, new Uint32Array(64))).toBe(1); // only key 20 (next day) is left
  });

  const native = loadNativeAddon();
  (native ? it : it.skip)('native kernel agrees with the TypeScript one and with the test vectors', () => {
    const sut = new NativeKernel(native!, index.prefixes);
    const out = new Uint32Array(64);
    const found = sut.findCandidates(keys, rsin, 0, 50, out);
    expect(Array.from(out.subarray(0, found * 2))).toEqual([7, 5, 7, 100, 20, 3]);

    const rpis = new Uint8Array(144 * 16);
    native!.deriveRpis(Buffer.from(V.tek, 'hex'), new Int32Array([V.intervalNumber]), 1, rpis);
    V.rpis.forEach(([, rpi], i) =>
      expect(Buffer.from(rpis.subarray(i * 16, i * 16 + 16)).toString('hex')).toBe(rpi),
    );
    const many = new Uint8Array(50 * 144 * 16);
    native!.deriveRpis(keys, rsin, 50, many);
    for (let k = 0; k < 50; k += 7) {
      expect(Buffer.from(many.subarray(k * 2304, (k + 1) * 2304))).toEqual(
        Buffer.from(deriveRpis(deriveRpik(keys.subarray(k * 16, k * 16 + 16)), rsin[k], 144)),
      );
    }
  });

  it('reads prefixes little-endian', () => {
    expect(prefixOf(new Uint8Array([1, 2, 3, 4]), 0)).toBe(0x04030201);
  });
});
