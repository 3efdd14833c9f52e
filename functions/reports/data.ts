/**
 * The numbers of one report, from the Stats API's and the Performance API's own code: each figure
 * is a Stats API v2 query (`reportQueries`, validated by `parseQuery`, answered by `runBatch`) or
 * a performance query (`parsePerformanceQuery` + `answerPerformance`), so a report can never
 * disagree with the dashboard or `/api/v2/query` for the same site and days.
 */
import { readExecutor } from '../../workers/clickhouse/read';
import { configOf } from '../../workers/config';
import type { Env } from '../../workers/env';
import { goalDefinitions } from '../goals';
import { answerPerformance } from '../performance';
import { BANDS } from '../performance/plan';
import { parsePerformanceQuery } from '../performance/query';
import { resolveRange as resolvePerformanceRange } from '../performance/range';
import type { ReadableSite } from '../stats/access';
import { runBatch } from '../stats/batch';
import { type Executor, metricNumber, PLANNER_SETTINGS, type QueryResponse } from '../stats/run';
import { parseQuery } from '../stats/validate';
import type { DayRange, ReportPeriod } from './periods';

/** The site-wide figures of a period, in the order of `TOTAL_METRICS`. */
export interface Totals {
  visitors: number;
  visits: number;
  pageviews: number;
  /** Percent of visits with one pageview, 0–100. */
  bounce_rate: number;
  /** Mean visit length, seconds. */
  visit_duration: number;
}

export const TOTAL_METRICS = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] as const;

/** Rows of the top lists. */
export const TOP_ROWS = 5;

export type VitalName = 'lcp' | 'inp' | 'cls';
export type Band = 'good' | 'needs_improvement' | 'poor';

export interface Vital {
  metric: VitalName;
  /** p75 of the period; null without samples. LCP and INP in ms, CLS unitless. */
  p75: number | null;
  previousP75: number | null;
  band: Band | null;
  previousBand: Band | null;
  /** True when the p75 moved into a worse band than the previous period's. */
  worse: boolean;
}

export interface ReportData {
  site: ReadableSite;
  period: ReportPeriod;
  current: Totals;
  previous: Totals;
  /** Daily reports: the same weekday a week earlier. */
  sameDayLastWeek?: Totals;
  topPages: { page: string; visitors: number; pageviews: number }[];
  topSources: { source: string; visitors: number }[];
  /** Custom events by name (configured goals do not exist yet). */
  topGoals: { goal: string; visitors: number; events: number }[];
  vitals: Vital[];
  /** Page loads with timings in the period (the vitals mean little without some). */
  vitalSamples: number;
}

const range = (days: DayRange): [string, string] => [days.firstDay, days.lastDay];

/**
 * The Stats API v2 query bodies a report asks, by name. Exported so a test can send the same
 * bodies to `POST /api/v2/query` and compare.
 */
export function reportQueries(
  site: ReadableSite,
  period: ReportPeriod,
): Record<string, Record<string, unknown>> {
  const totals = (days: DayRange) => ({
    site_id: site.domain,
    metrics: [...TOTAL_METRICS],
    date_range: range(days),
  });
  const top = (dimension: string, metrics: string[]) => ({
    site_id: site.domain,
    metrics,
    date_range: range(period),
    dimensions: [dimension],
    order_by: [
      ['visitors', 'desc'],
      [dimension, 'asc'],
    ],
    pagination: { limit: TOP_ROWS },
  });
  return {
    current: totals(period),
    previous: totals(period.previous),
    ...(period.sameDayLastWeek ? { sameDayLastWeek: totals(period.sameDayLastWeek) } : {}),
    topPages: top('event:page', ['visitors', 'pageviews']),
    topSources: top('visit:source', ['visitors']),
    topGoals: top('event:goal', ['visitors', 'events']),
  };
}

/** The executors of a report outside a request: the API's read profile, the job's abort signal. */
export function reportExecutors(env: Env, signal?: AbortSignal): { stats: Executor; performance: Executor } {
  const limits = configOf(env).clickhouseRead;
  return {
    stats: readExecutor(env, { limits, signal, settings: PLANNER_SETTINGS }),
    performance: readExecutor(env, { limits, signal }),
  };
}

/**
 * A site as the Stats API reads it for a report, with its configured goals: "Top goals" then lists
 * them, as the dashboard does, instead of every custom event name (docs/goals.md). One D1 read.
 */
export async function reportSite(
  db: D1Database,
  site: { id: number; domain: string; timezone: string | null },
): Promise<ReadableSite> {
  return {
    id: site.id,
    domain: site.domain,
    timezone: site.timezone || 'UTC',
    goals: await goalDefinitions(db, site.id),
  };
}

function totalsOf(response: QueryResponse): Totals {
  const metrics = (response.results[0]?.metrics ?? []).map(metricNumber);
  const [visitors = 0, visits = 0, pageviews = 0, bounce_rate = 0, visit_duration = 0] = metrics;
  return { visitors, visits, pageviews, bounce_rate, visit_duration };
}

function bandOf(metric: VitalName, p75: number | null): Band | null {
  if (p75 === null) return null;
  const { good, poor } = BANDS[metric];
  if (p75 <= good) return 'good';
  return p75 <= poor ? 'needs_improvement' : 'poor';
}

const BAND_RANK: Record<Band, number> = { good: 0, needs_improvement: 1, poor: 2 };

async function vitalsOf(execute: Executor, site: ReadableSite, days: DayRange, nowMs: number) {
  const query = parsePerformanceQuery({ site_id: site.domain, date_range: range(days) });
  const answer = await answerPerformance(
    execute,
    query,
    site,
    resolvePerformanceRange(query.dateRange, site.timezone, nowMs),
  );
  const row = answer.results[0];
  return { samples: row?.samples ?? 0, metrics: row?.metrics };
}

/** Everything a report shows, for one site and period. Throws what a failed Stats API query throws. */
export async function reportData(
  executors: { stats: Executor; performance: Executor },
  site: ReadableSite,
  period: ReportPeriod,
  nowMs: number,
): Promise<ReportData> {
  const bodies = reportQueries(site, period);
  const names = Object.keys(bodies);
  const queries = names.map((name) => parseQuery(bodies[name]));
  const [answers, vitalsNow, vitalsBefore] = await Promise.all([
    runBatch(executors.stats, site, queries, nowMs),
    vitalsOf(executors.performance, site, period, nowMs),
    vitalsOf(executors.performance, site, period.previous, nowMs),
  ]);
  const byName = new Map<string, QueryResponse>();
  answers.forEach((answer, i) => {
    if (!answer.ok) throw answer.error;
    byName.set(names[i] as string, answer.response);
  });
  const answer = (name: string): QueryResponse => byName.get(name) ?? { results: [], meta: {}, query: {} };
  const rows = (name: string) => answer(name).results;

  const vitals: Vital[] = (['lcp', 'inp', 'cls'] as const).map((metric) => {
    const p75 = vitalsNow.metrics?.[metric].p75 ?? null;
    const previousP75 = vitalsBefore.metrics?.[metric].p75 ?? null;
    const band = bandOf(metric, p75);
    const previousBand = bandOf(metric, previousP75);
    const worse = band !== null && previousBand !== null && BAND_RANK[band] > BAND_RANK[previousBand];
    return { metric, p75, previousP75, band, previousBand, worse };
  });

  return {
    site,
    period,
    current: totalsOf(answer('current')),
    previous: totalsOf(answer('previous')),
    ...(byName.has('sameDayLastWeek') ? { sameDayLastWeek: totalsOf(answer('sameDayLastWeek')) } : {}),
    topPages: rows('topPages').map((r) => ({
      page: r.dimensions[0] ?? '',
      visitors: metricNumber(r.metrics[0]),
      pageviews: metricNumber(r.metrics[1]),
    })),
    topSources: rows('topSources').map((r) => ({
      source: r.dimensions[0] ?? '',
      visitors: metricNumber(r.metrics[0]),
    })),
    topGoals: rows('topGoals').map((r) => ({
      goal: r.dimensions[0] ?? '',
      visitors: metricNumber(r.metrics[0]),
      events: metricNumber(r.metrics[1]),
    })),
    vitals,
    vitalSamples: vitalsNow.samples,
  };
}
