/**
 * Which report covers which days, and when it is due: pure functions of an instant and the site's
 * time zone, so the cron, the preview and the tests agree. Days are local calendar days of the
 * site (functions/stats/dates.ts resolves them to UTC instants, 23- and 25-hour days included).
 */
import { addDays, localDay, zoneOffsetMs } from '../stats/dates';

export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** Local hours [start, end) in which a due report goes out: 07:00, and catch-up until noon. */
export const MORNING = { startHour: 7, endHour: 13 } as const;

/** Whole local days, first and last included (`YYYY-MM-DD`). */
export interface DayRange {
  firstDay: string;
  lastDay: string;
}

/** One report's period: the days it covers and the days it is compared with. */
export interface ReportPeriod extends DayRange {
  frequency: Frequency;
  /** The period just before (the day before, the week before, the month before). */
  previous: DayRange;
  /** Daily reports only: the same weekday a week earlier. */
  sameDayLastWeek?: DayRange;
}

function monthStart(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

/** The first day of the month before the one `day` is in. */
function previousMonthStart(day: string): string {
  return monthStart(addDays(monthStart(day), -1));
}

/**
 * The last complete period of `frequency` before local day `today`: yesterday, the last
 * Monday–Sunday week that ended before today, or the last calendar month before today's.
 */
export function lastCompletePeriod(frequency: Frequency, today: string): ReportPeriod {
  switch (frequency) {
    case 'daily': {
      const day = addDays(today, -1);
      const before = addDays(day, -1);
      const lastWeek = addDays(day, -7);
      return {
        frequency,
        firstDay: day,
        lastDay: day,
        previous: { firstDay: before, lastDay: before },
        sameDayLastWeek: { firstDay: lastWeek, lastDay: lastWeek },
      };
    }
    case 'weekly': {
      // Days since Monday (0 on a Monday): the week that ended before this Monday.
      const sinceMonday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7;
      const firstDay = addDays(today, -sinceMonday - 7);
      return {
        frequency,
        firstDay,
        lastDay: addDays(firstDay, 6),
        previous: { firstDay: addDays(firstDay, -7), lastDay: addDays(firstDay, -1) },
      };
    }
    case 'monthly': {
      const firstDay = previousMonthStart(today);
      const lastDay = addDays(monthStart(today), -1);
      return {
        frequency,
        firstDay,
        lastDay,
        previous: { firstDay: previousMonthStart(firstDay), lastDay: addDays(firstDay, -1) },
      };
    }
  }
}

/** The site's wall clock at `nowMs`: local day, hour, and weekday (0 Sunday … 6 Saturday). */
export function localClock(nowMs: number, timezone: string): { day: string; hour: number; weekday: number } {
  const local = new Date(nowMs + zoneOffsetMs(nowMs, timezone));
  return { day: localDay(nowMs, timezone), hour: local.getUTCHours(), weekday: local.getUTCDay() };
}

/** True between 07:00 and 12:59 local time, the window in which reports go out. */
export function inMorningWindow(nowMs: number, timezone: string): boolean {
  const { hour } = localClock(nowMs, timezone);
  return hour >= MORNING.startHour && hour < MORNING.endHour;
}

/**
 * The reports due at `nowMs` for a site in `timezone`: none outside the morning window; in it,
 * the daily report of yesterday, on Mondays the weekly report of last week, on the 1st the
 * monthly report of last month. A run later in the same morning finds the same periods, which
 * is how a missed run catches up (the ledger keeps each mail to one).
 */
export function dueReports(nowMs: number, timezone: string): ReportPeriod[] {
  if (!inMorningWindow(nowMs, timezone)) return [];
  const { day, weekday } = localClock(nowMs, timezone);
  const due: ReportPeriod[] = [lastCompletePeriod('daily', day)];
  if (weekday === 1) due.push(lastCompletePeriod('weekly', day));
  if (day.endsWith('-01')) due.push(lastCompletePeriod('monthly', day));
  return due;
}
