/**
 * Builds the optional native matching kernel: `npx tsx mobile/native/build.ts`.
 *
 * Deliberately not an install script: `npm ci` must never depend on a compiler. Uses node-gyp with the
 * headers of the running Node when they are installed next to it (no download), else node-gyp's own
 * header cache. Any failure is reported and exits 0 — matching then uses the TypeScript kernel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function nodeGyp(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed in the project
  }
  // npm bundles node-gyp.
  candidates.push(
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  );
  return candidates.find((c) => existsSync(c)) ?? null;
}

function main(): void {
  const gyp = nodeGyp();
  if (!gyp) {
    console.warn('native kernel: node-gyp not found; matching will use the TypeScript kernel');
    return;
  }
  const prefix = join(dirname(process.execPath), '..');
  const localHeaders = existsSync(join(prefix, 'include/node/node_api.h'));
  const args = [gyp, 'rebuild', '--directory', __dirname, ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.warn('native kernel: build failed; matching will use the TypeScript kernel');
    return;
  }
  console.log(`native kernel built: ${join(__dirname, 'build/Release/gaen_match.node')}`);
}

main();
