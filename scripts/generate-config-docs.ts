import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceConfigTable } from './config-docs';

const path = join(__dirname, '..', 'README.md');
writeFileSync(path, replaceConfigTable(readFileSync(path, 'utf8')));
console.log('README.md configuration table updated');
