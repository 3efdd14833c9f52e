/**
 * What each alert looks at, and when it fires. The numbers come from the Stats API's and the
 * performance endpoint's own code (`runStatsQuery`, `answerPerformance`), so an alert never says
 * something the dashboard it links to does not show; the decisions are small pure functions.
 */
import { answerPerformance, type PerformanceRow } from '../performance';
import { BANDS } from '../performance/plan';
import type { PerformanceQuery } from '../performance/query';
import { resolveRange } from '../performance/range';
import type { ReadableSite } from '../stats/access';
import { addDays } from '../stats/dates';
import { type Executor, metricNumber, runStatsQuery } from '../stats/run';
import { parseQuery } from '../stats/validate';

/** Reference days of the drop alert: the same weekday in each of the 4 weeks before. */
export const DROP_REFERENCE_WEEKS = 4;
/**
 * A drop alert needs a usual day worth comparing with: every reference day had visitors, and
 * their median is at least this. Below it, a quiet day is noise, not news.
 */
export const MIN_DROP_MEDIAN = 10;
/** Page loads with the metric in each window before a vitals band counts (p75 of fewer is noise). */
export const MIN_VITALS_SAMPLES = 100;
/** Days before yesterday that the vitals alert compares with. */
export const VITALS_BASELINE_DAYS = 7;

/** The dashboard's "current visitors": visitors of the last 5 minutes (`date_range: "realtime"`). */
export async function currentVisitors(execute: Executor, site: ReadableSite, nowMs: number): Promise<number> {
  const query = parseQuery({ site_id: site.id, metrics: ['visitors'], date_range: 'realtime' });
  const answer = await runStatsQuery(execute, site, query, nowMs);
  return metricNumber(answer.results[0]?.metrics[0]);
}

/** Visitors of each local day from `first` to `last` (days without any are 0). */
export async function visitorsByDay(
  execute: Executor,
  site: ReadableSite,
  first: string,
  last: string,
  nowMs: number,
): Promise<Map<string, number>> {
  const query = parseQuery({
    site_id: site.id,
    metrics: ['visitors'],
    date_range: [first, last],
    dimensions: ['time:day'],
  });
  const answer = await runStatsQuery(execute, site, query, nowMs);
  const days = new Map<string, number>();
  for (let day = first; day <= last; day = addDays(day, 1)) days.set(day, 0);
  for (const row of answer.results) days.set(row.dimensions[0] ?? '', metricNumber(row.metrics[0]));
  return days;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export interface DropFinding {
  day: string;
  visitors: number;
  /** The same weekday of the weeks before, oldest first. */
  reference: { day: string; visitors: number }[];
  median: number;
  ratio: number;
}

/** The first and last day `trafficDrop` needs for `day`. */
export function dropDays(day: string): { first: string; last: string } {
  return { first: addDays(day, -7 * DROP_REFERENCE_WEEKS), last: day };
}

/**
 * A drop: `day` had fewer than `ratio` × the median visitors of the same weekday over the 4 weeks
 * before. Null when it did not, or when there is too little history to say (a reference day
 * without visitors, or a median under MIN_DROP_MEDIAN).
 */
export function trafficDrop(days: Map<string, number>, day: string, ratio: number): DropFinding | null {
  const reference = Array.from({ length: DROP_REFERENCE_WEEKS }, (_, i) => {
    const d = addDays(day, -7 * (DROP_REFERENCE_WEEKS - i));
    return { day: d, visitors: days.get(d) ?? 0 };
  });
  if (reference.some((r) => r.visitors === 0)) return null;
  const usual = median(reference.map((r) => r.visitors));
  if (usual < MIN_DROP_MEDIAN) return null;
  const visitors = days.get(day) ?? 0;
  return visitors < ratio * usual ? { day, visitors, reference, median: usual, ratio } : null;
}

export type Band = 'good' | 'needs_improvement' | 'poor';
const BAND_ORDER: Band[] = ['good', 'needs_improvement', 'poor'];

/** Google's band of a p75, with the thresholds the performance endpoint uses (BANDS in histogram.ts). */
export function bandOf(metric: VitalMetric, value: number): Band {
  const { good, poor } = BANDS[metric];
  if (value <= good) return 'good';
  return value <= poor ? 'needs_improvement' : 'poor';
}

export const VITAL_METRICS = ['lcp', 'inp', 'cls'] as const;
export type VitalMetric = (typeof VITAL_METRICS)[number];

export interface VitalsWindow {
  /** Local days, first and last included. */
  from: string;
  to: string;
  row: PerformanceRow;
}

export interface VitalRegression {
  metric: VitalMetric;
  current: { p75: number; band: Band; samples: number };
  baseline: { p75: number; band: Band; samples: number };
}

function samplesOf(row: PerformanceRow, metric: VitalMetric): number {
  const bands = row.bands[metric];
  return bands.good + bands.needs_improvement + bands.poor;
}

/**
 * Each of LCP, INP and CLS whose p75 is in a worse band in `current` than in `baseline`, when both
 * windows have at least `minSamples` page loads with that metric.
 */
export function vitalsRegressions(
  current: PerformanceRow,
  baseline: PerformanceRow,
  minSamples = MIN_VITALS_SAMPLES,
): VitalRegression[] {
  return VITAL_METRICS.flatMap((metric): VitalRegression[] => {
    const now = current.metrics[metric].p75;
    const before = baseline.metrics[metric].p75;
    const nowSamples = samplesOf(current, metric);
    const beforeSamples = samplesOf(baseline, metric);
    if (now === null || before === null || nowSamples < minSamples || beforeSamples < minSamples) return [];
    const nowBand = bandOf(metric, now);
    const beforeBand = bandOf(metric, before);
    if (BAND_ORDER.indexOf(nowBand) <= BAND_ORDER.indexOf(beforeBand)) return [];
    return [
      {
        metric,
        current: { p75: now, band: nowBand, samples: nowSamples },
        baseline: { p75: before, band: beforeBand, samples: beforeSamples },
      },
    ];
  });
}

/** Web vitals of a site over local days `from`…`to`, as POST /api/stats/performance answers them. */
export async function vitalsOver(
  run: Parameters<typeof answerPerformance>[0],
  site: ReadableSite,
  from: string,
  to: string,
  nowMs: number,
): Promise<VitalsWindow> {
  const query: PerformanceQuery = {
    siteRef: site.id,
    dateRange: { kind: 'dates', from, to },
    dimension: null,
    filters: [],
    limit: 1,
    total: false,
  };
  const answer = await answerPerformance(
    run,
    query,
    site,
    resolveRange(query.dateRange, site.timezone, nowMs),
  );
  const row = answer.results[0];
  if (!row) throw new Error('the performance answer without a dimension has no row');
  return { from, to, row };
}

/** Yesterday (`day`) and the 7 days before it, as the vitals alert compares them. */
export async function vitalsWindows(
  run: Parameters<typeof answerPerformance>[0],
  site: ReadableSite,
  day: string,
  nowMs: number,
): Promise<{ current: VitalsWindow; baseline: VitalsWindow }> {
  const [current, baseline] = await Promise.all([
    vitalsOver(run, site, day, day, nowMs),
    vitalsOver(run, site, addDays(day, -VITALS_BASELINE_DAYS), addDays(day, -1), nowMs),
  ]);
  return { current, baseline };
}
