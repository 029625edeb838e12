import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceConfigTable } from './config-docs';

describe('README configuration table', () => {
  it('matches the env schema (run `npm run config:docs` after changing a variable)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(replaceConfigTable(readme)).toBe(readme);
  });
});
