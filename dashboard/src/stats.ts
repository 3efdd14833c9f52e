/**
 * Stats API calls of the dashboard: Plausible-style v2 queries (`POST /api/v2/query`) and the
 * performance endpoint, for a signed-in owner or a shared-link visitor.
 */
import { ApiError, post } from './api';
import { type DateRange, dateRangeParam, type TimeDimension, timeDimension } from './lib/date-range';
import { type FilterChip, toV2Filters, type V2Filter } from './lib/filters';
import { type PerformanceRow, performanceFilters } from './lib/performance';

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
  | 'conversion_rate'
  | 'scroll_depth'
  | 'time_on_page'
  | 'exit_rate'
  | 'total_revenue'
  | 'average_revenue';

/** Revenue metrics: the API answers them as money (`{value, currency, …}`) or null. */
export const MONEY_METRICS: ReadonlySet<Metric> = new Set(['total_revenue', 'average_revenue']);

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
  /** The currency of each money metric (same index; null for the others), when the row has any. */
  currencies?: (string | null)[];
  dimensions: string[];
  comparison?: { metrics: (number | null)[]; dimensions?: string[]; change?: (number | null)[] };
}

export interface QueryResponse {
  results: ResultRow[];
  meta: { time_labels?: string[]; total_rows?: number; [key: string]: unknown };
}

interface Pending {
  access: StatsAccess;
  body: QueryBody;
  resolve: (response: QueryResponse) => void;
  reject: (error: unknown) => void;
}

/** Queries asked in the same moment, per site and credentials; sent together. */
const waiting = new Map<string, Pending[]>();

/** The most queries the batch endpoint takes at once. */
const MAX_BATCH = 32;

type BatchResult =
  | (QueryResponse & { status: 200 })
  | { status: number; error: { code: string; message: string } };

function isMoney(value: unknown): value is { value: number; currency: string } {
  return typeof value === 'object' && value !== null && 'value' in value && 'currency' in value;
}

/**
 * Keeps every metric a number for the panels: a revenue value `{value, currency, …}` becomes its
 * value, with its currency in `currencies` at the same index.
 */
export function withPlainNumbers(response: QueryResponse): QueryResponse {
  for (const row of response.results) {
    const raw: unknown[] = row.metrics;
    if (!raw.some(isMoney)) continue;
    row.currencies = raw.map((v) => (isMoney(v) ? v.currency : null));
    row.metrics = raw.map((v) => (isMoney(v) ? v.value : typeof v === 'number' ? v : null));
    if (row.comparison) {
      const before: unknown[] = row.comparison.metrics;
      row.comparison.metrics = before.map((v) => (isMoney(v) ? v.value : typeof v === 'number' ? v : null));
    }
  }
  return response;
}

async function send(list: Pending[]): Promise<void> {
  const [only] = list;
  if (list.length === 1 && only) {
    const { access, body } = only;
    post<QueryResponse>(
      '/api/v2/query',
      { site_id: access.domain, ...body },
      { headers: access.headers, expect401: access.headers !== undefined },
    ).then((response) => only.resolve(withPlainNumbers(response)), only.reject);
    return;
  }
  const access = (only as Pending).access;
  try {
    const answer = await post<{ results: BatchResult[] }>(
      '/api/v2/query/batch',
      { queries: list.map((p) => ({ site_id: access.domain, ...p.body })) },
      { headers: access.headers, expect401: access.headers !== undefined },
    );
    list.forEach((p, i) => {
      const result = answer.results[i];
      if (!result) p.reject(new ApiError(0, 'http_error', 'The server answered fewer queries than asked.'));
      else if ('error' in result)
        p.reject(new ApiError(result.status, result.error.code, result.error.message));
      else p.resolve(withPlainNumbers(result));
    });
  } catch (error) {
    for (const p of list) p.reject(error);
  }
}

/**
 * One Stats API v2 query. The panels of a page ask theirs in the same moment; those are sent as
 * one `POST /api/v2/query/batch` (a single query goes to `/api/v2/query`), which the server
 * answers with fewer, shared ClickHouse statements. Each panel still gets its own answer or error.
 */
export function query(access: StatsAccess, body: QueryBody): Promise<QueryResponse> {
  return new Promise((resolve, reject) => {
    const key = JSON.stringify([access.domain, access.headers ?? {}]);
    const list = waiting.get(key);
    if (list) {
      list.push({ access, body, resolve, reject });
      return;
    }
    waiting.set(key, [{ access, body, resolve, reject }]);
    setTimeout(() => {
      const all = waiting.get(key) ?? [];
      waiting.delete(key);
      for (let i = 0; i < all.length; i += MAX_BATCH) void send(all.slice(i, i + MAX_BATCH));
    }, 0);
  });
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
  /** The range as a whole, when asked with `total` (a time breakdown). */
  total?: PerformanceRow;
}

export function performance(
  access: StatsAccess,
  view: View,
  dimension: null | 'time:hour' | 'time:day' | 'event:page',
  /** Pages: how many, busiest first (the panel shows 10; the CSV export asks for more). */
  limit?: number,
  /** Over time: the range as a whole too, in the same request (`total`). */
  total?: boolean,
): Promise<PerformanceResponse> {
  return post<PerformanceResponse>(
    '/api/stats/performance',
    {
      site_id: access.domain,
      date_range: dateRangeParam(view.range),
      filters: performanceFilters(toV2Filters(view.chips)).applied,
      dimension,
      ...(limit === undefined ? {} : { limit }),
      ...(total ? { total: true } : {}),
    },
    { headers: access.headers, expect401: access.headers !== undefined },
  );
}

/** Timings over time use hours for a day, days otherwise (the endpoint has no coarser bucket). */
export function performanceTimeDimension(view: View): 'time:hour' | 'time:day' {
  const t: TimeDimension = timeDimension(view.range);
  return t === 'time:hour' || t === 'time:minute' ? 'time:hour' : 'time:day';
}
