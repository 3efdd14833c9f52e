/**
 * The SQL behind POST /api/stats/performance, as a pure function of the validated query: one
 * statement with parameters, never user text in the SQL itself.
 *
 * It reads the performance rollups of schema/clickhouse/0008_performance_lean.sql: histograms of
 * every timing with exact band counts, per site and UTC day (`performance_site_days`) or per site,
 * UTC day and page (`performance_page_days`). A range is the UTC days it mostly covers, corrected
 * hour by hour (cover.ts), so the answer is what rows of exactly its hours would give: site-wide
 * from the hourly rows of `performance_site_hours` (0011), per page from `events` with the rollups'
 * own key expression; `time:hour` reads its hours the same way.
 *
 * It falls back to the raw `events` table with t-digest estimates only when the histograms cannot
 * answer: a filter on something other than the page, or a range that does not start and end on
 * whole UTC hours (a date-time range, or whole days in a zone with a half-hour offset).
 */
import { coverDays, type DaysCover } from './cover';
import { BANDS, HAS_TIMING, HISTOGRAM, histogramKeysSql, METRICS } from './histogram';
import type { FilterDimension, PerformanceFilter, PerformanceQuery } from './query';
import { isHourAligned, type UtcRange } from './range';

export {
  BANDS,
  type BandedMetric,
  bucketValue,
  HISTOGRAM,
  METRICS,
  type MetricName,
} from './histogram';

export const QUANTILES = [0.5, 0.75, 0.95] as const;

export interface PerformancePlan {
  sql: string;
  params: Record<string, unknown>;
  source: 'rollup' | 'raw';
  /**
   * The rows include the range's total, marked `is_total = 1` (a time query with `total`, from the
   * rollups: its rows add up to the range exactly, so one more grouping level gives the total).
   */
  withTotal: boolean;
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

/** `nowMs`: hours that begin later hold no events yet (ingest stamps the server's time), so none is read. */
export function planPerformance(
  query: PerformanceQuery,
  siteId: number,
  range: UtcRange,
  timezone: string,
  nowMs: number,
): PerformancePlan {
  const useRaw = !isHourAligned(range) || query.filters.some((f) => f.dimension !== 'event:page');
  const params: Record<string, unknown> = {
    site: siteId,
    from: range.from,
    to: range.to,
    tz: timezone,
    limit: query.limit,
  };
  const filters = query.filters.map((filter, i) => {
    params[`f${i}`] = filter.values;
    return filterSql(filter, useRaw ? RAW_COLUMNS[filter.dimension] : 'pathname', `f${i}`);
  });
  const sql = useRaw ? rawSql(query, filters) : rollupSql(query, filters, params, range, timezone, nowMs);
  return { sql, params, source: useRaw ? 'raw' : 'rollup', withTotal: !useRaw && query.total };
}

/** Straight from `events`: t-digest percentiles and band counts of the matching rows. */
function rawSql(query: PerformanceQuery, filters: string[]): string {
  const quantiles = QUANTILES.join(', ');
  // Aliased `<name>_quantiles`: an alias equal to a column name (`cls`) would shadow the column in
  // the band counts below.
  const metrics = METRICS.map(
    ([name, column]) => `quantilesTDigest(${quantiles})(${column}) AS ${name}_quantiles`,
  );
  const bands = Object.entries(BANDS).flatMap(([name, band]) => {
    // CLS is Float32: compare with the Float32 of the threshold, as the views do.
    const limit = (value: number) => (name === 'cls' ? `toFloat32(${value})` : String(value));
    return [
      `countIf(${band.column} <= ${limit(band.good)}) AS ${name}_good`,
      `countIf(${band.column} > ${limit(band.good)} AND ${band.column} <= ${limit(band.poor)}) AS ${name}_needs_improvement`,
      `countIf(${band.column} > ${limit(band.poor)}) AS ${name}_poor`,
    ];
  });
  let dimension = 'NULL';
  let tail = '';
  if (query.dimension === 'time:hour') {
    dimension = `formatDateTime(toStartOfHour(timestamp, {tz:String}), '%Y-%m-%d %H:00:00', {tz:String})`;
    tail = 'GROUP BY dimension ORDER BY dimension';
  } else if (query.dimension === 'time:day') {
    dimension = 'toString(toDate(timestamp, {tz:String}))';
    tail = 'GROUP BY dimension ORDER BY dimension';
  } else if (query.dimension === 'event:page') {
    dimension = 'pathname';
    tail = 'GROUP BY dimension ORDER BY samples DESC, dimension LIMIT {limit:UInt32}';
  }
  const where = [
    'site_id = {site:UInt32}',
    'timestamp >= toDateTime({from:UInt32})',
    'timestamp < toDateTime({to:UInt32})',
    `(${HAS_TIMING})`,
    ...filters,
  ];
  return [
    `SELECT ${dimension} AS dimension, count() AS samples,`,
    `  ${[...metrics, ...bands].join(',\n  ')}`,
    'FROM events',
    `WHERE ${where.join(' AND ')}`,
    tail,
  ].join('\n');
}

/** Where a query's (bucket, key, count) triples come from, and the bucket of each source. */
interface Sources {
  table: 'performance_site_days' | 'performance_page_days';
  cover: DaysCover;
  /** A rollup row's bucket (`day` is its UTC day). */
  rowBucket: string;
  /** A raw event's bucket when added: its own hour's. */
  plusBucket: string;
  /** A raw event's bucket when taken away: its UTC day's row's. */
  minusBucket: string;
}

function sources(
  query: PerformanceQuery,
  perPage: boolean,
  range: UtcRange,
  timezone: string,
  nowMs: number,
): Sources {
  const s = coverSources(query, perPage, range, timezone);
  const past = (h: number) => h * 1000 <= nowMs;
  return {
    ...s,
    cover: { days: s.cover.days, plus: s.cover.plus.filter(past), minus: s.cover.minus.filter(past) },
  };
}

function coverSources(query: PerformanceQuery, perPage: boolean, range: UtcRange, timezone: string): Sources {
  const table = perPage ? 'performance_page_days' : 'performance_site_days';
  if (query.dimension === 'time:hour') {
    // Every hour of the range from `events`: the dashboard asks by hour for two days at most.
    const plus: number[] = [];
    for (let h = range.from; h < range.to; h += 3600) plus.push(h);
    const hour = `formatDateTime(toStartOfHour(timestamp), '%Y-%m-%d %H:00:00', {tz:String})`;
    return {
      table,
      cover: { days: [], plus, minus: [] },
      rowBucket: "''",
      plusBucket: hour,
      minusBucket: hour,
    };
  }
  if (query.dimension === 'time:day') {
    // A UTC day's row counts for the local day holding its noon (cover.ts moves the other hours).
    return {
      table,
      cover: coverDays(range.from, range.to, { timezone }),
      rowBucket: "toString(toDate(toDateTime(day, 'UTC') + 43200, {tz:String}))",
      plusBucket: 'toString(toDate(timestamp, {tz:String}))',
      minusBucket: "toString(toDate(toStartOfDay(timestamp, 'UTC') + 43200, {tz:String}))",
    };
  }
  const bucket = query.dimension === 'event:page' ? 'pathname' : "''";
  return {
    table,
    cover: coverDays(range.from, range.to, null),
    rowBucket: bucket,
    plusBucket: bucket,
    minusBucket: bucket,
  };
}

/**
 * The (dimension, key, count) triples of the cover: each day row's keys with its sample count under
 * `samplesKey`, then each raw event's keys, counted +1 or -1.
 */
function triplesSql(s: Sources, where: string[], params: Record<string, unknown>): string {
  const { samplesKey } = HISTOGRAM;
  const parts: string[] = [];
  if (s.cover.days.length > 0) {
    params.days = s.cover.days;
    parts.push(
      `SELECT ${s.rowBucket} AS dimension, key, toInt64(count) AS count\n` +
        `FROM ${s.table} ARRAY JOIN arrayPushBack(counts.1, ${samplesKey}) AS key, arrayPushBack(counts.2, samples) AS count\n` +
        `WHERE ${['site_id = {site:UInt32}', 'day IN CAST({days:Array(UInt16)} AS Array(Date))', ...where].join(' AND ')}`,
    );
  }
  const raw = rawHoursSql(s, where, params);
  if (raw && s.table === 'performance_site_days') {
    // Site-wide: the hours come from their own rows (0011), counted +1 or -1 as raw events are.
    parts.push(
      `SELECT w.2 AS dimension, key, w.1 * toInt64(n) AS count\n` +
        `FROM (SELECT hour AS timestamp, samples, counts FROM performance_site_hours WHERE ${raw.hours}) ARRAY JOIN ${raw.weights} AS w\n` +
        `ARRAY JOIN arrayPushBack(counts.1, ${samplesKey}) AS key, arrayPushBack(counts.2, samples) AS n`,
    );
  } else if (raw) {
    parts.push(
      `SELECT w.2 AS dimension, key, w.1 AS count\nFROM ${raw.from} ARRAY JOIN ${raw.weights} AS w\n` +
        `ARRAY JOIN arrayPushBack(${histogramKeysSql()}, ${samplesKey}) AS key\nWHERE ${raw.where}`,
    );
  }
  // Nothing to read (an empty range): no rows, of the right types.
  if (parts.length === 0)
    parts.push("SELECT '' AS dimension, toUInt16(0) AS key, toInt64(0) AS count WHERE 0");
  return parts.join('\nUNION ALL\n');
}

/** The raw part of a cover: which events, and each one's (weight, dimension) pairs. */
function rawHoursSql(
  s: Sources,
  where: string[],
  params: Record<string, unknown>,
): { from: string; where: string; weights: string; hours: string } | null {
  const { plus, minus } = s.cover;
  if (plus.length === 0 && minus.length === 0) return null;
  params.plus = plus;
  params.minus = minus;
  const hours = [...new Set([...plus, ...minus])].sort((a, b) => a - b);
  params.raw_hours = hours;
  params.raw_from = hours[0];
  params.raw_to = (hours[hours.length - 1] ?? 0) + 3600;
  const hour = 'toUInt32(toStartOfHour(timestamp))';
  const weights =
    `arrayFilter(w -> w.1 != 0, [(toInt64(${hour} IN {plus:Array(UInt32)}), ${s.plusBucket}),` +
    ` (-toInt64(${hour} IN {minus:Array(UInt32)}), ${s.minusBucket})])`;
  return {
    from: 'events',
    weights,
    hours: "site_id = {site:UInt32} AND hour IN CAST({raw_hours:Array(UInt32)} AS Array(DateTime('UTC')))",
    where: [
      'site_id = {site:UInt32}',
      // The bounds let the primary key skip the rest; the hour list picks the hours between.
      'timestamp >= toDateTime({raw_from:UInt32})',
      'timestamp < toDateTime({raw_to:UInt32})',
      `toStartOfHour(timestamp) IN CAST({raw_hours:Array(UInt32)} AS Array(DateTime('UTC')))`,
      `(${HAS_TIMING})`,
      ...where,
    ].join(' AND '),
  };
}

/**
 * From the rollups. The cover's (dimension, key, count) triples are summed per dimension and key;
 * `totals` are then the 15 band counts (three per banded metric, in BANDS order) and the sample
 * count, `quantiles` the p50 / p75 / p95 slot (3 * bucket + band: slots sort as their values do)
 * of each metric in METRICS order, NaN for a metric without samples (shapeRow in index.ts turns
 * slots into values).
 */
function rollupSql(
  query: PerformanceQuery,
  filters: string[],
  params: Record<string, unknown>,
  range: UtcRange,
  timezone: string,
  nowMs: number,
): string {
  // The site as a whole has its own table: one row per day instead of one per page.
  const perPage = filters.length > 0 || query.dimension === 'event:page';
  const s = sources(query, perPage, range, timezone, nowMs);
  const where = [...filters];
  let top: string | null = null;
  if (query.dimension === 'event:page') {
    // By page, only the pages shown are read in full: the busiest `limit` pages are picked by their
    // sample counts first (the same order and tie-break as the result).
    const counted: string[] = [];
    if (s.cover.days.length > 0) {
      counted.push(
        `SELECT pathname, toInt64(samples) AS n FROM ${s.table} WHERE ` +
          ['site_id = {site:UInt32}', 'day IN CAST({days:Array(UInt16)} AS Array(Date))', ...where].join(
            ' AND ',
          ),
      );
    }
    const raw = rawHoursSql(s, where, params);
    if (raw)
      counted.push(
        `SELECT pathname, arraySum(w -> w.1, ${raw.weights}) AS n FROM ${raw.from} WHERE ${raw.where}`,
      );
    if (counted.length > 0) {
      // A scalar, so the ranking (and its read of raw hours) runs once for both branches below, and
      // the page table's primary key (site, page, day) skips every other page: `has` of a constant
      // array is an index condition, where `IN (subquery)` was built again for each branch.
      top =
        `WITH (SELECT groupArray(pathname) FROM (SELECT pathname FROM (${counted.join(' UNION ALL ')})` +
        ' GROUP BY pathname ORDER BY sum(n) DESC, pathname LIMIT {limit:UInt32})) AS top';
      where.push('has(top, pathname)');
    }
  }

  let tail = '';
  if (query.dimension === 'time:hour' || query.dimension === 'time:day') {
    // The range's total as one more row (the histograms of every bucket summed), first.
    tail = query.total
      ? 'GROUP BY dimension WITH ROLLUP ORDER BY is_total DESC, dimension'
      : 'GROUP BY dimension ORDER BY dimension';
  } else if (query.dimension === 'event:page') {
    tail = 'GROUP BY dimension ORDER BY totals[16] DESC, dimension LIMIT {limit:UInt32}';
  }

  const { metricStride, samplesKey } = HISTOGRAM;
  const banded = Object.keys(BANDS).length;
  // A key's slot in `totals`: 3 * metric + band for the banded metrics, 15 for the sample count.
  const slot =
    `if(key = ${samplesKey}, ${3 * banded}, ` +
    `if(key < ${banded * metricStride}, 3 * intDiv(key, ${metricStride}) + key % 3, ${3 * banded + 1}))`;
  const count = 'toUInt64(greatest(total, 0))';
  const dimension = query.dimension === null ? 'NULL AS dimension' : 'dimension';
  const isTotal = query.total && tail.includes('ROLLUP') ? ', grouping(dimension) AS is_total' : '';
  return [
    ...(top === null ? [] : [top]),
    `SELECT ${dimension}${isTotal},`,
    `  sumResample(0, ${3 * banded + 1}, 1)(${count}, ${slot}) AS totals,`,
    `  quantilesTimingWeightedResample(${QUANTILES.join(', ')}, 0, ${METRICS.length}, 1)` +
      `(key % ${metricStride}, ${count}, intDiv(key, ${metricStride})) AS quantiles`,
    'FROM (SELECT dimension, key, sum(count) AS total FROM (',
    triplesSql(s, where, params),
    ') GROUP BY dimension, key)',
    tail,
  ].join('\n');
}
