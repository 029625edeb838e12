/**
 * How many people an identity-verified upload hides among, on days of a given volume: simulates the
 * verified uploads of several weeks with the server's own rules for what it keeps (token key per issuing
 * day and sample date, receipt time per KEY_RECEIPT_RESOLUTION_MINUTES) and counts, for every upload, the
 * uploads that look the same. Prints the table in docs/identity-verification.md ("Anonymity set").
 *
 *   npx tsx scripts/identity-anonymity.ts [--per-day 30,300,3000] [--days 28] [--seed 1]
 *
 * Assumptions, stated so an operator can put in their own: uploads follow the hour profile below (UTC,
 * Dutch waking hours), the sample is 0–14 days old with most 0–2 days, 60 % of people give a symptom
 * onset 0–5 days before the sample (the others none: the sample date counts as onset), and the phone
 * uploads within minutes of the verification, in the same period.
 *
 * Two views: what the service sees at an upload (its token key, the onset the upload states and the
 * receipt period), and what the database keeps after it (the receipt period and, through each key's
 * DSOS, the onset day; the token key is not stored with the keys).
 */
import { parseArgs } from 'node:util';
import { SeededRandom } from '../mobile/random';
import { isoDay } from '../src/protocol/identity';
import { receiptTime } from '../src/protocol/key-upload';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Relative share of verifications per UTC hour (the Netherlands is UTC+1/+2: quiet at night). */
const HOUR_PROFILE = [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 8, 8, 8, 8, 8, 7, 6, 4, 2, 1];
/** Share of samples taken 0, 1, 2, … 14 days before the verification. */
const SAMPLE_AGE = [30, 30, 15, 8, 5, 3, 2, 2, 1, 1, 1, 0.5, 0.5, 0.5, 0.5];

const { values } = parseArgs({
  options: {
    'per-day': { type: 'string', default: '30,300,3000' },
    days: { type: 'string', default: '28' },
    seed: { type: 'string', default: '1' },
  },
});
const random = new SeededRandom(Number(values.seed));
const pick = (weights: number[]): number => {
  let x = random.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < weights.length; i++) if ((x -= weights[i]) < 0) return i;
  return weights.length - 1;
};

interface Upload {
  tokenKey: string;
  onset: string;
  receivedMs: number;
}

function simulate(perDay: number, days: number): Upload[] {
  const uploads: Upload[] = [];
  const start = Date.UTC(2026, 0, 5);
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const verifiedMs = start + d * DAY_MS + pick(HOUR_PROFILE) * HOUR_MS + random.next() * HOUR_MS;
      const sampleMs = verifiedMs - pick(SAMPLE_AGE) * DAY_MS;
      const onsetMs = random.next() < 0.6 ? sampleMs - Math.floor(random.next() * 6) * DAY_MS : sampleMs;
      uploads.push({
        tokenKey: `${isoDay(verifiedMs)}/${isoDay(sampleMs)}`,
        onset: isoDay(onsetMs),
        receivedMs: verifiedMs + 30_000,
      });
    }
  }
  return uploads;
}

/** For each upload, how many uploads (itself included) share `key`; summarised. */
function sets(uploads: Upload[], key: (u: Upload) => string) {
  const counts = new Map<string, number>();
  for (const u of uploads) counts.set(key(u), (counts.get(key(u)) ?? 0) + 1);
  const sizes = uploads.map((u) => counts.get(key(u))!).sort((a, b) => a - b);
  const at = (q: number) => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))];
  return {
    alone: sizes.filter((n) => n === 1).length / sizes.length,
    p10: at(0.1),
    median: at(0.5),
  };
}

const days = Number(values.days);
const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)} %`;
const cell = (s: ReturnType<typeof sets>) => `${pct(s.alone)} | ${s.p10} | ${s.median}`;
console.log(
  '| uploads per day | receipt resolution | at upload: alone | 10th pct. | median | in the database: alone | 10th pct. | median |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const perDay of values['per-day'].split(',').map(Number)) {
  const uploads = simulate(perDay, days);
  for (const minutes of [60, 240, 1440]) {
    const period = (u: Upload) => receiptTime(new Date(u.receivedMs), minutes * 60_000).getTime();
    const atUpload = sets(uploads, (u) => `${u.tokenKey} ${u.onset} ${period(u)}`);
    const stored = sets(uploads, (u) => `${u.onset} ${period(u)}`);
    console.log(`| ${perDay} | ${minutes / 60} h | ${cell(atUpload)} | ${cell(stored)} |`);
  }
}
