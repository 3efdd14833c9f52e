import { ApiError } from '../errors';
import type { Granularity } from './schema';
import type { ComparisonMode, DateRangeInput } from './validate';

/** A resolved range: [from, to) as UTC epoch seconds, plus what labels and granularity need. */
export interface ResolvedRange {
  from: number;
  to: number;
  /** First and last local calendar day of the range, in the site's zone. */
  firstDay: string;
  lastDay: string;
  /** True for the realtime windows and date-time ranges, which need minute or second precision. */
  precise: boolean;
  /** Realtime windows count their buckets in minutes. */
  realtime: boolean;
}

const DAY_MS = 86_400_000;

/** One formatter per zone: building an `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let format = formatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    // Zones are a few hundred names; the map stays small.
    formatters.set(tz, format);
  }
  return format;
}

/** Offset of `tz` from UTC at `instantMs`, in milliseconds (Berlin in summer: +7,200,000). */
export function zoneOffsetMs(instantMs: number, tz: string): number {
  const parts = formatterFor(tz).formatToParts(new Date(instantMs));
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

/** The UTC instant (ms) at which local wall-clock time `localMs` (as if UTC) happens in `tz`. */
export function localToUtcMs(localMs: number, tz: string): number {
  let guess = localMs - zoneOffsetMs(localMs, tz);
  // Once more, in case the offset differs on the other side of a DST change.
  guess = localMs - zoneOffsetMs(guess, tz);
  return guess;
}

/** Local calendar day (YYYY-MM-DD) of an instant in `tz`. */
export function localDay(instantMs: number, tz: string): string {
  return new Date(instantMs + zoneOffsetMs(instantMs, tz)).toISOString().slice(0, 10);
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function addDays(day: string, days: number): string {
  return new Date(dayMs(day) + days * DAY_MS).toISOString().slice(0, 10);
}

function addMonths(day: string, months: number): string {
  const d = new Date(dayMs(day));
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastOfTarget = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastOfTarget));
  return target.toISOString().slice(0, 10);
}

function startOfMonth(day: string): string {
  return `${day.slice(0, 7)}-01`;
}

function endOfMonth(day: string): string {
  return addDays(startOfMonth(addMonths(startOfMonth(day), 1)), -1);
}

/** A range of whole local days [firstDay, lastDay]. */
export function dayRange(firstDay: string, lastDay: string, tz: string): ResolvedRange {
  return {
    from: localToUtcMs(dayMs(firstDay), tz) / 1000,
    to: localToUtcMs(dayMs(addDays(lastDay, 1)), tz) / 1000,
    firstDay,
    lastDay,
    precise: false,
    realtime: false,
  };
}

/** Parses an ISO date-time; without an offset it is wall-clock time in the site's zone. */
function parseDateTime(text: string, tz: string): number {
  if (/(Z|[+-]\d{2}:\d{2})$/.test(text)) return Date.parse(text);
  const withSeconds = /T\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
  return localToUtcMs(Date.parse(`${withSeconds}Z`), tz);
}

function instantRange(fromMs: number, toMs: number, tz: string, realtime: boolean): ResolvedRange {
  return {
    from: Math.floor(fromMs / 1000),
    to: Math.ceil(toMs / 1000),
    firstDay: localDay(fromMs, tz),
    lastDay: localDay(Math.max(fromMs, toMs - 1), tz),
    precise: true,
    realtime,
  };
}

/**
 * Resolves a date range in the site's zone. `today` presets include the current day; `month`,
 * `year` and the month presets run to the end of their last month. `firstEventDay` anchors "all".
 */
export function resolveRange(
  input: DateRangeInput,
  tz: string,
  nowMs: number,
  firstEventDay: string | null = null,
): ResolvedRange {
  const today = localDay(nowMs, tz);
  if (input.kind === 'custom') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(input.from)) return dayRange(input.from, input.to, tz);
    const from = parseDateTime(input.from, tz);
    // A date-time end is inclusive to the second, as in "15:59:59".
    const to = parseDateTime(input.to, tz) + 1000;
    if (!(to > from)) throw new ApiError(400, 'invalid_query', 'date_range: the start is after the end');
    return instantRange(from, to, tz, false);
  }
  switch (input.preset) {
    case 'realtime':
      return instantRange(nowMs - 5 * 60_000, nowMs, tz, true);
    case '30m':
      return instantRange(nowMs - 30 * 60_000, nowMs, tz, true);
    case 'day':
      return dayRange(today, today, tz);
    case '7d':
      return dayRange(addDays(today, -6), today, tz);
    case '28d':
      return dayRange(addDays(today, -27), today, tz);
    case '30d':
      return dayRange(addDays(today, -29), today, tz);
    case '91d':
      return dayRange(addDays(today, -90), today, tz);
    case 'month':
      return dayRange(startOfMonth(today), endOfMonth(today), tz);
    case '6mo':
      return dayRange(startOfMonth(addMonths(startOfMonth(today), -5)), endOfMonth(today), tz);
    case '12mo':
      return dayRange(startOfMonth(addMonths(startOfMonth(today), -11)), endOfMonth(today), tz);
    case 'year':
      return dayRange(`${today.slice(0, 4)}-01-01`, `${today.slice(0, 4)}-12-31`, tz);
    case 'all':
      return dayRange(firstEventDay && firstEventDay < today ? firstEventDay : today, today, tz);
  }
}

/**
 * The range to compare with: the same length just before (`previous_period`), the same days a
 * year earlier (`year_over_year`), or the custom range given.
 */
export function comparisonRange(
  range: ResolvedRange,
  mode: ComparisonMode,
  tz: string,
  custom?: DateRangeInput,
): ResolvedRange {
  if (mode === 'custom' && custom) return resolveRange(custom, tz, Date.now());
  if (range.precise) {
    const lengthMs = (range.to - range.from) * 1000;
    if (mode === 'year_over_year') {
      const from = new Date(range.from * 1000);
      from.setUTCFullYear(from.getUTCFullYear() - 1);
      return instantRange(from.getTime(), from.getTime() + lengthMs, tz, range.realtime);
    }
    return instantRange(range.from * 1000 - lengthMs, range.to * 1000 - lengthMs, tz, range.realtime);
  }
  if (mode === 'year_over_year') {
    return dayRange(addMonths(range.firstDay, -12), addMonths(range.lastDay, -12), tz);
  }
  const days = Math.round((dayMs(range.lastDay) - dayMs(range.firstDay)) / DAY_MS) + 1;
  return dayRange(addDays(range.firstDay, -days), addDays(range.firstDay, -1), tz);
}

/** The granularity `time` stands for: minutes for realtime, hours for a day or less, days up to 40 days, else months. */
export function autoGranularity(range: ResolvedRange): Granularity {
  if (range.realtime) return 'minute';
  const days = (range.to - range.from) / 86_400;
  if (days <= 1.05) return 'hour';
  if (days <= 40) return 'day';
  return 'month';
}

const MAX_LABELS = 5_000;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Label of a local wall-clock time (as a UTC-based Date) at a granularity. */
function labelOf(local: Date, granularity: Granularity): string {
  const day = local.toISOString().slice(0, 10);
  switch (granularity) {
    case 'minute':
      return `${day} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:00`;
    case 'hour':
      return `${day} ${pad(local.getUTCHours())}:00:00`;
    case 'day':
      return day;
    case 'week': {
      const monday = addDays(day, -((local.getUTCDay() + 6) % 7));
      return monday;
    }
    case 'month':
      return startOfMonth(day);
  }
}

/**
 * Every bucket label of the range, in order, as the results label them. A week that starts
 * before the range is labelled with the range's first day, as Plausible does.
 */
export function timeLabels(range: ResolvedRange, granularity: Granularity, tz: string): string[] {
  const labels: string[] = [];
  const step = granularity === 'minute' ? 60_000 : 3_600_000;
  if (granularity === 'minute' || granularity === 'hour') {
    const start = Math.floor((range.from * 1000) / step) * step;
    for (let t = start; t < range.to * 1000 && labels.length < MAX_LABELS; t += step) {
      const label = labelOf(new Date(t + zoneOffsetMs(t, tz)), granularity);
      if (labels[labels.length - 1] !== label) labels.push(label);
    }
    return labels;
  }
  for (let day = range.firstDay; day <= range.lastDay && labels.length < MAX_LABELS; day = addDays(day, 1)) {
    const label = clampLabel(labelOf(new Date(dayMs(day)), granularity), granularity, range);
    if (labels[labels.length - 1] !== label) labels.push(label);
  }
  return labels;
}

/** A week that begins before the range carries the range's first day as its label. */
export function clampLabel(label: string, granularity: Granularity, range: ResolvedRange): string {
  if (granularity === 'week' && label < range.firstDay) return range.firstDay;
  return label;
}
