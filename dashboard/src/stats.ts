/**
 * Stats API calls of the dashboard: Plausible-style v2 queries (`POST /api/v2/query`) and the
 * performance endpoint, for a signed-in owner or a shared-link visitor.
 */
import { post } from './api';
import { type DateRange, dateRangeParam, type TimeDimension, timeDimension } from './lib/date-range';
import { type FilterChip, toV2Filters, type V2Filter } from './lib/filters';
import type { PerformanceRow } from './lib/performance';

/** Which site, and the headers that prove the caller may read it. */
export interface StatsAccess {
  /** The site's domain (the API's `site_id`). */
  domain: string;
  headers?: Record<string, string>;
}

export type Metric =
  | 'visitors'
  | 'visits'
  | 'pageviews'
  | 'views_per_visit'
  | 'bounce_rate'
  | 'visit_duration'
  | 'events'
  | 'percentage'
  | 'conversion_rate';

export interface QueryBody {
  metrics: Metric[];
  date_range: string | [string, string];
  dimensions?: string[];
  filters?: V2Filter[];
  order_by?: [string, 'asc' | 'desc'][];
  include?: { time_labels?: boolean; total_rows?: boolean; comparisons?: { mode: 'previous_period' } };
  pagination?: { limit: number; offset?: number };
}

export interface ResultRow {
  metrics: (number | null)[];
  dimensions: string[];
  comparison?: { metrics: (number | null)[]; dimensions?: string[]; change?: (number | null)[] };
}

export interface QueryResponse {
  results: ResultRow[];
  meta: { time_labels?: string[]; total_rows?: number; [key: string]: unknown };
}

export function query(access: StatsAccess, body: QueryBody): Promise<QueryResponse> {
  return post<QueryResponse>(
    '/api/v2/query',
    { site_id: access.domain, ...body },
    { headers: access.headers, expect401: access.headers !== undefined },
  );
}

export interface View {
  range: DateRange;
  chips: FilterChip[];
}

export const KPIS = [
  { metric: 'visitors', label: 'Unique visitors' },
  { metric: 'visits', label: 'Total visits' },
  { metric: 'pageviews', label: 'Total pageviews' },
  { metric: 'views_per_visit', label: 'Views per visit' },
  { metric: 'bounce_rate', label: 'Bounce rate' },
  { metric: 'visit_duration', label: 'Visit duration' },
] as const satisfies readonly { metric: Metric; label: string }[];

export type KpiMetric = (typeof KPIS)[number]['metric'];

/** The KPI row: one row of totals, with the previous period for the change. */
export function kpiQuery(view: View): QueryBody {
  return {
    metrics: KPIS.map((k) => k.metric),
    date_range: dateRangeParam(view.range),
    filters: toV2Filters(view.chips),
    include: { comparisons: { mode: 'previous_period' } },
  };
}

/** The top chart: one metric per time bucket, every bucket labelled, with the previous period. */
export function chartQuery(view: View, metric: KpiMetric): QueryBody {
  return {
    metrics: [metric],
    date_range: dateRangeParam(view.range),
    dimensions: [timeDimension(view.range)],
    filters: toV2Filters(view.chips),
    include: { time_labels: true, comparisons: { mode: 'previous_period' } },
  };
}

/** A panel's breakdown: top rows of one dimension. */
export function breakdownQuery(view: View, dimension: string, metrics: Metric[], limit = 10): QueryBody {
  return {
    metrics,
    date_range: dateRangeParam(view.range),
    dimensions: [dimension],
    filters: toV2Filters(view.chips),
    order_by: [[metrics[0] ?? 'visitors', 'desc']],
    include: { total_rows: true },
    pagination: { limit },
  };
}

export interface PerformanceResponse {
  results: PerformanceRow[];
}

export function performance(
  access: StatsAccess,
  view: View,
  dimension: null | 'time:hour' | 'time:day' | 'event:page',
): Promise<PerformanceResponse> {
  return post<PerformanceResponse>(
    '/api/stats/performance',
    {
      site_id: access.domain,
      date_range: dateRangeParam(view.range),
      filters: toV2Filters(view.chips),
      dimension,
    },
    { headers: access.headers, expect401: access.headers !== undefined },
  );
}

/** Timings over time use hours for a day, days otherwise (the endpoint has no coarser bucket). */
export function performanceTimeDimension(view: View): 'time:hour' | 'time:day' {
  const t: TimeDimension = timeDimension(view.range);
  return t === 'time:hour' || t === 'time:minute' ? 'time:hour' : 'time:day';
}
