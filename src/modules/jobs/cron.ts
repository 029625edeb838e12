import { parseExpression } from 'cron-parser';

/** The first time strictly after `now` (epoch ms) matching a cron expression; the same parser Bull uses. */
export function nextCronTime(cron: string, now: number, tz = 'UTC'): number {
  return parseExpression(cron, { currentDate: new Date(now), tz })
    .next()
    .getTime();
}

export function isValidCron(cron: string): boolean {
  try {
    parseExpression(cron);
    return true;
  } catch {
    return false;
  }
}
