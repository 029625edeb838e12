import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runCli } from './cli';

describe('mobile CLI', () => {
  it('creates phones, simulates, exports A’s keys and checks them on B and C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veilig-cli-'));
    const lines: string[] = [];
    const io = {
      out: (l: string) => lines.push(l),
      err: (l: string) => lines.push(l),
      env: { VEILIG_PHONE_DIR: join(dir, 'phones') },
    };
    const sut = (...argv: string[]) => runCli(argv, io);
    const later = ['--now', '2021-05-11T09:00:00Z'];

    await expect(sut('create', 'A', '--now', '2021-05-10T08:00:00Z')).resolves.toBe(0);
    await expect(
      sut(
        'simulate',
        'A and B within 2 m for 20 min at 10:00; B and C within 2 m for 20 min at 14:00',
        '--day',
        '2021-05-10',
        '--seed',
        '5',
      ),
    ).resolves.toBe(0);
    await expect(sut('keygen', '--out', join(dir, 'ha'))).resolves.toBe(0);
    await expect(
      sut(
        'export',
        'A',
        '--private-key',
        join(dir, 'ha/export-private.pem'),
        '--out',
        join(dir, 'a.zip'),
        ...later,
      ),
    ).resolves.toBe(0);
    lines.length = 0;
    await expect(
      sut('check', 'B', join(dir, 'a.zip'), '--public-key', join(dir, 'ha/export-public.pem'), ...later),
    ).resolves.toBe(0);
    expect(lines.at(-1)).toBe('EXPOSURE: notify the user');
    await expect(
      sut('check', 'C', join(dir, 'a.zip'), '--public-key', join(dir, 'ha/export-public.pem'), ...later),
    ).resolves.toBe(0);
    expect(lines.at(-1)).toBe('no exposure');
    await expect(sut('keys', 'A', '--json', ...later)).resolves.toBe(0);
    expect(JSON.parse(lines.at(-1)!)).toHaveLength(2);
    await expect(sut('fly')).resolves.toBe(64);
  });
});
