import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManualClock } from './clock';
import { Phone } from './phone';
import { PhoneStorageError, PhoneStore } from './storage';

const clock = new ManualClock(Date.UTC(2021, 4, 10, 12));
const KEY = Buffer.alloc(32, 7).toString('base64');

function phoneWithData(id = 'alice'): Phone {
  const phone = Phone.create({ id, clock });
  phone.tekAt(clock.nowMs());
  const other = Phone.create({ id: 'other', clock });
  phone.recordScan(clock.nowMs(), [{ ...other.advertisement(), rssiDbm: [-60, -62] }]);
  return phone;
}

describe('PhoneStore', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'veilig-phones-'));

  it('round-trips a phone encrypted with the key from VEILIG_PHONE_KEY', async () => {
    const sut = await PhoneStore.open(dir(), { VEILIG_PHONE_KEY: KEY });
    const phone = phoneWithData();
    await sut.save(phone);

    const loaded = await sut.load('alice', clock);

    expect(sut.keySource).toBe('env');
    expect(loaded.snapshot()).toEqual(phone.snapshot());
    expect(await sut.list()).toEqual(['alice']);
    const raw = readFileSync(join(sut.dir, 'alice.phone'));
    expect(raw.includes(Buffer.from(phone.snapshot().keys[0].keyData))).toBe(false);
    expect(raw.subarray(0, 4).toString()).toBe('VPHN');
  });

  it('creates a 0600 keychain stand-in file and reuses it', async () => {
    const d = dir();
    const first = await PhoneStore.open(d, {});
    await first.save(phoneWithData());

    const sut = await PhoneStore.open(d, {});

    expect(first.keySource).toBe('new-keychain-file');
    expect(sut.keySource).toBe('keychain-file');
    expect(statSync(join(d, '.keychain')).mode & 0o777).toBe(0o600);
    await expect(sut.load('alice', clock)).resolves.toBeInstanceOf(Phone);
  });

  it('refuses a keychain file readable by others', async () => {
    const d = dir();
    writeFileSync(join(d, '.keychain'), KEY);
    chmodSync(join(d, '.keychain'), 0o644);
    await expect(PhoneStore.open(d, {})).rejects.toThrow(/chmod 600/);
  });

  it('rejects a wrong key, a tampered file and a file renamed to another phone', async () => {
    const d = dir();
    const store = await PhoneStore.open(d, { VEILIG_PHONE_KEY: KEY });
    await store.save(phoneWithData('alice'));
    const other = await PhoneStore.open(d, { VEILIG_PHONE_KEY: Buffer.alloc(32, 8).toString('hex') });
    await expect(other.load('alice', clock)).rejects.toThrow(PhoneStorageError);

    const raw = readFileSync(join(d, 'alice.phone'));
    writeFileSync(join(d, 'bob.phone'), raw);
    await expect(store.load('bob', clock)).rejects.toThrow(/wrong key or tampered/);
    raw[30] ^= 1;
    writeFileSync(join(d, 'alice.phone'), raw);
    await expect(store.load('alice', clock)).rejects.toThrow(/wrong key or tampered/);
  });

  it('rejects ids that could escape the directory and keys of the wrong size', async () => {
    const sut = await PhoneStore.open(dir(), { VEILIG_PHONE_KEY: KEY });
    await expect(sut.load('../etc', clock)).rejects.toThrow(/invalid phone id/);
    await expect(PhoneStore.open(dir(), { VEILIG_PHONE_KEY: 'c2hvcnQ=' })).rejects.toThrow(/32-byte key/);
  });
});
