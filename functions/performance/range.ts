/**
 * Date ranges of the performance endpoint, resolved in the site's time zone to [from, to) in UTC
 * seconds. Same presets and custom forms as the Stats API's date_range.
 */
import { ApiError } from '../errors';
import type { DateRangeInput } from './query';

export interface UtcRange {
  /** Inclusive, unix seconds. */
  from: number;
  /** Exclusive, unix seconds. */
  to: number;
}

const DAY_MS = 86_400_000;

/** Milliseconds `timezone` is ahead of UTC at `instantMs` (Berlin in summer: 7,200,000). */
export function zoneOffsetMs(instantMs: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return local - Math.floor(instantMs / 1000) * 1000;
}

/** The UTC instant at which wall-clock time `localMs` (written as if UTC) happens in `timezone`. */
function localToUtcMs(localMs: number, timezone: string): number {
  const guess = localMs - zoneOffsetMs(localMs, timezone);
  // Again from the guess, in case a DST change lies between the two.
  return localMs - zoneOffsetMs(guess, timezone);
}

function localDay(instantMs: number, timezone: string): string {
  return new Date(instantMs + zoneOffsetMs(instantMs, timezone)).toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function monthStart(day: string, monthsAgo = 0): string {
  const d = new Date(Date.parse(`${day.slice(0, 7)}-01T00:00:00Z`));
  d.setUTCMonth(d.getUTCMonth() - monthsAgo);
  return d.toISOString().slice(0, 10);
}

function monthEnd(day: string): string {
  return addDays(monthStart(addDays(monthStart(day), 31)), -1);
}

/** Whole local days [firstDay, lastDay]. */
function days(firstDay: string, lastDay: string, timezone: string): UtcRange {
  return {
    from: localToUtcMs(Date.parse(`${firstDay}T00:00:00Z`), timezone) / 1000,
    to: localToUtcMs(Date.parse(`${addDays(lastDay, 1)}T00:00:00Z`), timezone) / 1000,
  };
}

/** An ISO date-time; without an offset it is wall-clock time in the site's zone. */
function instant(text: string, timezone: string): number {
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) return Date.parse(text);
  const withSeconds = /T\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
  return localToUtcMs(Date.parse(`${withSeconds}Z`), timezone);
}

export function resolveRange(input: DateRangeInput, timezone: string, nowMs: number): UtcRange {
  const today = localDay(nowMs, timezone);
  if (input.kind === 'dates') return days(input.from, input.to, timezone);
  if (input.kind === 'times') {
    const from = instant(input.from, timezone);
    // An end given to the second is inclusive ("15:59:59").
    const to = instant(input.to, timezone) + 1000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) {
      throw new ApiError(400, 'invalid_query', 'date_range: the start must be a valid time before the end');
    }
    return { from: Math.floor(from / 1000), to: Math.ceil(to / 1000) };
  }
  switch (input.preset) {
    case 'day':
      return days(today, today, timezone);
    case '7d':
      return days(addDays(today, -6), today, timezone);
    case '28d':
      return days(addDays(today, -27), today, timezone);
    case '30d':
      return days(addDays(today, -29), today, timezone);
    case 'month':
      return days(monthStart(today), monthEnd(today), timezone);
    case '6mo':
      return days(monthStart(today, 5), monthEnd(today), timezone);
    case '12mo':
      return days(monthStart(today, 11), monthEnd(today), timezone);
    case 'year':
      return days(`${today.slice(0, 4)}-01-01`, `${today.slice(0, 4)}-12-31`, timezone);
  }
}

/** True when both ends fall on whole UTC hours, so the hourly rollup can answer exactly. */
export function isHourAligned(range: UtcRange): boolean {
  return range.from % 3600 === 0 && range.to % 3600 === 0;
}
