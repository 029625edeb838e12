/** Shared output for benchmarks: one line per figure, and the ratio against the floor measured in the same run. */
import { cpus, totalmem } from 'node:os';

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function printResult(
  label: string,
  value: number,
  unit: string,
  floor?: { value: number; label: string },
): void {
  const base = `${label}: ${format(value)} ${unit}`;
  if (!floor) {
    console.log(base);
    return;
  }
  const ratio = value / floor.value;
  console.log(
    `${base}  (floor ${floor.label}: ${format(floor.value)} ${unit}; ratio ${(ratio * 100).toFixed(1)} %)`,
  );
}

function format(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}
