/**
 * The SQL behind POST /api/stats/performance, as a pure function of the validated query: one
 * statement with parameters, never user text in the SQL itself.
 *
 * It reads the performance rollups of schema/clickhouse/0006_performance_rollups.sql: histograms of
 * every timing plus the band and sample counts, per site (`performance_site_spans`) or per site and
 * page (`performance_page_spans`), for every hour and for aligned blocks of 1 to 256 UTC days. A
 * range is answered from the few rows that cover it exactly (`coverRange`); a local day of the
 * site's zone is one row of the site-wide table, which keeps a 24-hour row starting at every hour.
 *
 * It falls back to the raw `events` table only when the rollups cannot answer: a filter on
 * something other than the page, or a range that does not start and end on whole UTC hours (a
 * date-time range, or whole days in a zone with a half-hour offset).
 */
import type { FilterDimension, PerformanceFilter, PerformanceQuery } from './query';
import { isHourAligned, midnightHours, type UtcRange } from './range';

/** Metrics in response order: [response name, column in events]. */
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
 * in the rollups' views (schema/clickhouse/0002_rollups.sql and 0006_performance_rollups.sql); keep
 * them in step (test/unit/performance/plan.test.ts checks 0006).
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

/**
 * The rollups' histograms (0006_performance_rollups.sql). A timing v, in milliseconds or for CLS in
 * units of 0.0001, falls in bucket v below `exactBelow`, else in bucket
 * exactBelow + floor(ln(v / exactBelow) / ln(ratio)). Metric m's bucket b is key m * slots + b of
 * `counts`; the band counts follow from key `bandsKey` (three per banded metric, in BANDS order),
 * then the sample count at `samplesKey`.
 */
export const HISTOGRAM = {
  exactBelow: 50,
  ratio: 1.02,
  slots: 600,
  bandsKey: 5400,
  samplesKey: 5415,
  /** CLS is stored in units of 0.0001 (the tracker sends 4 decimals). */
  clsScale: 10_000,
} as const;

/**
 * The value a bucket stands for: the middle of the whole units it holds. Exact below `exactBelow`;
 * above, every value of the bucket is within 1 % of it (buckets are 2 % wide).
 */
export function bucketValue(bucket: number): number {
  const { exactBelow, ratio } = HISTOGRAM;
  if (bucket < exactBelow) return bucket;
  const low = exactBelow * ratio ** (bucket - exactBelow);
  const first = Math.ceil(low);
  const last = Math.max(first, Math.ceil(low * ratio) - 1);
  return (first + last) / 2;
}

/** One rollup row in a cover: `span` hours from `start` (unix seconds), added or taken away. */
export interface CoverTerm {
  span: number;
  start: number;
  weight: 1 | -1;
}

const HOUR = 3600;
const DAY = 86_400;
/** Longest block of days in the rollups (span 24 * 256 hours). */
const MAX_BLOCK_DAYS = 256;

/** UTC days [first, end) as aligned blocks of 2^k days, longest first where alignment allows. */
function dayBlocks(first: number, end: number): CoverTerm[] {
  const terms: CoverTerm[] = [];
  let day = first;
  while (day < end) {
    let days = MAX_BLOCK_DAYS;
    while (days > 1 && (day % days !== 0 || day + days > end)) days /= 2;
    terms.push({ span: 24 * days, start: day * DAY, weight: 1 });
    day += days;
  }
  return terms;
}

/**
 * Rollup rows whose sum is exactly the hours [from, to) (whole UTC hours): aligned blocks of whole
 * UTC days, and hourly rows for the partial days at either end. With `subtract`, a partial day
 * with more than 12 of its hours in the range is taken whole and its other hours are subtracted
 * (for the per-page table, where each row costs one read per page: today, whose remaining hours
 * have no data yet, becomes one row instead of up to 23).
 */
export function coverRange(from: number, to: number, subtract: boolean): CoverTerm[] {
  if (from % HOUR !== 0 || to % HOUR !== 0) throw new Error('coverRange needs whole UTC hours');
  if (to <= from) return [];
  const firstFull = Math.ceil(from / DAY);
  const endFull = Math.floor(to / DAY);
  const pieces: [number, number][] = [];
  if (firstFull > endFull) {
    pieces.push([from, to]);
  } else {
    if (from < firstFull * DAY) pieces.push([from, firstFull * DAY]);
    if (to > endFull * DAY) pieces.push([endFull * DAY, to]);
  }
  let first = firstFull;
  let end = Math.max(firstFull, endFull);
  const hours: CoverTerm[] = [];
  for (const [a, b] of pieces) {
    const day = Math.floor(a / DAY);
    if (subtract && (b - a) / HOUR > 12) {
      first = Math.min(first, day);
      end = Math.max(end, day + 1);
      for (let h = day * DAY; h < a; h += HOUR) hours.push({ span: 1, start: h, weight: -1 });
      for (let h = b; h < (day + 1) * DAY; h += HOUR) hours.push({ span: 1, start: h, weight: -1 });
    } else {
      for (let h = a; h < b; h += HOUR) hours.push({ span: 1, start: h, weight: 1 });
    }
  }
  return [...dayBlocks(first, end), ...hours];
}

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

/** The row a performance event produces in the rollup: any timing present (as the view's WHERE). */
const HAS_TIMING = METRICS.map(([, column]) => `${column} IS NOT NULL`).join(' OR ');

export function planPerformance(
  query: PerformanceQuery,
  siteId: number,
  range: UtcRange,
  timezone: string,
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
  const sql = useRaw ? rawSql(query, filters) : rollupSql(query, filters, params, range, timezone);
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

/** The site-wide table's sort key puts its 24-hour rows in order of their UTC hour of day. */
const HOUR_OF_DAY = 'if(span = 24, toHour(start), 0)';

/**
 * From the rollups. Each row's `counts` is spread into (key, count) pairs; `totals` are the 15
 * band counts and the sample count (keys 5400 to 5415), `quantiles` the p50 / p75 / p95 bucket of
 * each metric in METRICS order, NaN for a metric without samples (shapeRow in index.ts turns
 * buckets into values).
 */
function rollupSql(
  query: PerformanceQuery,
  filters: string[],
  params: Record<string, unknown>,
  range: UtcRange,
  timezone: string,
): string {
  // The site as a whole has its own table: one row per hour or block instead of one per page.
  const perPage = filters.length > 0 || query.dimension === 'event:page';
  const table = perPage ? 'performance_page_spans' : 'performance_site_spans';
  const where = ['site_id = {site:UInt32}'];
  let weight = '';

  if (query.dimension === 'time:hour' || (query.dimension === 'time:day' && perPage)) {
    // Hour by hour: every hourly row of the range.
    where.push('span = 1', 'start >= toDateTime({from:UInt32})', 'start < toDateTime({to:UInt32})');
    if (!perPage) where.push(`${HOUR_OF_DAY} = 0`);
  } else if (query.dimension === 'time:day') {
    // A local day of 24 hours that lies in the range is the 24-hour row starting at its midnight;
    // other days (the range's ends in a date-time range, daylight-saving changes) come hour by hour.
    // `hods` (the UTC hours of the zone's midnights in the range) only narrows what is read: a
    // midnight at another hour falls back to its hours.
    params.hods = midnightHours(range, timezone);
    where.push(
      `(span = 1 AND ${HOUR_OF_DAY} = 0 OR span = 24 AND ${HOUR_OF_DAY} IN {hods:Array(UInt8)})`,
      'start >= toDateTime({from:UInt32})',
      'start < toDateTime({to:UInt32})',
      // `day` is the local midnight the row's first hour belongs to; a whole day is one 24-hour row.
      '((toStartOfDay(start, {tz:String}) AS day) = start OR span = 1)',
      '(span = 24) = (day >= toDateTime({from:UInt32}) AND day + 86400 <= toDateTime({to:UInt32})' +
        " AND toStartOfDay(day + 86400, {tz:String}) = day + 86400 AND toHour(day, 'UTC') IN {hods:Array(UInt8)})",
    );
  } else {
    const terms = coverRange(range.from, range.to, perPage);
    const ids = terms.map((t) => t.start + t.span);
    params.spans = [...new Set(terms.map((t) => t.span))];
    params.starts = [...new Set(terms.map((t) => t.start))];
    params.ids = ids;
    where.push(
      'span IN {spans:Array(UInt16)}',
      "start IN CAST({starts:Array(UInt32)} AS Array(DateTime('UTC')))",
      'has({ids:Array(UInt32)}, toUInt32(start) + span)',
    );
    if (!perPage) where.push(`${HOUR_OF_DAY} = 0`);
    if (terms.some((t) => t.weight < 0)) {
      params.weights = terms.map((t) => t.weight);
      weight = 'transform(toUInt32(start) + span, {ids:Array(UInt32)}, {weights:Array(Int8)}, toInt8(0))';
    }
  }
  where.push(...filters);
  // By page, only the pages shown are read in full: the busiest `limit` pages are picked by their
  // sample counts first (the same order and tie-break as the result).
  if (query.dimension === 'event:page') {
    where.push(
      `pathname IN (SELECT pathname FROM ${table} WHERE ${where.join(' AND ')}` +
        ` GROUP BY pathname ORDER BY sum(${weight ? `${weight} * samples` : 'samples'}) DESC, pathname LIMIT {limit:UInt32})`,
    );
  }

  let dimension = 'NULL';
  let tail = '';
  // The range's total as one more row (the histograms of every bucket summed), first.
  const byTime = query.total
    ? 'GROUP BY dimension WITH ROLLUP ORDER BY is_total DESC, dimension'
    : 'GROUP BY dimension ORDER BY dimension';
  if (query.dimension === 'time:hour') {
    dimension = `formatDateTime(start, '%Y-%m-%d %H:00:00', {tz:String})`;
    tail = byTime;
  } else if (query.dimension === 'time:day') {
    dimension = 'toString(toDate(start, {tz:String}))';
    tail = byTime;
  } else if (query.dimension === 'event:page') {
    dimension = 'pathname';
    tail = 'GROUP BY dimension ORDER BY totals[16] DESC, dimension LIMIT {limit:UInt32}';
  }

  const { slots, bandsKey } = HISTOGRAM;
  const results = (count: string) =>
    `sumResample(0, 16, 1)(${count}, toInt32(key) - ${bandsKey}) AS totals,\n` +
    `  quantilesTimingWeightedResample(${QUANTILES.join(', ')}, 0, ${METRICS.length}, 1)` +
    `(key % ${slots}, ${count}, intDiv(key, ${slots})) AS quantiles`;
  const from = `FROM ${table} ARRAY JOIN counts.1 AS key, counts.2 AS count\nWHERE ${where.join(' AND ')}`;
  if (!weight) {
    // Every row counts once: the pairs go straight into the results.
    const total = query.total ? ', grouping(dimension) AS is_total' : '';
    return [`SELECT ${dimension} AS dimension${total},`, `  ${results('count')}`, from, tail].join('\n');
  }
  // Some rows are subtracted: sum each key first, then read the results from the sums.
  return [
    `SELECT ${query.dimension === null ? 'NULL AS dimension' : 'dimension'},`,
    `  ${results('toUInt64(greatest(total, 0))')}`,
    `FROM (SELECT ${dimension} AS dimension, key, sum(${weight} * count) AS total`,
    from,
    'GROUP BY dimension, key)',
    tail,
  ].join('\n');
}
