import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

import { ExportFileError, type ExportFileErrorCode } from './errors';
import { EXPORT_HEADER } from './export-decoder';
import {
  createEcdsaSigner,
  decodeExportBinUnverified,
  encodeExportBin,
  encodeExportBinFromBlocks,
  encodeExportBinFromColumns,
  openExportFile,
  readExportFile,
  writeExportFile,
  writeExportFileFromColumns,
  type ExportContent,
  type ExportVerificationKey,
} from './export-file';
import { DSOS_MISSING, KeyColumns, ReportType, type TemporaryExposureKey } from './keys';
import { ExportProto } from './proto';
import { crc32, readZip, writeZip } from './zip';

const FIXTURES = join(__dirname, '../../../test/fixtures/gaen-export');
const googleZip = new Uint8Array(readFileSync(join(FIXTURES, 'testExport-2-records-1-of-1.zip')));
const googleKey: ExportVerificationKey = {
  verificationKeyId: 'some_id',
  verificationKeyVersion: '1',
  publicKey: readFileSync(join(FIXTURES, 'public.pem'), 'utf8'),
};

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const info = { verificationKeyId: '204', verificationKeyVersion: 'v1' };
const trusted: ExportVerificationKey[] = [{ ...info, publicKey }];
const signer = createEcdsaSigner(privateKey, info);

function key(byte: number, extra: Partial<TemporaryExposureKey> = {}): TemporaryExposureKey {
  return {
    keyData: new Uint8Array(16).fill(byte),
    rollingStartIntervalNumber: 2_700_000,
    rollingPeriod: 144,
    ...extra,
  };
}

function content(keys: TemporaryExposureKey[] = [key(1), key(2)]): ExportContent {
  return {
    metadata: {
      startTimestamp: 1_620_000_000,
      endTimestamp: 1_620_003_600,
      region: 'NL',
      batchNum: 1,
      batchSize: 1,
      signatureInfos: [info],
    },
    keys,
  };
}

async function expectCode(promise: Promise<unknown>, code: ExportFileErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(ExportFileError);
  await expect(promise).rejects.toMatchObject({ code });
}

/** Builds a zip by hand so tests can produce what writeZip never would. */
function handZip(
  entries: { name: string; data: Uint8Array; declaredSize?: number; stored?: boolean }[],
  trailer: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.stored ? Buffer.from(e.data) : deflateRawSync(e.data);
    const name = Buffer.from(e.name, 'latin1');
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.stored ? 0 : 8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBuf, eocd, trailer]));
}

async function signedEntries(bin: Uint8Array): Promise<{ name: string; data: Uint8Array }[]> {
  const sig = ExportProto.TEKSignatureList.encode({
    signatures: [
      { signatureInfo: info, batchNum: 1, batchSize: 1, signature: sign('sha256', bin, privateKey) },
    ],
  }).finish();
  return [
    { name: 'export.bin', data: bin },
    { name: 'export.sig', data: sig },
  ];
}

describe('readExportFile', () => {
  it("reads and verifies Google's signed example export", async () => {
    const sut = await readExportFile(googleZip, [googleKey]);
    expect(sut).toMatchObject({
      startTimestamp: 1590159600,
      endTimestamp: 1590246000,
      region: 'US',
      batchNum: 1,
      batchSize: 1,
      verifiedBy: { verificationKeyId: 'some_id', verificationKeyVersion: '1' },
    });
    const keys = sut.keys.toArray();
    expect(keys.map((k) => Buffer.from(k.keyData).toString('base64'))).toEqual([
      'Fy/EgOWYSQw0F3YEM5sVQw==',
      'K2MFOsSDI43hdhaehh89zQ==',
    ]);
    expect(keys.map((k) => [k.transmissionRiskLevel, k.rollingStartIntervalNumber, k.rollingPeriod])).toEqual(
      [
        [8, 2649980, 1],
        [1, 2649866, 114],
      ],
    );
  });

  it("rejects Google's export under the wrong public key", async () => {
    const sut = readExportFile(googleZip, [{ ...googleKey, publicKey: other.publicKey }]);
    await expectCode(sut, 'SIGNATURE_INVALID');
  });

  it('rejects an export signed by a key it does not trust', async () => {
    const sut = readExportFile(googleZip, trusted);
    await expectCode(sut, 'UNKNOWN_SIGNING_KEY');
  });

  it('rejects a truncated file', async () => {
    await expectCode(readExportFile(googleZip.subarray(0, googleZip.length - 30), [googleKey]), 'TRUNCATED');
    await expectCode(readExportFile(googleZip.subarray(0, 200), [googleKey]), 'TRUNCATED');
    await expectCode(readExportFile(googleZip.subarray(0, 10), [googleKey]), 'TRUNCATED');
  });

  it('rejects what is not a zip', async () => {
    const sut = readExportFile(
      new Uint8Array(Buffer.from('EK Export v1    not a zip at all, sorry')),
      trusted,
    );
    await expectCode(sut, 'NOT_A_ZIP');
  });

  it('rejects garbage after or before the archive', async () => {
    const zip = await writeExportFile(content(), signer);
    await expectCode(readExportFile(new Uint8Array([...zip, 1, 2, 3]), trusted), 'EXTRA_DATA');
    const prefixed = handZip(await signedEntries(encodeExportBin(content())));
    await expectCode(readExportFile(new Uint8Array([0, ...prefixed]), trusted), 'EXTRA_DATA');
  });

  it('rejects a file whose export.bin was altered after signing', async () => {
    const bin = encodeExportBin(content());
    const entries = await signedEntries(bin);
    const tampered = new Uint8Array(bin);
    tampered[tampered.length - 20] ^= 0x01;
    const sut = readExportFile(handZip([{ ...entries[0], data: tampered }, entries[1]]), trusted);
    await expectCode(sut, 'SIGNATURE_INVALID');
  });

  it('rejects a wrong header even when the signature covers it', async () => {
    const bin = encodeExportBin(content());
    bin.set(Buffer.from('EK Export v2    '), 0);
    const sut = readExportFile(handZip(await signedEntries(bin)), trusted);
    await expectCode(sut, 'BAD_HEADER');
  });

  it('rejects a zip bomb whose entry inflates beyond the cap although it declares a small size', async () => {
    const bomb = new Uint8Array(8 * 1024 * 1024); // deflates to ~8 KiB
    bomb.set(EXPORT_HEADER);
    const [, sig] = await signedEntries(bomb);
    const zip = handZip([{ name: 'export.bin', data: bomb, declaredSize: 1000 }, sig]);
    const sut = readExportFile(zip, trusted, { maxExportBinBytes: 1024 * 1024 });
    await expectCode(sut, 'ZIP_BOMB');
  });

  it('rejects an entry that declares more than the cap', async () => {
    const big = new Uint8Array(2 * 1024 * 1024);
    const [, sig] = await signedEntries(big);
    const sut = readExportFile(handZip([{ name: 'export.bin', data: big }, sig]), trusted, {
      maxExportBinBytes: 1024 * 1024,
    });
    await expectCode(sut, 'ENTRY_TOO_LARGE');
  });

  it('rejects an entry whose inflated size differs from the declared one', async () => {
    const entries = await signedEntries(encodeExportBin(content()));
    const sut = readExportFile(handZip([{ ...entries[0], declaredSize: 40 }, entries[1]]), trusted);
    await expectCode(sut, 'CORRUPT_ENTRY');
  });

  it('rejects missing, unexpected and duplicated entries', async () => {
    const [bin, sig] = await signedEntries(encodeExportBin(content()));
    await expectCode(readExportFile(handZip([bin]), trusted), 'MISSING_ENTRY');
    await expectCode(readExportFile(handZip([sig]), trusted), 'MISSING_ENTRY');
    const extra = { name: 'readme.txt', data: new Uint8Array([1]) };
    await expectCode(readExportFile(handZip([bin, sig, extra]), trusted), 'UNEXPECTED_ENTRY');
    await expectCode(readExportFile(handZip([bin, bin]), trusted), 'UNEXPECTED_ENTRY');
  });

  it('accepts stored (uncompressed) entries', async () => {
    const entries = await signedEntries(encodeExportBin(content()));
    const sut = await readExportFile(handZip(entries.map((e) => ({ ...e, stored: true }))), trusted);
    expect(sut.keys.count).toBe(2);
  });

  it('rejects an empty signature list', async () => {
    const bin = encodeExportBin(content());
    const zip = writeZip(
      [
        { name: 'export.bin', data: bin },
        { name: 'export.sig', data: ExportProto.TEKSignatureList.encode({ signatures: [] }).finish() },
      ],
      new Date(0),
    );
    await expectCode(readExportFile(zip, trusted), 'SIGNATURE_MISSING');
  });

  it('rejects a garbled signature and a signature for another batch', async () => {
    const bin = encodeExportBin(content());
    const sigWith = (fields: object): Uint8Array =>
      ExportProto.TEKSignatureList.encode({
        signatures: [
          {
            signatureInfo: info,
            batchNum: 1,
            batchSize: 1,
            signature: sign('sha256', bin, privateKey),
            ...fields,
          },
        ],
      }).finish();
    const zipWith = (sig: Uint8Array): Uint8Array =>
      writeZip(
        [
          { name: 'export.bin', data: bin },
          { name: 'export.sig', data: sig },
        ],
        new Date(0),
      );
    await expectCode(
      readExportFile(zipWith(sigWith({ signature: new Uint8Array([0x30, 1, 2]) })), trusted),
      'SIGNATURE_INVALID',
    );
    await expectCode(
      readExportFile(zipWith(sigWith({ batchNum: 2, batchSize: 2 })), trusted),
      'BATCH_MISMATCH',
    );
    await expectCode(readExportFile(zipWith(new Uint8Array([0xff, 0xff, 0xff])), trusted), 'BAD_PROTOBUF');
  });

  it('rejects a signed export.bin that is not a valid export', async () => {
    const garbage = new Uint8Array([...EXPORT_HEADER, 0x3a, 0x40, 1, 2]);
    await expectCode(readExportFile(handZip(await signedEntries(garbage)), trusted), 'BAD_PROTOBUF');
    const shortKey = ExportProto.TemporaryExposureKeyExport.encode({
      keys: [{ keyData: new Uint8Array(15), rollingStartIntervalNumber: 1, rollingPeriod: 144 }],
    }).finish();
    const bin = new Uint8Array([...EXPORT_HEADER, ...shortKey]);
    await expectCode(readExportFile(handZip(await signedEntries(bin)), trusted), 'INVALID_KEY');
  });
});

describe('writeExportFile', () => {
  it('round-trips keys, optional fields and revised keys', async () => {
    const keys = [
      key(9, {
        reportType: ReportType.CONFIRMED_TEST,
        daysSinceOnsetOfSymptoms: -3,
        transmissionRiskLevel: 4,
      }),
      key(3, { rollingPeriod: 40, reportType: ReportType.SELF_REPORT, daysSinceOnsetOfSymptoms: 4000 }),
      key(5, { variantOfConcern: 2 }),
    ];
    const zip = await writeExportFile(
      { ...content(keys), revisedKeys: [key(7, { reportType: ReportType.REVOKED })] },
      signer,
    );
    const sut = await readExportFile(zip, trusted);
    expect(sut.region).toBe('NL');
    expect(sut.startTimestamp).toBe(1_620_000_000);
    expect(sut.endTimestamp).toBe(1_620_003_600);
    // Sorted by key bytes: 3, 5, 9.
    expect(sut.keys.toArray()).toEqual([keys[1], keys[2], keys[0]]);
    expect(sut.revisedKeys.toArray()).toEqual([key(7, { reportType: ReportType.REVOKED })]);
  });

  it('decodes keys in batches into reused columns', async () => {
    const keys = Array.from({ length: 10 }, (_, i) => key(i + 1, { daysSinceOnsetOfSymptoms: i - 5 }));
    const sut = await openExportFile(await writeExportFile(content(keys), signer), trusted);

    const batches = [...sut.keyBatches(4)].map((b) => b.count);
    const all = [];
    for (const batch of sut.keyBatches(4)) all.push(...batch.toArray());

    expect(sut.keyCount).toBe(10);
    expect(batches).toEqual([4, 4, 2]);
    expect(all).toEqual(keys);
  });

  it('is deterministic for the same content', async () => {
    const a = await writeExportFile(content(), signer);
    const b = decodeExportBinUnverified(
      readZip(a, [
        { name: 'export.bin', maxBytes: 1e6 },
        { name: 'export.sig', maxBytes: 1e6 },
      ]).get('export.bin')!,
    );
    expect(b.keys.count).toBe(2);
    expect(Buffer.from(encodeExportBin(content())).equals(Buffer.from(encodeExportBin(content())))).toBe(
      true,
    );
  });

  it('writes every signature the signer returns and verifies with any trusted one', async () => {
    const info2 = { verificationKeyId: '204', verificationKeyVersion: 'v2' };
    const both = async (bin: Uint8Array) => [
      ...(await signer(bin)),
      ...(await createEcdsaSigner(other.privateKey, info2)(bin)),
    ];
    const zip = await writeExportFile(
      { ...content(), metadata: { ...content().metadata, signatureInfos: [info2, info] } },
      both,
    );
    const sut = await readExportFile(zip, [{ ...info2, publicKey: other.publicKey }]);
    expect(sut.verifiedBy).toMatchObject(info2);
    expect(sut.signatureInfos.map((i) => i.verificationKeyVersion)).toEqual(['v2', 'v1']);
  });

  it('refuses a signature whose key is not listed in the metadata', async () => {
    const stray = createEcdsaSigner(privateKey, { verificationKeyId: 'x', verificationKeyVersion: 'y' });
    await expect(writeExportFile(content(), stray)).rejects.toThrow(/not listed/);
  });

  it('refuses invalid keys and metadata', async () => {
    await expect(writeExportFile(content([key(1, { rollingPeriod: 145 })]), signer)).rejects.toThrow(
      RangeError,
    );
    const bad = { ...content(), metadata: { ...content().metadata, batchNum: 2 } };
    await expect(writeExportFile(bad, signer)).rejects.toThrow(/batchNum/);
  });
});

describe('encodeExportBinFromColumns', () => {
  const metadata = {
    startTimestamp: 1_700_000_000,
    endTimestamp: 1_700_003_600,
    region: 'NL',
    batchNum: 1,
    batchSize: 1,
    signatureInfos: [{ verificationKeyId: '204', verificationKeyVersion: 'v1' }],
  };
  const keys = [
    {
      keyData: new Uint8Array(16).fill(1),
      rollingStartIntervalNumber: 2_830_000 * 1,
      rollingPeriod: 144,
      reportType: 1,
      daysSinceOnsetOfSymptoms: -3,
    },
    {
      keyData: new Uint8Array(16).fill(2),
      rollingStartIntervalNumber: 2_830_144,
      rollingPeriod: 7,
      transmissionRiskLevel: 4,
    },
    {
      keyData: new Uint8Array(16).fill(3),
      rollingStartIntervalNumber: 2_830_288,
      rollingPeriod: 144,
      reportType: 2,
      daysSinceOnsetOfSymptoms: 4000,
      variantOfConcern: 1,
    },
  ];

  it('is byte-identical to the object encoder in the same order', () => {
    const sut = encodeExportBinFromColumns(metadata, KeyColumns.fromKeys(keys), [2, 0, 1]);
    expect(Buffer.from(sut)).toEqual(
      Buffer.from(encodeExportBin({ metadata, keys: [keys[2], keys[0], keys[1]] }, { sortKeys: false })),
    );
  });

  it('writes the same bytes from a block source as from columns', () => {
    const cols = KeyColumns.fromKeys(keys);
    const order = [2, 0, 1];
    const ordered = KeyColumns.fromKeys(order.map((i) => keys[i]));
    const requested: [number, number][] = [];
    const sut = encodeExportBinFromBlocks(metadata, {
      count: 3,
      fill: (from, n, block) => {
        requested.push([from, n]);
        ordered.copyRange(from, n, block);
      },
    });
    expect(requested).toEqual([[0, 3]]);
    expect(Buffer.from(sut)).toEqual(Buffer.from(encodeExportBinFromColumns(metadata, cols, order)));
  });

  it('round-trips through the reader', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const zip = await writeExportFileFromColumns(
      metadata,
      KeyColumns.fromKeys(keys),
      createEcdsaSigner(privateKey, metadata.signatureInfos[0]),
    );
    const read = await readExportFile(zip, [{ ...metadata.signatureInfos[0], publicKey }]);
    expect(read.keys.count).toBe(3);
    expect(Array.from(read.keys.daysSinceOnsetOfSymptoms)).toEqual([-3, DSOS_MISSING, 4000]);
  });

  it('refuses a key out of range from columns, naming it', async () => {
    const cols = KeyColumns.fromKeys(keys);
    cols.rollingPeriod[1] = 0;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expect(
      writeExportFileFromColumns(metadata, cols, createEcdsaSigner(privateKey, metadata.signatureInfos[0])),
    ).rejects.toThrow(/key 1: rolling start or period out of range/);
  });

  it('deflates a large export.bin in pieces to the bytes of a one-shot zip', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const many = KeyColumns.allocate(60_000); // ~2.2 MB of export.bin: three pieces
    for (let i = 0; i < many.count; i++) {
      many.keyData.set(randomBytes(16), i * 16);
      many.rollingStartIntervalNumber[i] = 2_830_000 + (i % 14) * 144;
      many.rollingPeriod[i] = 144;
      many.reportType[i] = 1;
    }
    const order = Array.from({ length: many.count }, (_, i) => (i * 7919) % many.count);
    const sign = createEcdsaSigner(privateKey, metadata.signatureInfos[0]);
    const zip = await writeExportFileFromColumns(metadata, many, sign, order);

    const read = await readExportFile(zip, [{ ...metadata.signatureInfos[0], publicKey }]);
    expect(read.keys.count).toBe(many.count);
    const exportBin = encodeExportBinFromColumns(metadata, many, order);
    const entries = readZip(zip, [
      { name: 'export.bin', maxBytes: 1 << 23 },
      { name: 'export.sig', maxBytes: 1 << 16 },
    ]);
    // Compared with equals(): toEqual walks megabytes element by element.
    expect(Buffer.from(entries.get('export.bin')!).equals(exportBin)).toBe(true);
    // Same compressed bytes as deflating export.bin at once: the zip is the one writeZip makes.
    const oneShot = writeZip(
      [
        { name: 'export.bin', data: exportBin },
        { name: 'export.sig', data: entries.get('export.sig')! },
      ],
      new Date(metadata.endTimestamp * 1000),
    );
    expect(oneShot.equals(zip)).toBe(true);
  });
});
