/**
 * The SQL behind POST /api/stats/performance, as a pure function of the validated query: one
 * statement with parameters, never user text in the SQL itself.
 *
 * It reads `performance_hourly` (t-digest states and band counts per site, hour and page) and
 * falls back to the raw `events` table only when the rollup cannot answer: a filter on something
 * other than the page, or a range that does not start and end on whole UTC hours (a date-time
 * range, or whole days in a zone with a half-hour offset).
 */
import type { FilterDimension, PerformanceFilter, PerformanceQuery } from './query';
import { isHourAligned, type UtcRange } from './range';

/** Metrics in response order: [response name, column in events and performance_hourly]. */
export const METRICS = [
  ['lcp', 'lcp_ms'],
  ['inp', 'inp_ms'],
  ['cls', 'cls'],
  ['fcp', 'fcp_ms'],
  ['ttfb', 'ttfb_ms'],
  ['dns', 'dns_ms'],
  ['connect', 'connect_ms'],
  ['dom_interactive', 'dom_interactive_ms'],
  ['load', 'load_ms'],
] as const;

export type MetricName = (typeof METRICS)[number][0];

/**
 * Google's thresholds: good at or below the first, poor above the second. The same numbers are
 * in performance_hourly_mv (schema/clickhouse/0002_rollups.sql); keep the two in step.
 */
export const BANDS = {
  lcp: { column: 'lcp_ms', good: 2500, poor: 4000 },
  inp: { column: 'inp_ms', good: 200, poor: 500 },
  cls: { column: 'cls', good: 0.1, poor: 0.25 },
  fcp: { column: 'fcp_ms', good: 1800, poor: 3000 },
  ttfb: { column: 'ttfb_ms', good: 800, poor: 1800 },
} as const;

export type BandedMetric = keyof typeof BANDS;

export const QUANTILES = [0.5, 0.75, 0.95] as const;

export interface PerformancePlan {
  sql: string;
  params: Record<string, unknown>;
  source: 'rollup' | 'raw';
}

/** Raw-table expressions of the filterable dimensions. */
const RAW_COLUMNS: Record<FilterDimension, string> = {
  'event:page': 'pathname',
  'event:hostname': 'toString(hostname)',
  'visit:country': 'toStringCutToZero(country)',
  'visit:device': 'toString(device)',
  'visit:browser': 'toString(browser)',
  'visit:os': 'toString(os)',
};

function filterSql(filter: PerformanceFilter, column: string, param: string): string {
  const values = `{${param}:Array(String)}`;
  switch (filter.operator) {
    case 'is':
      return `${column} IN ${values}`;
    case 'is_not':
      return `${column} NOT IN ${values}`;
    case 'contains':
      return `multiSearchAny(${column}, ${values})`;
    case 'contains_not':
      return `NOT multiSearchAny(${column}, ${values})`;
  }
}

/** The row a performance event produces in the rollup: any timing present (as the view's WHERE). */
const HAS_TIMING = METRICS.map(([, column]) => `${column} IS NOT NULL`).join(' OR ');

export function planPerformance(
  query: PerformanceQuery,
  siteId: number,
  range: UtcRange,
  timezone: string,
): PerformancePlan {
  const useRaw = !isHourAligned(range) || query.filters.some((f) => f.dimension !== 'event:page');
  const time = useRaw ? 'timestamp' : 'hour';
  const params: Record<string, unknown> = {
    site: siteId,
    from: range.from,
    to: range.to,
    tz: timezone,
    limit: query.limit,
  };

  const where = [
    `site_id = {site:UInt32}`,
    `${time} >= toDateTime({from:UInt32})`,
    `${time} < toDateTime({to:UInt32})`,
  ];
  if (useRaw) where.push(`(${HAS_TIMING})`);
  query.filters.forEach((filter, i) => {
    params[`f${i}`] = filter.values;
    where.push(filterSql(filter, useRaw ? RAW_COLUMNS[filter.dimension] : 'pathname', `f${i}`));
  });

  const quantiles = QUANTILES.join(', ');
  // Aliased `<name>_quantiles`: an alias equal to a column name (`cls`) would shadow the column in
  // the band counts below.
  const metrics = METRICS.map(([name, column]) =>
    useRaw
      ? `quantilesTDigest(${quantiles})(${column}) AS ${name}_quantiles`
      : `quantilesTDigestMerge(${quantiles})(${column}) AS ${name}_quantiles`,
  );
  const bands = Object.entries(BANDS).flatMap(([name, band]) => {
    if (!useRaw) {
      return [
        `sum(${name}_good) AS ${name}_good`,
        `sum(${name}_needs_improvement) AS ${name}_needs_improvement`,
        `sum(${name}_poor) AS ${name}_poor`,
      ];
    }
    // CLS is Float32: compare with the Float32 of the threshold, as the view does.
    const limit = (value: number) => (name === 'cls' ? `toFloat32(${value})` : String(value));
    return [
      `countIf(${band.column} <= ${limit(band.good)}) AS ${name}_good`,
      `countIf(${band.column} > ${limit(band.good)} AND ${band.column} <= ${limit(band.poor)}) AS ${name}_needs_improvement`,
      `countIf(${band.column} > ${limit(band.poor)}) AS ${name}_poor`,
    ];
  });
  const samples = useRaw ? 'count()' : 'sum(samples)';

  let dimension = 'NULL';
  let tail = '';
  if (query.dimension === 'time:hour') {
    dimension = `formatDateTime(toStartOfHour(${time}, {tz:String}), '%Y-%m-%d %H:00:00', {tz:String})`;
    tail = 'GROUP BY dimension ORDER BY dimension';
  } else if (query.dimension === 'time:day') {
    dimension = `toString(toDate(${time}, {tz:String}))`;
    tail = 'GROUP BY dimension ORDER BY dimension';
  } else if (query.dimension === 'event:page') {
    dimension = 'pathname';
    tail = 'GROUP BY dimension ORDER BY samples DESC, dimension LIMIT {limit:UInt32}';
  }

  const sql = [
    `SELECT ${dimension} AS dimension, ${samples} AS samples,`,
    `  ${[...metrics, ...bands].join(',\n  ')}`,
    `FROM ${useRaw ? 'events' : 'performance_hourly'}`,
    `WHERE ${where.join(' AND ')}`,
    tail,
  ].join('\n');
  return { sql, params, source: useRaw ? 'raw' : 'rollup' };
}
