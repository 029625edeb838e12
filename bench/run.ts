/**
 * `npm run bench -- <name> [...]` runs bench/<name>.bench.ts; without names it runs every benchmark.
 * Each benchmark measures a floor on this machine in the same run and prints its result as a ratio.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface BenchModule {
  run(args: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .sort();
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  const selected = names.length ? names : available;
  for (const name of selected) {
    if (!available.includes(name)) {
      console.error(`unknown benchmark "${name}"; available: ${available.join(', ')}`);
      process.exitCode = 2;
      return;
    }
  }
  for (const name of selected) {
    console.log(`\n=== bench ${name} ===`);
    const mod = (await import(join(__dirname, `${name}.bench.ts`))) as BenchModule;
    await mod.run(args.filter((a) => a.startsWith('--')));
  }
}

void main();
