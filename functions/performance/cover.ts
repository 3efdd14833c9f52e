/**
 * Which rollup rows and which raw hours answer a range exactly. The performance rollups keep one
 * row per UTC day (schema/clickhouse/0008_performance_lean.sql); a range of whole UTC hours is the
 * UTC days it mostly covers, plus the range's hours outside those days and minus those days' hours
 * outside the range, both read from `events` with the rollups' own key expression.
 *
 * By day, each UTC day's row counts for one local day of the site's zone (the one holding its
 * noon, so most of its hours); an hour of that day that belongs to another local day (Berlin:
 * 23:00 UTC, the next local day) is taken from the row's day and added to its own.
 */
import { zoneOffsetMs } from '../stats/dates';

const HOUR = 3600;
const DAY = 86_400;

export interface DaysCover {
  /** UTC days (days since 1970-01-01) whose rows are read whole. */
  days: number[];
  /** Hours (unix seconds of their start) read from `events` and added, to their own bucket. */
  plus: number[];
  /**
   * Hours read from `events` and taken away, from the bucket of the UTC day holding them. With
   * `byLocalDay`, an hour can be in both lists: moved from its UTC day's bucket to its own.
   */
  minus: number[];
}

/** The local day (days since 1970-01-01 on the zone's calendar) of an instant, unix seconds. */
function localDay(at: number, timezone: string): number {
  return Math.floor((at * 1000 + zoneOffsetMs(at * 1000, timezone)) / 86_400_000);
}

/**
 * The hours of UTC day `day` whose local day is not the one its row counts for. One offset
 * lookup per day end when the offset holds all day; hour by hour on a daylight-saving change.
 */
function strayHours(day: number, timezone: string): number[] {
  const start = day * DAY;
  const owner = localDay(start + DAY / 2, timezone);
  const stray: number[] = [];
  const offsetAtStart = zoneOffsetMs(start * 1000, timezone);
  const steady = offsetAtStart === zoneOffsetMs((start + DAY - 1) * 1000, timezone);
  for (let h = start; h < start + DAY; h += HOUR) {
    const local = steady ? Math.floor((h * 1000 + offsetAtStart) / 86_400_000) : localDay(h, timezone);
    if (local !== owner) stray.push(h);
  }
  return stray;
}

/**
 * The cover of [from, to) (whole UTC hours): a UTC day is read whole when more than 12 of its
 * hours lie in the range (so at most 12 hours per end come from `events`; today, whose later hours
 * have no events yet, is one row). With `byLocalDay` (a `time:day` query in `timezone`), the hours
 * of each such day that belong to another local day are moved there.
 */
export function coverDays(from: number, to: number, byLocalDay: { timezone: string } | null): DaysCover {
  if (from % HOUR !== 0 || to % HOUR !== 0) throw new Error('coverDays needs whole UTC hours');
  const cover: DaysCover = { days: [], plus: [], minus: [] };
  if (to <= from) return cover;
  for (let day = Math.floor(from / DAY); day * DAY < to; day++) {
    const start = Math.max(from, day * DAY);
    const end = Math.min(to, (day + 1) * DAY);
    if ((end - start) / HOUR <= 12) {
      for (let h = start; h < end; h += HOUR) cover.plus.push(h);
      continue;
    }
    cover.days.push(day);
    const stray = new Set(byLocalDay ? strayHours(day, byLocalDay.timezone) : []);
    for (let h = day * DAY; h < (day + 1) * DAY; h += HOUR) {
      const inRange = h >= from && h < to;
      if (!inRange || stray.has(h)) cover.minus.push(h);
      if (inRange && stray.has(h)) cover.plus.push(h);
    }
  }
  return cover;
}
