import { ApiError } from '../errors';
import type { ReadableSite } from './access';
import { countryName, countryNameFiltersToCodes } from './country-names';
import {
  autoGranularity,
  clampLabel,
  comparisonRange,
  localDay,
  type ResolvedRange,
  resolveRange,
  timeLabels,
  zoneOffsetMs,
} from './dates';
import { type PlanInput, planQuery } from './plan';
import {
  planRevenue,
  type RevenueValue,
  revenueToRead,
  revenueValue,
  revenueWarnings,
  rowCurrency,
} from './revenue';
import {
  type Granularity,
  isRevenueMetric,
  isVisitorRate,
  type Metric,
  NULLABLE_METRICS,
  PROPS_PREFIX,
  type StoredMetric,
  TABLES,
} from './schema';
import { type SealedDay, sealedDays } from './seal';
import { type Filter, isBehavioural, isTimeDimension, MAX_LIMIT, type ValidQuery } from './validate';

/** Rows the query layer returns: `d0…` dimension labels and `m_<metric>` values. */
export type Row = Record<string, string | number | null>;

/**
 * A current period's rows that a batch fetched already: the main query's, and the site's visitors
 * over the range (what `percentage` and, for a goal breakdown, `conversion_rate` divide by).
 */
export interface Fetched {
  main?: Row[];
  visitors?: Row[];
  /** The site's sealed days, looked up once for a whole batch. */
  sealed?: SealedDay[];
  /** How to look them up when `sealed` is not given (default: `sealedDays`, every time). */
  lookup?: () => Promise<SealedDay[]>;
  /** The comparison period's main rows (site totals and time buckets only: nothing to restrict). */
  previous?: Row[];
}

/** A metric's value: a number, or for revenue metrics `{ value, currency, … }` or null (./revenue.ts). */
export type MetricValue = number | RevenueValue | null;

export interface ResultRow {
  metrics: MetricValue[];
  dimensions: string[];
  comparison?: { dimensions: string[]; metrics: MetricValue[]; change: (number | null)[] };
}

/** A metric value as a plain number (a revenue value's amount; null is 0), for callers that count. */
export function metricNumber(value: MetricValue | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.value;
}

export interface QueryResponse {
  results: ResultRow[];
  meta: Record<string, unknown>;
  query: Record<string, unknown>;
}

/** Runs parameterised SQL and returns its rows (the read executor, workers/clickhouse/read.ts). */
export type Executor = (sql: string, params: Record<string, unknown>) => Promise<Row[]>;

/**
 * Settings the planner's SQL relies on, sent with every Stats API statement besides the read
 * profile. `prefer_column_name_to_alias` lets a visit row name its columns like the rollup's
 * (`sum(pageviews) AS pageviews`).
 */
export const PLANNER_SETTINGS = { prefer_column_name_to_alias: 1 } as const;

function storedMetrics(metrics: Metric[]): StoredMetric[] {
  const stored = metrics.filter((m): m is StoredMetric => !isVisitorRate(m) && !isRevenueMetric(m));
  // Revenue rides beside the stored metrics (PlanInput.revenue), and a plan always has one.
  const needsVisitors = stored.length === 0 || metrics.some(isVisitorRate);
  if (needsVisitors && !stored.includes('visitors')) stored.push('visitors');
  return stored;
}

function granularityOf(name: string, range: ResolvedRange): Granularity {
  return name === 'time' ? autoGranularity(range) : (name.slice('time:'.length) as Granularity);
}

/**
 * The dimension the planner groups by: `time` becomes `time:<granularity>`, and
 * `visit:country_name` the country code (named after the query).
 */
export function plannerDimension(dimension: string, range: ResolvedRange): string {
  if (dimension === 'time') return `time:${autoGranularity(range)}`;
  if (dimension === 'visit:country_name') return 'visit:country';
  return dimension;
}

/** The filters without any condition on event:goal (the base of a conversion rate). */
export function withoutGoals(filters: Filter[]): Filter[] {
  const strip = (f: Filter): Filter | null => {
    if (f.kind === 'condition') return f.dimension === 'event:goal' ? null : f;
    // A behavioural filter chooses visits, whatever goal it names: the base keeps it.
    if (isBehavioural(f)) return f;
    if (f.kind === 'not') {
      const inner = strip(f.filter);
      return inner ? { kind: 'not', filter: inner } : null;
    }
    const kept = f.filters.map(strip).filter((x): x is Filter => x !== null);
    return kept.length > 0 ? { kind: f.kind, filters: kept } : null;
  };
  return filters.map(strip).filter((x): x is Filter => x !== null);
}

/**
 * The filters a conversion rate divides under: Plausible leaves out the goal filters and the
 * top-level custom property ones (a property describes the conversion, not the visitors).
 */
export function conversionBaseFilters(filters: Filter[]): Filter[] {
  return withoutGoals(filters).filter(
    (f) => !(f.kind === 'condition' && f.dimension.startsWith(PROPS_PREFIX)),
  );
}

function num(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** ISO 8601 with the site zone's offset, as the query echo shows range ends. */
function isoInZone(seconds: number, tz: string): string {
  const ms = seconds * 1000;
  const offset = zoneOffsetMs(ms, tz);
  const local = new Date(ms + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / 60_000;
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function filterJson(f: Filter): unknown[] {
  if (f.kind === 'condition') {
    return f.caseSensitive
      ? [f.op, f.dimension, f.values]
      : [f.op, f.dimension, f.values, { case_sensitive: false }];
  }
  if ('filter' in f) return [f.kind, filterJson(f.filter)];
  return [f.kind, f.filters.map(filterJson)];
}

function comparisonJson(
  comparison: NonNullable<ValidQuery['include']['comparison']>,
): Record<string, unknown> {
  const range = comparison.dateRange;
  return range?.kind === 'custom'
    ? { mode: comparison.mode, date_range: [range.from, range.to] }
    : { mode: comparison.mode };
}

/**
 * A comparison's change as Plausible's `Compare.calculate_change` gives it: conversion rate by its
 * difference in points (one decimal), bounce rate by its difference when it was above 0 before
 * (else none), every other metric (exit rate and percentage too) by its percentage change, 100 from
 * nothing to something; none when either side has no value (revenue without events).
 */
function change(metric: Metric, nowValue: MetricValue, beforeValue: MetricValue): number | null {
  if (nowValue === null || beforeValue === null) return null;
  const now = metricNumber(nowValue);
  const before = metricNumber(beforeValue);
  if (metric === 'conversion_rate') return round(now - before, 1);
  if (metric === 'bounce_rate') return before > 0 ? now - before : null;
  if (before === 0) return now > 0 ? 100 : 0;
  return Math.round(((now - before) / before) * 100);
}

/** A computed metric's value (a revenue metric may be null: not 0). */
function metricValue(values: Map<Metric, MetricValue>, metric: Metric): MetricValue {
  const value = values.get(metric);
  return value === undefined ? 0 : value;
}

interface Computed {
  rows: { dims: string[]; values: Map<Metric, MetricValue> }[];
  totalRows?: number;
}

async function firstEventDay(execute: Executor, siteId: number, tz: string): Promise<string | null> {
  const rows = await execute(
    `SELECT toUnixTimestamp(min(hour)) AS first, count() AS n FROM ${TABLES.usage} WHERE site_id = {site:UInt32}`,
    { site: siteId },
  );
  const row = rows[0];
  if (!row || num(row.n) === 0) return null;
  return localDay(num(row.first) * 1000, tz);
}

/** What the planner is asked for one period of a query (its own filters, country names as codes). */
export function planInputFor(
  site: ReadableSite,
  query: ValidQuery,
  range: ResolvedRange,
  paging: { limit: number; offset: number },
  sealed: SealedDay[] | undefined,
): PlanInput {
  const dimensions = query.dimensions.map((d) => plannerDimension(d, range));
  return {
    siteId: site.id,
    timezone: site.timezone,
    range,
    metrics: storedMetrics(query.metrics),
    dimensions,
    filters: countryNameFiltersToCodes(query.filters),
    orderBy: query.orderBy.map(([field, dir]) => {
      const index = query.dimensions.indexOf(field);
      return [index >= 0 ? (dimensions[index] as string) : field, dir];
    }),
    rankBy: query.metrics[0],
    limit: paging.limit,
    offset: paging.offset,
    sealed,
    goals: site.goals,
    revenue: revenueToRead(query.metrics, planRevenue(query.metrics, dimensions, query.filters, site.goals)),
  };
}

/** Runs one period: the main query plus the extra queries percentage, conversion rate and total_rows need. */
async function computePeriod(
  execute: Executor,
  site: ReadableSite,
  query: ValidQuery,
  range: ResolvedRange,
  paging: { limit: number; offset: number },
  wantTotalRows: boolean,
  /** Extra filters for the main query only (not for the totals that percentages divide by). */
  restrict: Filter[] = [],
  /** Rows already fetched by a batch (functions/stats/batch.ts), which answers several queries at once. */
  fetched?: Fetched,
): Promise<Computed> {
  const base = planInputFor(site, query, range, paging, fetched?.sealed);
  const { dimensions } = base;
  const filters = countryNameFiltersToCodes([...query.filters, ...restrict]);
  const main = planQuery({ ...base, filters });
  const wantsPercentage = query.metrics.includes('percentage');
  const wantsConversion = query.metrics.includes('conversion_rate');
  const wantsGroupConversion = query.metrics.includes('group_conversion_rate');
  const groupDims = dimensions.map((d, i) => (d === 'event:goal' ? -1 : i)).filter((i) => i >= 0);
  const revenue = planRevenue(query.metrics, dimensions, query.filters, site.goals);
  const totals = wantsPercentage
    ? planQuery({ ...base, metrics: ['visitors'], dimensions: [], orderBy: [], limit: 1, offset: 0 })
    : null;
  // Plausible's divisor: the range's visitors across all dimensions (not per row), under the
  // query's filters but its goal and top-level custom property ones.
  const conversionBase = wantsConversion
    ? planQuery({
        ...base,
        metrics: ['visitors'],
        dimensions: [],
        filters: conversionBaseFilters(base.filters),
        orderBy: [],
        limit: 1,
        offset: 0,
      })
    : null;
  // group_conversion_rate divides by the visitors of each row's non-goal dimensions instead.
  const groupBase = wantsGroupConversion
    ? planQuery({
        ...base,
        metrics: ['visitors'],
        dimensions: groupDims.map((i) => dimensions[i] as string),
        filters: conversionBaseFilters(base.filters),
        orderBy: [],
        limit: MAX_LIMIT,
        offset: 0,
      })
    : null;
  const [rows, totalRows, conversionRows, groupRows] = await Promise.all([
    fetched?.main ?? execute(main.sql, main.params),
    wantsPercentage && totals
      ? (fetched?.visitors ?? execute(totals.sql, totals.params))
      : Promise.resolve(null),
    conversionBase
      ? (fetched?.visitors ?? execute(conversionBase.sql, conversionBase.params))
      : Promise.resolve(null),
    // A batch combines only goal breakdowns without filters: their rows' divisor is the site's.
    groupBase ? (fetched?.visitors ?? execute(groupBase.sql, groupBase.params)) : Promise.resolve(null),
  ]);
  // Every row carries the number of groups; only a page past the end has to count them apart.
  let count: number | undefined;
  if (wantTotalRows) {
    if (rows.length > 0 || paging.offset === 0) count = num(rows[0]?.total_rows);
    else count = num((await execute(main.countSql, main.params))[0]?.n);
  }

  const totalVisitors = num(totalRows?.[0]?.m_visitors);
  const granularities = dimensions.map((d) => (isTimeDimension(d) ? granularityOf(d, range) : null));
  /** The label of dimension `i` as answered: weeks clamped to the range, country codes named. */
  const label = (i: number, value: string | number | null | undefined): string => {
    const text = String(value ?? '');
    const g = granularities[i];
    if (g) return clampLabel(text, g, range);
    return query.dimensions[i] === 'visit:country_name' ? countryName(text) : text;
  };
  const conversionVisitors = num(conversionRows?.[0]?.m_visitors);
  const groupVisitors = new Map<string, number>();
  for (const row of groupRows ?? []) {
    const key = JSON.stringify(groupDims.map((i, j) => label(i, row[`d${j}`])));
    groupVisitors.set(key, num(row.m_visitors));
  }

  return {
    rows: rows.map((row) => {
      const dims = dimensions.map((_, i) => label(i, row[`d${i}`]));
      const values = new Map<Metric, MetricValue>();
      const visitors = num(row.m_visitors);
      const currency = rowCurrency(revenue, dims);
      for (const metric of query.metrics) {
        if (isRevenueMetric(metric)) {
          values.set(metric, currency === null ? null : revenueValue(num(row[`m_${metric}`]), currency));
        } else if (metric === 'percentage') {
          values.set(metric, totalVisitors > 0 ? round((100 * visitors) / totalVisitors, 1) : 0);
        } else if (metric === 'conversion_rate') {
          // One decimal, as Plausible rounds it.
          const rate = conversionVisitors > 0 ? round((100 * visitors) / conversionVisitors, 1) : 0;
          values.set(metric, rate);
        } else if (metric === 'group_conversion_rate') {
          const divisor = groupVisitors.get(JSON.stringify(groupDims.map((i) => dims[i] as string))) ?? 0;
          values.set(metric, divisor > 0 ? round((100 * visitors) / divisor, 1) : 0);
        } else {
          const value = row[`m_${metric}`];
          // Nothing to average or divide by: no value (Plausible: null).
          values.set(metric, value === null && NULLABLE_METRICS.has(metric) ? null : num(value));
        }
      }
      return { dims, values };
    }),
    totalRows: count,
  };
}

/** Answers a validated query for one readable site. */
export async function runStatsQuery(
  execute: Executor,
  site: ReadableSite,
  query: ValidQuery,
  nowMs: number = Date.now(),
  /** Rows of the current period, fetched by a batch (functions/stats/batch.ts). */
  fetched?: Fetched,
): Promise<QueryResponse> {
  const tz = site.timezone;
  const first =
    query.dateRange.kind === 'preset' && query.dateRange.preset === 'all'
      ? await firstEventDay(execute, site.id, tz)
      : null;
  const range = resolveRange(query.dateRange, tz, nowMs, first);
  // Sealed days answer ranges of whole hours (date-time and realtime ranges never use them).
  const sealed =
    fetched?.sealed ??
    (range.precise ? undefined : await (fetched?.lookup ? fetched.lookup() : sealedDays(execute, site.id)));
  const timeIndex = query.dimensions.findIndex(isTimeDimension);
  const granularity = timeIndex >= 0 ? granularityOf(query.dimensions[timeIndex] as string, range) : null;
  if (granularity === 'minute' && (range.to - range.from) / 60 > 5_000) {
    throw new ApiError(400, 'invalid_query', 'dimensions: time:minute is for ranges of a few days at most');
  }

  const current = await computePeriod(
    execute,
    site,
    query,
    range,
    query.pagination,
    query.include.totalRows,
    [],
    { ...fetched, sealed },
  );
  const results: ResultRow[] = current.rows.map((row) => ({
    metrics: query.metrics.map((m) => metricValue(row.values, m)),
    dimensions: row.dims,
  }));
  const meta: Record<string, unknown> = {};
  const warnings = revenueWarnings(
    query.metrics,
    planRevenue(query.metrics, query.dimensions, query.filters, site.goals),
  );
  if (warnings) meta.metric_warnings = warnings;
  const echo: Record<string, unknown> = {
    site_id: site.domain,
    metrics: query.metrics,
    date_range: [isoInZone(range.from, tz), isoInZone(range.to - 1, tz)],
    dimensions: query.dimensions,
    filters: query.filters.map(filterJson),
    order_by: query.orderBy,
    include: {
      time_labels: query.include.timeLabels,
      total_rows: query.include.totalRows,
      ...(query.include.comparison ? { comparisons: comparisonJson(query.include.comparison) } : {}),
    },
    pagination: query.pagination,
  };
  const labels = granularity ? timeLabels(range, granularity, tz) : [];
  if (query.include.timeLabels) meta.time_labels = labels;
  if (query.include.totalRows) meta.total_rows = current.totalRows ?? 0;

  const comparison = query.include.comparison;
  // Plausible: with a comparison, a breakdown by time alone has a row for every bucket, zeros
  // where the range has no data (revenue null), added after the others, so that every earlier
  // bucket has a row to show its value on (a chart's previous line would drop to 0 there).
  if (comparison && timeIndex === 0 && query.dimensions.length === 1) {
    const shown = new Set(results.map((row) => row.dimensions[0]));
    for (const label of labels.filter((l) => !shown.has(l))) {
      const values = new Map<Metric, MetricValue>(
        query.metrics.map((m): [Metric, MetricValue] => [m, isRevenueMetric(m) ? null : 0]),
      );
      current.rows.push({ dims: [label], values });
      results.push({ dimensions: [label], metrics: query.metrics.map((m) => metricValue(values, m)) });
    }
  }
  if (comparison && results.length > 0) {
    const previousRange = comparisonRange(range, comparison.mode, tz, comparison.dateRange);
    // Only the rows shown now need their earlier values, however long the earlier breakdown is.
    const restrict: Filter[] = query.dimensions.flatMap((dimension, i): Filter[] =>
      isTimeDimension(dimension) || current.rows.length === 0
        ? []
        : [
            {
              kind: 'condition',
              op: 'is',
              dimension,
              values: [...new Set(current.rows.map((row) => row.dims[i] as string))],
              caseSensitive: true,
            },
          ],
    );
    const previous = await computePeriod(
      execute,
      site,
      query,
      previousRange,
      { limit: MAX_LIMIT, offset: 0 },
      false,
      restrict,
      { sealed, main: restrict.length === 0 ? fetched?.previous : undefined },
    );
    echo.comparison_date_range = [isoInZone(previousRange.from, tz), isoInZone(previousRange.to - 1, tz)];
    const previousLabels = granularity ? timeLabels(previousRange, granularity, tz) : [];
    // Time buckets pair up by position (day 1 with day 1); other dimensions by value.
    const keyOf = (dims: string[], labelList: string[]) =>
      JSON.stringify(dims.map((d, i) => (i === timeIndex ? String(labelList.indexOf(d)) : d)));
    const byKey = new Map(previous.rows.map((row) => [keyOf(row.dims, previousLabels), row]));
    results.forEach((result, i) => {
      const row = current.rows[i];
      if (!row) return;
      const match = byKey.get(keyOf(row.dims, labels));
      const dims =
        match?.dims ??
        row.dims.map((d, j) => (j === timeIndex ? (previousLabels[labels.indexOf(d)] ?? d) : d));
      const before = query.metrics.map((m, j): MetricValue => {
        if (match) return metricValue(match.values, m);
        // A row of no earlier revenue: none of the row's currency, if it has one.
        const now = result.metrics[j];
        return now !== null && typeof now === 'object' ? revenueValue(0, now.currency) : 0;
      });
      result.comparison = {
        dimensions: dims,
        metrics: before,
        change: query.metrics.map((m, j) => change(m, result.metrics[j] ?? 0, before[j] ?? 0)),
      };
    });
  }
  return { results, meta, query: echo };
}
