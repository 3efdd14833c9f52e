/**
 * The date-range picker's state, its place in the URL (`?period=7d`, or
 * `?period=custom&from=2026-11-01&to=2026-11-20`), and what it becomes in a Stats API query.
 */

export const PERIODS = ['day', '7d', '30d', 'month', '6mo', '12mo', 'custom'] as const;
export type Period = (typeof PERIODS)[number];

export interface DateRange {
  period: Period;
  /** Custom ranges only: first and last day, `YYYY-MM-DD`, in the site's time zone. */
  from?: string;
  to?: string;
}

export type TimeDimension = 'time:minute' | 'time:hour' | 'time:day' | 'time:week' | 'time:month';

export const DEFAULT_RANGE: DateRange = { period: '7d' };

const LABELS: Record<Period, string> = {
  day: 'Today',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  month: 'This month',
  '6mo': 'Last 6 months',
  '12mo': 'Last 12 months',
  custom: 'Custom range',
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Days from `from` to `to`, both included. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** Reads the range from the URL; anything unknown or malformed falls back to the default. */
export function parseRange(search: URLSearchParams): DateRange {
  const period = search.get('period');
  if (period === 'custom') {
    const from = search.get('from') ?? '';
    const to = search.get('to') ?? '';
    if (isIsoDate(from) && isIsoDate(to) && from <= to) return { period, from, to };
    return DEFAULT_RANGE;
  }
  return (PERIODS as readonly string[]).includes(period ?? '') ? { period: period as Period } : DEFAULT_RANGE;
}

/** Writes the range into `search` (and removes it when it is the default, for short URLs). */
export function writeRange(search: URLSearchParams, range: DateRange): void {
  search.delete('period');
  search.delete('from');
  search.delete('to');
  if (range.period === DEFAULT_RANGE.period) return;
  search.set('period', range.period);
  if (range.period === 'custom' && range.from && range.to) {
    search.set('from', range.from);
    search.set('to', range.to);
  }
}

/** The Stats API's `date_range`: a named period or `[first day, last day]`. */
export function dateRangeParam(range: DateRange): string | [string, string] {
  if (range.period === 'custom' && range.from && range.to) return [range.from, range.to];
  return range.period === 'custom' ? DEFAULT_RANGE.period : range.period;
}

/** The bucket of the top chart: hours for a day, days up to three months, then weeks or months. */
export function timeDimension(range: DateRange): TimeDimension {
  switch (range.period) {
    case 'day':
      return 'time:hour';
    case '7d':
    case '30d':
    case 'month':
      return 'time:day';
    case '6mo':
      return 'time:week';
    case '12mo':
      return 'time:month';
    case 'custom': {
      const days = range.from && range.to ? daysBetween(range.from, range.to) : 7;
      if (days <= 2) return 'time:hour';
      if (days <= 92) return 'time:day';
      if (days <= 366) return 'time:week';
      return 'time:month';
    }
  }
}

/** "Last 7 days", or "2026-11-01 – 2026-11-20" for a custom range. */
export function rangeLabel(range: DateRange): string {
  if (range.period === 'custom' && range.from && range.to) {
    return range.from === range.to ? range.from : `${range.from} – ${range.to}`;
  }
  return LABELS[range.period];
}

/** A short token for file names: "7d", "2026-11-01_2026-11-20". */
export function rangeSlug(range: DateRange): string {
  return range.period === 'custom' && range.from && range.to ? `${range.from}_${range.to}` : range.period;
}
