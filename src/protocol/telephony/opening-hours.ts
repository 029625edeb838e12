/**
 * Opening hours of a municipality's phone line: per weekday a list of `HH:MM-HH:MM` ranges in the
 * municipality's time zone. Framework-free so the exchange adapters and the widget share one rule.
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningHours {
  timeZone: string;
  /** e.g. `{ mon: ['08:30-12:00', '13:00-17:00'] }`; a missing day is closed. */
  days: Partial<Record<Weekday, string[]>>;
}

const RANGE = /^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$/;

/** Problems with an opening-hours value, as field messages (empty when valid). */
export function openingHoursProblems(hours: OpeningHours): string[] {
  const problems: string[] = [];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone });
  } catch {
    problems.push(`unknown time zone ${hours.timeZone}`);
  }
  for (const [day, ranges] of Object.entries(hours.days ?? {})) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) problems.push(`unknown day ${day}`);
    for (const r of ranges ?? []) {
      const m = RANGE.exec(r);
      if (!m || minutes(m[1], m[2]) >= minutes(m[3], m[4]))
        problems.push(`${day}: "${r}" is not a range HH:MM-HH:MM`);
    }
  }
  return problems;
}

/** Whether the line is open at `at` (wall-clock time in the municipality's zone). */
export function isOpen(hours: OpeningHours, at: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as Weekday;
  const now = minutes(get('hour'), get('minute'));
  return (hours.days[day] ?? []).some((r) => {
    const m = RANGE.exec(r);
    return m !== null && now >= minutes(m[1], m[2]) && now < minutes(m[3], m[4]);
  });
}

/** Always open: the default for a new municipality, and for tests. */
export const ALWAYS_OPEN: OpeningHours = {
  timeZone: 'Europe/Amsterdam',
  days: Object.fromEntries(WEEKDAYS.map((d) => [d, ['00:00-24:00']])),
};

function minutes(h: string, m: string): number {
  return Number(h) * 60 + Number(m);
}
