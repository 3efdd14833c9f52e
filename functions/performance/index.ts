/**
 * POST /api/stats/performance: web vitals and navigation timings of one site, as p50 / p75 / p95
 * with Google's good / needs-improvement / poor split, overall, per page, or over time.
 * See docs/performance-api.md.
 */
import { Hono } from 'hono';
import type { Env } from '../../workers/env';
import { readJsonValue } from '../../workers/http/body';
import { performanceSegmentFilters, takeSegmentFilters } from '../segments/performance';
import { authorizeSiteRead } from '../stats/access';
import { limitReads, readQuery, retryAfter } from '../stats/reads';
import { slotValue } from './histogram';
import {
  BANDS,
  type BandedMetric,
  HISTOGRAM,
  METRICS,
  type MetricName,
  type PerformancePlan,
  planPerformance,
} from './plan';
import { type PerformanceQuery, parsePerformanceQuery } from './query';
import { resolveRange, type UtcRange } from './range';

export interface Percentiles {
  p50: number | null;
  p75: number | null;
  p95: number | null;
}

export interface Bands {
  good: number;
  needs_improvement: number;
  poor: number;
}

export interface PerformanceRow {
  dimension: string | null;
  samples: number;
  metrics: Record<MetricName, Percentiles>;
  bands: Record<BandedMetric, Bands>;
}

type ResultRow = Record<string, unknown>;

/** CLS is a unitless score (4 decimals); everything else is whole milliseconds. */
function round(metric: MetricName, value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return metric === 'cls' ? Math.round(value * 10_000) / 10_000 : Math.round(value);
}

function count(value: unknown): number {
  return typeof value === 'string' || typeof value === 'number' ? Number(value) : 0;
}

export function shapeRow(row: ResultRow): PerformanceRow {
  const dimension = typeof row.dimension === 'string' ? row.dimension : null;
  return Array.isArray(row.totals) ? shapeRollupRow(row, dimension) : shapeRawRow(row, dimension);
}

/**
 * A row from the rollups (plan.ts, `rollupSql`): `totals` holds the 15 band counts (three per
 * banded metric, in BANDS order), then the sample count; `quantiles` the p50 / p75 / p95 slot
 * (3 * bucket + band) of each metric, or NaN (null in JSON) for a metric without samples.
 */
function shapeRollupRow(row: ResultRow, dimension: string | null): PerformanceRow {
  const totals = (row.totals as unknown[]).map(count);
  const quantiles = Array.isArray(row.quantiles) ? (row.quantiles as unknown[]) : [];
  const samples = totals[3 * Object.keys(BANDS).length] ?? 0;
  const metrics = {} as Record<MetricName, Percentiles>;
  METRICS.forEach(([name], m) => {
    const slots = Array.isArray(quantiles[m]) ? (quantiles[m] as unknown[]) : [];
    const value = (slot: unknown) => {
      if (samples === 0 || typeof slot !== 'number' || !Number.isFinite(slot)) return null;
      const units = slotValue(name, slot);
      return round(name, name === 'cls' ? units / HISTOGRAM.clsScale : units);
    };
    metrics[name] = { p50: value(slots[0]), p75: value(slots[1]), p95: value(slots[2]) };
  });
  const bands = {} as Record<BandedMetric, Bands>;
  (Object.keys(BANDS) as BandedMetric[]).forEach((name, j) => {
    bands[name] = {
      good: totals[3 * j] ?? 0,
      needs_improvement: totals[3 * j + 1] ?? 0,
      poor: totals[3 * j + 2] ?? 0,
    };
  });
  return { dimension, samples, metrics, bands };
}

/** A row from the raw table: t-digest percentiles per metric and band counts per column. */
function shapeRawRow(row: ResultRow, dimension: string | null): PerformanceRow {
  const samples = count(row.samples);
  const metrics = {} as Record<MetricName, Percentiles>;
  for (const [name] of METRICS) {
    const quantiles = row[`${name}_quantiles`];
    const values = Array.isArray(quantiles) ? (quantiles as unknown[]) : [];
    // An empty t-digest answers 0 or NaN; with no samples there is nothing to report.
    metrics[name] =
      samples === 0
        ? { p50: null, p75: null, p95: null }
        : { p50: round(name, values[0]), p75: round(name, values[1]), p95: round(name, values[2]) };
  }
  const bands = {} as Record<BandedMetric, Bands>;
  for (const name of Object.keys(BANDS) as BandedMetric[]) {
    bands[name] = {
      good: count(row[`${name}_good`]),
      needs_improvement: count(row[`${name}_needs_improvement`]),
      poor: count(row[`${name}_poor`]),
    };
  }
  return { dimension, samples, metrics, bands };
}

export interface PerformanceAnswer {
  results: PerformanceRow[];
  /** With `total`: the range as a whole. */
  total?: PerformanceRow;
  source: PerformancePlan['source'];
}

/** Plans and runs one performance query of a site over a resolved range. */
export async function answerPerformance(
  run: (sql: string, params: Record<string, unknown>) => Promise<ResultRow[]>,
  query: PerformanceQuery,
  site: { id: number; timezone: string },
  range: UtcRange,
  nowMs: number = Date.now(),
): Promise<PerformanceAnswer> {
  const plan = planPerformance(query, site.id, range, site.timezone, nowMs);
  // The total comes with the rows from the rollups; from the raw table it is its own query.
  const overall =
    query.total && !plan.withTotal
      ? planPerformance({ ...query, dimension: null, total: false }, site.id, range, site.timezone, nowMs)
      : null;
  const [found, overallRows] = await Promise.all([
    run(plan.sql, plan.params),
    overall ? run(overall.sql, overall.params) : Promise.resolve([]),
  ]);
  const totalRow = plan.withTotal ? found.find((row) => Number(row.is_total) === 1) : overallRows[0];
  const rows = found.filter((row) => Number(row.is_total ?? 0) !== 1).map(shapeRow);
  return {
    // Without a dimension there is always one row, even for a range without samples.
    results: query.dimension === null || rows.length > 0 ? rows : [],
    // A range without samples has no total row: the empty answer of `dimension: null`.
    ...(query.total ? { total: shapeRow({ ...(totalRow ?? { totals: [] }), dimension: null }) } : {}),
    source: plan.source,
  };
}

/** Largest query body accepted; real queries are a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

export const performanceRoutes = new Hono<{ Bindings: Env }>();

// A 429 (rate limit) or 503 (ClickHouse unreachable) says when to try again.
performanceRoutes.use('*', retryAfter);

// The same limits and executor as the Stats API (functions/stats/reads.ts): one query per request.
performanceRoutes.post('/', async function performanceStats(c) {
  // Saved segments are taken out, and written back in once the reader is known (functions/segments).
  const { body, ids } = takeSegmentFilters(await readJsonValue(c.req.raw, MAX_BODY_BYTES));
  const query = parsePerformanceQuery(body);
  const read = await authorizeSiteRead(c, query.siteRef);
  const { site, principal } = read;
  await limitReads(c, principal, 1);
  query.filters.push(...(await performanceSegmentFilters(c.env.DB, read, ids)));
  const range = resolveRange(query.dateRange, site.timezone, Date.now());
  const answer = await answerPerformance(readQuery(c), query, site, range);
  return c.json({
    results: answer.results,
    ...(answer.total ? { total: answer.total } : {}),
    meta: {
      source: answer.source,
      time_zone: site.timezone,
      date_range: [new Date(range.from * 1000).toISOString(), new Date(range.to * 1000).toISOString()],
    },
  });
});
