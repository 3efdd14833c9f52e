import type { ResolvedRange } from './dates';
import {
  BASE_SESSION_COLUMNS,
  DIMENSIONS,
  DIRECT_NONE,
  type DimensionSpec,
  ENGAGEMENT_METRICS,
  type Granularity,
  METRIC_SQL,
  PROPS_PREFIX,
  propsDimensionSql,
  RAW_INNER_COLUMNS,
  RAW_INNER_SESSION_COLUMNS,
  SESSION_COLUMNS,
  SESSION_IS_VISIT,
  SESSION_METRICS,
  type SessionColumn,
  type StoredMetric,
  TABLES,
  timeBucketSql,
  visitDimensionSql,
} from './schema';
import type { SealedDay } from './seal';
import { type Filter, filterDimensions, isTimeDimension } from './validate';

/** Which table family answers a query; the first that can, in this order, is chosen. */
export type Source = 'sealed' | RollupSource;
/** The sources of hourly rollups and the raw table, whatever the sealed days hold. */
export type RollupSource = 'sessions' | 'pages' | 'goals' | 'raw';

/** What the planner needs: already validated, with the range resolved in the site's zone. */
export interface PlanInput {
  siteId: number;
  timezone: string;
  range: ResolvedRange;
  metrics: StoredMetric[];
  /** Dimension names; `time` must already be replaced by a concrete `time:<granularity>`. */
  dimensions: string[];
  filters: Filter[];
  orderBy: [string, 'asc' | 'desc'][];
  limit: number;
  offset: number;
  /**
   * The site's sealed days, each with its newest version (`sealedDays` in ./seal.ts). Without it
   * the planner reads the hourly rollups only.
   */
  sealed?: SealedDay[];
}

export interface Plan {
  source: Source;
  /** The full query: groups, order and page. Columns `d0…` (dimensions) then `m_<metric>`. */
  sql: string;
  /** The same groups without order or page, for `total_rows`. */
  countSql: string;
  params: Record<string, unknown>;
}

/** Collects query parameters; user values only ever travel this way. */
class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  add(
    type: 'String' | 'Array(String)' | 'Array(UInt32)' | 'Array(UInt64)' | 'DateTime',
    value: unknown,
  ): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

const GRANULARITY: Record<string, Granularity> = {
  'time:minute': 'minute',
  'time:hour': 'hour',
  'time:day': 'day',
  'time:week': 'week',
  'time:month': 'month',
};

function dimensionSpec(name: string): DimensionSpec | 'props' | 'time' {
  if (isTimeDimension(name)) return 'time';
  if (name.startsWith(PROPS_PREFIX)) return 'props';
  const spec = DIMENSIONS[name];
  if (!spec) throw new Error(`unmapped dimension ${name}`);
  return spec;
}

/** True when the rollups' hourly buckets cut this range exactly. */
function hourAligned(range: ResolvedRange): boolean {
  return !range.precise && range.from % 3600 === 0 && range.to % 3600 === 0;
}

/** Picks the cheapest table family that answers every metric, dimension and filter of the query. */
export function chooseSource(input: PlanInput): RollupSource {
  // Minutes are finer than the rollups' hours.
  if (!hourAligned(input.range) || input.dimensions.includes('time:minute')) return 'raw';
  const named = [...input.dimensions.filter((d) => !isTimeDimension(d)), ...filterDimensions(input.filters)];
  const specs = named.map(dimensionSpec);
  if (specs.includes('props')) return 'raw';
  const can = (source: Exclude<RollupSource, 'raw'>) =>
    input.metrics.every((m) => METRIC_SQL[source][m] !== undefined);
  const eventSpecs = specs.filter((s) => s !== 'props' && s !== 'time' && s.scope === 'event');
  const visitSpecs = specs.filter((s) => s !== 'props' && s !== 'time' && s.scope === 'visit');
  if (eventSpecs.length === 0 && can('sessions')) return 'sessions';
  if (visitSpecs.length === 0 && eventSpecs.length > 0) {
    const eventNames = named.filter((n) => n.startsWith('event:'));
    if (eventNames.every((n) => n === 'event:page' || n === 'event:hostname') && can('pages')) return 'pages';
    if (eventNames.every((n) => n === 'event:goal') && can('goals')) return 'goals';
  }
  return 'raw';
}

/** One filter condition as SQL over `column`, its values as parameters. */
function conditionSql(
  op: Extract<Filter, { kind: 'condition' }>['op'],
  column: string,
  values: string[],
  caseSensitive: boolean,
  params: Params,
): string {
  switch (op) {
    case 'is':
    case 'is_not': {
      const test = caseSensitive
        ? `has(${params.add('Array(String)', values)}, ${column})`
        : `has(${params.add(
            'Array(String)',
            values.map((v) => v.toLowerCase()),
          )}, lowerUTF8(${column}))`;
      return op === 'is' ? test : `NOT ${test}`;
    }
    case 'contains':
    case 'contains_not': {
      const fn = caseSensitive ? 'multiSearchAny' : 'multiSearchAnyCaseInsensitiveUTF8';
      const test = `${fn}(${column}, ${params.add('Array(String)', values)})`;
      return op === 'contains' ? test : `NOT ${test}`;
    }
    case 'matches':
    case 'matches_not': {
      const tests = values.map(
        (v) => `match(${column}, ${params.add('String', caseSensitive ? v : `(?i)${v}`)})`,
      );
      const test = `(${tests.join(' OR ')})`;
      return op === 'matches' ? test : `NOT ${test}`;
    }
  }
}

/** Resolves a dimension name to SQL for the source at hand. */
type Resolver = (dimension: string) => { sql: string; condition?: string };

function filterSql(filter: Filter, resolve: Resolver, params: Params): string {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${filter.filters.map((f) => filterSql(f, resolve, params)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT (${filterSql(filter.filter, resolve, params)})`;
    case 'condition': {
      const { sql, condition } = resolve(filter.dimension);
      const negative = filter.op.endsWith('_not');
      const positiveOp = negative ? (filter.op.slice(0, -4) as 'is' | 'contains' | 'matches') : filter.op;
      let test = conditionSql(positiveOp, sql, filter.values, filter.caseSensitive, params);
      if (condition) test = `(${condition} AND ${test})`;
      return negative ? `NOT (${test})` : `(${test})`;
    }
  }
}

function whereFilters(filters: Filter[], resolve: Resolver, params: Params): string[] {
  return filters.map((f) => filterSql(f, resolve, params));
}

function orderSql(input: PlanInput): string {
  const terms: string[] = [];
  const alias = (field: string): string => {
    const dim = input.dimensions.indexOf(field);
    if (dim >= 0) return `d${dim}`;
    // percentage and conversion_rate follow visitors (exactly for one goal or one breakdown).
    return field === 'percentage' || field === 'conversion_rate' ? 'm_visitors' : `m_${field}`;
  };
  for (const [field, direction] of input.orderBy)
    terms.push(`${alias(field)} ${direction === 'asc' ? 'ASC' : 'DESC'}`);
  if (input.orderBy.length === 0) {
    const time = input.dimensions.findIndex(isTimeDimension);
    if (time >= 0) terms.push(`d${time} ASC`);
    else if (input.dimensions.length > 0 && input.metrics[0]) terms.push(`m_${input.metrics[0]} DESC`);
  }
  input.dimensions.forEach((_, i) => {
    terms.push(`d${i} ASC`);
  });
  return terms.length > 0 ? ` ORDER BY ${terms.join(', ')}` : '';
}

function groupBy(dimensions: string[]): string {
  return dimensions.length > 0 ? ` GROUP BY ${dimensions.map((_, i) => `d${i}`).join(', ')}` : '';
}

/** The per-visit rows of `visit_hours` for the range, with the columns asked for. */
function sessionsSubquery(columns: Set<SessionColumn>, extraCondition = ''): string {
  const list = [...columns].map((c) => `${SESSION_COLUMNS[c]} AS ${c}`).join(', ');
  return (
    `SELECT session_id, ${list} FROM ${TABLES.sessions}` +
    ' WHERE site_id = {site:UInt32} AND hour >= toStartOfHour({from:DateTime}) AND hour < {to:DateTime}' +
    (extraCondition ? ` AND ${extraCondition}` : '') +
    ' GROUP BY session_id'
  );
}

function finish(
  input: PlanInput,
  source: Source,
  inner: string,
  params: Params,
  having = '',
  extraParams: Record<string, unknown> = {},
): Plan {
  const grouped = `${inner}${groupBy(input.dimensions)}${input.dimensions.length > 0 ? having : ''}`;
  // The number of groups rides along on every row (a window over the groups, before the page is
  // cut), so total_rows costs no second query; `countSql` remains for a page past the end.
  const counted = grouped.replace(/^SELECT /, 'SELECT count() OVER () AS total_rows, ');
  const sql = `${counted}${orderSql(input)} LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
  return {
    source,
    sql,
    countSql: `SELECT count() AS n FROM (${grouped})`,
    params: {
      ...params.values,
      ...extraParams,
      site: input.siteId,
      from: utc(input.range.from),
      to: utc(input.range.to),
      tz: input.timezone,
      limit: input.limit,
      offset: input.offset,
    },
  };
}

function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function metricList(input: PlanInput, source: RollupSource): string {
  return input.metrics.map((m) => `${METRIC_SQL[source][m] ?? 'NULL'} AS m_${m}`).join(', ');
}

const TZ = '{tz:String}';

function planSessions(input: PlanInput): Plan {
  const params = new Params();
  const columns = new Set<SessionColumn>(BASE_SESSION_COLUMNS);
  const need = (name: string) => {
    const spec = dimensionSpec(name);
    if (typeof spec === 'object' && spec.scope === 'visit') columns.add(spec.column);
  };
  input.dimensions.forEach(need);
  filterDimensions(input.filters).forEach(need);
  const resolve: Resolver = (name) => {
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'visit')
      throw new Error(`${name} is not a visit dimension`);
    return { sql: visitDimensionSql(spec) };
  };
  const dims = input.dimensions.map((name, i) => {
    const granularity = GRANULARITY[name];
    return `${granularity ? timeBucketSql(granularity, 's.started_at', TZ) : resolve(name).sql} AS d${i}`;
  });
  const where = [SESSION_IS_VISIT, ...whereFilters(input.filters, resolve, params)];
  const inner = `SELECT ${[...dims, metricList(input, 'sessions')].join(', ')} FROM (${sessionsSubquery(columns)}) AS s WHERE ${where.join(' AND ')}`;
  return finish(input, 'sessions', inner, params);
}

function planPages(input: PlanInput): Plan {
  const params = new Params();
  const resolve: Resolver = (name) => {
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'event' || !spec.pages)
      throw new Error(`${name} not in pages`);
    return { sql: spec.pages };
  };
  const dims = input.dimensions.map((name, i) => {
    const granularity = GRANULARITY[name];
    return `${granularity ? timeBucketSql(granularity, 'p.hour', TZ) : resolve(name).sql} AS d${i}`;
  });
  const where = [
    'p.site_id = {site:UInt32}',
    'p.hour >= {from:DateTime}',
    'p.hour < {to:DateTime}',
    ...whereFilters(input.filters, resolve, params),
  ];
  const inner = `SELECT ${[...dims, metricList(input, 'pages')].join(', ')} FROM ${TABLES.pages} AS p WHERE ${where.join(' AND ')}`;
  return finish(input, 'pages', inner, params, ' HAVING sum(p.pageviews) > 0');
}

function planGoals(input: PlanInput): Plan {
  const params = new Params();
  const resolve: Resolver = (name) => {
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'event' || !spec.goals)
      throw new Error(`${name} not in goals`);
    return { sql: spec.goals };
  };
  const dims = input.dimensions.map((name, i) => {
    const granularity = GRANULARITY[name];
    return `${granularity ? timeBucketSql(granularity, 'g.hour', TZ) : resolve(name).sql} AS d${i}`;
  });
  const where = [
    'g.site_id = {site:UInt32}',
    'g.hour >= {from:DateTime}',
    'g.hour < {to:DateTime}',
    ...whereFilters(input.filters, resolve, params),
  ];
  const inner = `SELECT ${[...dims, metricList(input, 'goals')].join(', ')} FROM ${TABLES.goals} AS g WHERE ${where.join(' AND ')}`;
  return finish(input, 'goals', inner, params);
}

function planRaw(input: PlanInput): Plan {
  const params = new Params();
  const columns = new Set<SessionColumn>();
  const conditions: string[] = [];
  // Time buckets of visits: a visit counts in the bucket where it starts, with all its events in
  // the range, as in the visit rollups and sealed days (a visit may cross a local midnight). Only
  // a question about events (an event dimension or filter) buckets each event by its own time,
  // as the page and goal rollups do.
  const named = [...input.dimensions.filter((d) => !isTimeDimension(d)), ...filterDimensions(input.filters)];
  const aboutEvents = named.some((name) => {
    const spec = dimensionSpec(name);
    return spec === 'props' || (typeof spec === 'object' && spec.scope === 'event');
  });
  const byVisitStart = input.dimensions.some((d) => GRANULARITY[d] !== undefined) && !aboutEvents;
  let joinSessions = byVisitStart || input.metrics.some((m) => SESSION_METRICS.has(m));
  const resolve: Resolver = (name) => {
    if (name.startsWith(PROPS_PREFIX)) {
      return { sql: propsDimensionSql(params.add('String', name.slice(PROPS_PREFIX.length))) };
    }
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object') throw new Error(`${name} cannot be filtered`);
    if (spec.scope === 'visit') {
      joinSessions = true;
      columns.add(spec.column);
      return { sql: visitDimensionSql(spec) };
    }
    return { sql: spec.raw, condition: spec.rawCondition };
  };
  const dims = input.dimensions.map((name, i) => {
    const granularity = GRANULARITY[name];
    if (granularity) {
      // A visit that began before a date-time range's start counts from the start.
      const at = byVisitStart ? 'greatest(s.started_at, {from:DateTime})' : 'e.timestamp';
      return `${timeBucketSql(granularity, at, TZ)} AS d${i}`;
    }
    const { sql, condition } = resolve(name);
    if (condition) conditions.push(condition);
    return `${sql} AS d${i}`;
  });
  const filters = whereFilters(input.filters, resolve, params);
  const kinds = input.metrics.some((m) => ENGAGEMENT_METRICS.has(m))
    ? "('pageview', 'custom', 'engagement')"
    : "('pageview', 'custom')";
  const innerColumns = Object.entries(RAW_INNER_COLUMNS).map(([name, sql]) => `${sql} AS ${name}`);
  let join = '';
  if (joinSessions) {
    for (const c of BASE_SESSION_COLUMNS) columns.add(c);
    innerColumns.push(...Object.entries(RAW_INNER_SESSION_COLUMNS).map(([name, sql]) => `${sql} AS ${name}`));
    join = ` INNER JOIN (${sessionsSubquery(columns)}) AS s ON s.session_id = e.session_id`;
  }
  const where = [
    'e.site_id = {site:UInt32}',
    'e.timestamp >= {from:DateTime}',
    'e.timestamp < {to:DateTime}',
    `e.kind IN ${kinds}`,
    ...conditions,
    ...filters,
  ];
  const innerGroup = [...input.dimensions.map((_, i) => `d${i}`), 'e.session_id'].join(', ');
  const perVisit = `SELECT ${[...dims, ...innerColumns].join(', ')} FROM ${TABLES.events} AS e${join} WHERE ${where.join(' AND ')} GROUP BY ${innerGroup}`;
  const outerDims = input.dimensions.map((_, i) => `r.d${i} AS d${i}`);
  const inner = `SELECT ${[...outerDims, metricList(input, 'raw')].join(', ')} FROM (${perVisit}) AS r`;
  return finish(input, 'raw', inner, params, ' HAVING sum(r.events) > 0');
}

/**
 * Sealed days (schema/clickhouse/0005_stats_daily.sql): ended UTC days as plain numbers in
 * `stats_daily` and `stats_hours`, with the hours of days not sealed yet (today, late data) read
 * from the hourly rollups as usual and added. Visitors add up across UTC days (their ids come from
 * that day's salt), which is what lets a day be counted once and summed afterwards.
 */
type SealedClass = 'visits' | 'pages' | 'goals';

/** Columns both halves of a sealed plan produce, in this order. */
const SEALED_COLUMNS = [
  'visitors',
  'visits',
  'pageviews',
  'events',
  'bounces',
  'duration',
  'sd_sum',
  'sd_count',
  'eng_sum',
  'eng_count',
] as const;
type SealedColumn = (typeof SEALED_COLUMNS)[number];

/** How each sealed column is read from `stats_daily`. */
const SEALED_SOURCE: Record<SealedColumn, string> = {
  visitors: 'visitors',
  visits: 'visits',
  pageviews: 'pageviews',
  events: 'events',
  bounces: 'bounces',
  duration: 'duration',
  sd_sum: 'scroll_depth_sum',
  sd_count: 'scroll_depth_count',
  eng_sum: 'engaged_ms_sum',
  eng_count: 'engaged_count',
};

const SEALED_METRICS: Record<SealedClass, Partial<Record<StoredMetric, string>>> = {
  visits: {
    visitors: 'sum(u.visitors)',
    visits: 'sum(u.visits)',
    pageviews: 'sum(u.pageviews)',
    views_per_visit: 'round(ifNotFinite(sum(u.pageviews) / sum(u.visits), 0), 2)',
    bounce_rate: 'round(ifNotFinite(100 * sum(u.bounces) / sum(u.visits), 0))',
    visit_duration: 'round(ifNotFinite(sum(u.duration) / sum(u.visits), 0))',
  },
  pages: {
    visitors: 'sum(u.visitors)',
    pageviews: 'sum(u.pageviews)',
    scroll_depth: 'round(ifNotFinite(sum(u.sd_sum) / sum(u.sd_count), 0))',
    time_on_page: 'round(ifNotFinite(sum(u.eng_sum) / sum(u.eng_count) / 1000, 0))',
  },
  goals: {
    visitors: 'sum(u.visitors)',
    visits: 'sum(u.visits)',
    events: 'sum(u.events)',
  },
};

/** The sealed columns each metric is computed from. */
const METRIC_COLUMNS: Record<StoredMetric, SealedColumn[]> = {
  visitors: ['visitors'],
  visits: ['visits'],
  pageviews: ['pageviews'],
  events: ['events', 'pageviews'],
  views_per_visit: ['pageviews', 'visits'],
  bounce_rate: ['bounces', 'visits'],
  visit_duration: ['duration', 'visits'],
  scroll_depth: ['sd_sum', 'sd_count'],
  time_on_page: ['eng_sum', 'eng_count'],
};

/** Columns a union must fill for these metrics (pages always need pageviews: a page without any is left out). */
function neededColumns(metrics: StoredMetric[]): Set<SealedColumn> {
  return new Set<SealedColumn>(['pageviews', ...metrics.flatMap((m) => METRIC_COLUMNS[m])]);
}

/**
 * A select list of the sealed columns, as UInt64: `values` for those `needed`, 0 for the rest (so
 * nothing unneeded is read or aggregated).
 */
function sealedSelect(values: Partial<Record<SealedColumn, string>>, needed: Set<SealedColumn>): string {
  return SEALED_COLUMNS.map((c) => `toUInt64(${needed.has(c) ? (values[c] ?? '0') : '0'}) AS ${c}`).join(
    ', ',
  );
}

/** Which sealed rows answer a one-dimension breakdown, or null when none do. */
function sealedBreakdown(
  name: string,
  metrics: StoredMetric[],
): { cls: SealedClass; dim: string; spec: DimensionSpec } | null {
  const spec = DIMENSIONS[name];
  if (!spec) return null;
  const fits = (cls: SealedClass) => metrics.every((m) => SEALED_METRICS[cls][m] !== undefined);
  if (spec.scope === 'event') {
    if (name === 'event:page' && fits('pages')) return { cls: 'pages', dim: 'page', spec };
    if (name === 'event:goal' && fits('goals')) return { cls: 'goals', dim: 'goal', spec };
    return null;
  }
  // Every visit dimension is sealed from the visit rows (functions/stats/seal.ts).
  if (fits('visits')) return { cls: 'visits', dim: spec.column, spec };
  return null;
}

/** Filters that only test `dimension` itself (the comparison's "these rows" filter, a row click). */
function onlyFilters(filters: Filter[], dimension: string): boolean {
  return filterDimensions(filters).every((d) => d === dimension);
}

const DAY_SECONDS = 86_400;

/** Whole UTC days inside the range: [dayFrom, dayTo) as epoch seconds (empty when from >= to). */
function wholeDays(range: ResolvedRange): { from: number; to: number } {
  const from = Math.ceil(range.from / DAY_SECONDS) * DAY_SECONDS;
  const to = Math.floor(range.to / DAY_SECONDS) * DAY_SECONDS;
  return to > from ? { from, to } : { from, to: from };
}

/**
 * One question of a sealed plan: a breakdown of one dimension, or the site as a whole (in one
 * bucket, or in day / week / month buckets of the site's zone).
 */
type SealedItem = { metrics: StoredMetric[] } & (
  | { kind: 'breakdown'; name: string; cls: SealedClass; dim: string; spec: DimensionSpec }
  | { kind: 'totals'; granularity: Granularity | null }
);

/** [from, to) in epoch seconds. */
type Span = [number, number];

/** `spans` minus the UTC days in `days` (epoch seconds of their midnights), merged and in order. */
function withoutDays(spans: Span[], days: number[]): Span[] {
  let out = spans;
  for (const day of days) {
    out = out.flatMap(([a, b]): Span[] => {
      if (day + DAY_SECONDS <= a || day >= b) return [[a, b]];
      const left: Span[] = a < day ? [[a, day]] : [];
      const right: Span[] = day + DAY_SECONDS < b ? [[day + DAY_SECONDS, b]] : [];
      return [...left, ...right];
    });
  }
  return out;
}

/**
 * What the sealed days cover of a range, worked out from the site's sealed days so that the SQL
 * holds plain values (no subquery per part): the whole UTC days inside the range that are sealed
 * (breakdowns read them from `stats_daily`, totals from `stats_hours`, hour by hour for the
 * buckets of the site's zone), and the hours left to the hourly rollups.
 *
 * A day the range cuts (its first and last UTC day, in a zone that is not UTC) is read from the
 * hourly rollups, not from `stats_hours`: a visit may cross the hour where the range ends, and the
 * rollups count only its part inside the range, as every other plan does, where a sealed hour
 * holds the whole visit in the hour it began.
 */
interface Coverage {
  /** Sealed whole days inside the range (`stats_daily`, `stats_hours`). */
  daily: SealedDay[];
  /** Hours read from the hourly rollups. */
  spans: Span[];
}

function coverage(range: ResolvedRange, sealed: SealedDay[]): Coverage {
  const whole = wholeDays(range);
  const at = (day: SealedDay) => Date.parse(`${day.day}T00:00:00Z`) / 1000;
  const daily = sealed.filter((d) => at(d) >= whole.from && at(d) < whole.to);
  return { daily, spans: withoutDays([[range.from, range.to]], daily.map(at)) };
}

/** SQL true for `column` inside one of `spans` (false when there are none), values as parameters. */
function spansSql(column: string, spans: Span[], params: Params): string {
  if (spans.length === 0) return '0';
  return `(${spans
    .map(
      ([a, b]) =>
        `(${column} >= ${params.add('DateTime', utc(a))} AND ${column} < ${params.add('DateTime', utc(b))})`,
    )
    .join(' OR ')})`;
}

/** SQL true for rows of the given days and versions (`day`, `version` columns), as parameters. */
function versionsSql(days: SealedDay[], params: Params): string {
  if (days.length === 0) return '0';
  // One number per (day, version): the day number in the high 32 bits.
  const keys = days.map((d) => (Date.parse(`${d.day}T00:00:00Z`) / 1000 / DAY_SECONDS) * 2 ** 32 + d.version);
  return `(toUInt64(day) * 4294967296 + version) IN ${params.add('Array(UInt64)', keys)}`;
}

/** What a query asks, as a sealed item; null when sealed days cannot answer it. */
function sealedItem(input: PlanInput): SealedItem | null {
  if (!input.sealed || !hourAligned(input.range)) return null;
  const [name, ...rest] = input.dimensions;
  if (rest.length > 0) return null;
  if (name === undefined || isTimeDimension(name)) {
    const granularity = name === undefined ? null : (GRANULARITY[name] ?? null);
    if (name !== undefined && (granularity === null || granularity === 'minute' || granularity === 'hour'))
      return null;
    // Buckets start at local midnight only for ranges of whole days.
    if (input.filters.length > 0 || input.range.precise) return null;
    if (!input.metrics.every((m) => SEALED_METRICS.visits[m] !== undefined)) return null;
    return { kind: 'totals', granularity, metrics: input.metrics };
  }
  const found = sealedBreakdown(name, input.metrics);
  if (!found || !onlyFilters(input.filters, name)) return null;
  return { kind: 'breakdown', name, ...found, metrics: input.metrics };
}

/**
 * Rows `k, d0, <sealed columns>` for every item (k = its index): sealed days from `stats_daily`
 * (breakdowns) and `stats_hours` (the site as a whole), plus the hours they do not cover from
 * the hourly rollups; one scan per table whatever the number of items. Group by (k, d0) and sum.
 */
function sealedUnion(entries: { k: number; item: SealedItem }[], params: Params, cov: Coverage): string {
  /** Columns the given items need (pageviews always: pages without any are left out). */
  const columnsOf = (list: { item: SealedItem }[]) => neededColumns(list.flatMap(({ item }) => item.metrics));
  const parts: string[] = [];
  const breakdowns = entries.flatMap(({ k, item }) => (item.kind === 'breakdown' ? [{ k, item }] : []));
  const totals = entries.flatMap(({ k, item }) => (item.kind === 'totals' ? [{ k, item }] : []));
  const size = Math.max(0, ...entries.map(({ k }) => k + 1));
  const range = 'hour >= {from:DateTime} AND hour < {to:DateTime}';

  if (breakdowns.length > 0 && cov.daily.length > 0) {
    // Position k holds item k's dim ('' for other items, a name no row has).
    const byK = new Map(breakdowns.map(({ k, item }) => [k, item.kind === 'breakdown' ? item.dim : '']));
    const dims = params.add(
      'Array(String)',
      Array.from({ length: size }, (_, k) => byK.get(k) ?? ''),
    );
    const direct = breakdowns
      .filter(({ item }) => item.spec.scope === 'visit' && item.spec.directNone)
      .map(({ item }) => item.dim);
    const shown =
      direct.length > 0
        ? `if(value = '' AND has(${params.add('Array(String)', direct)}, dim), '${DIRECT_NONE}', value)`
        : 'value';
    parts.push(
      `SELECT toUInt32(indexOf(${dims}, dim) - 1) AS k, ${shown} AS d0, ${sealedSelect(SEALED_SOURCE, columnsOf(breakdowns))}` +
        ` FROM stats_daily WHERE site_id = {site:UInt32} AND dim IN ${dims}` +
        ` AND day IN ${params.add(
          'Array(String)',
          cov.daily.map((d) => d.day),
        )} AND ${versionsSql(cov.daily, params)}`,
    );
  }

  // Visits not sealed: one scan of visit_hours for every visit breakdown and every total.
  const visitBreakdowns = breakdowns.flatMap(({ k, item }) =>
    item.cls === 'visits' && item.spec.scope === 'visit' ? [{ k, spec: item.spec }] : [],
  );
  if ((visitBreakdowns.length > 0 || totals.length > 0) && cov.spans.length > 0) {
    const columns = new Set<SessionColumn>([
      ...BASE_SESSION_COLUMNS,
      ...visitBreakdowns.map((v) => v.spec.column),
    ]);
    const pairs = [
      // (k, value): a breakdown's value.
      ...visitBreakdowns.map((v) => `(toUInt32(${v.k}), ${visitDimensionSql(v.spec)})`),
      // (k, bucket): a total's time bucket, or '' for the range as a whole.
      ...totals.map(
        ({ k, item }) =>
          `(toUInt32(${k}), ${item.granularity ? timeBucketSql(item.granularity, 's.started_at', TZ) : "''"})`,
      ),
    ];
    parts.push(
      `SELECT pair.1 AS k, pair.2 AS d0, ${sealedSelect(
        {
          visitors: 'uniq(s.visitor_id)',
          visits: 'count()',
          pageviews: 'sum(s.pageviews)',
          bounces: 'countIf(s.pageviews = 1 AND s.interactive_events = 0)',
          duration: 'sum(toInt64(s.ended_at) - toInt64(s.started_at))',
        },
        columnsOf([
          ...breakdowns.filter(({ item }) => item.kind === 'breakdown' && item.cls === 'visits'),
          ...totals,
        ]),
      )}` +
        ` FROM (${sessionsSubquery(columns, spansSql('hour', cov.spans, params))}) AS s` +
        ` ARRAY JOIN [${pairs.join(', ')}] AS pair WHERE ${SESSION_IS_VISIT} GROUP BY k, d0`,
    );
  }

  // The site as a whole on sealed days. A bucket's part of one UTC day is always a run of hours
  // that starts at 0 or ends at 23 (buckets and the range begin at local midnight, and a UTC day
  // holds one local midnight), so its visitors are `visitors_to` of its last hour or
  // `visitors_from` of its first.
  if (totals.length > 0 && cov.daily.length > 0) {
    const at = "toDateTime(day, 'UTC') + toIntervalHour(hour)";
    const buckets = totals.map(
      ({ k, item }) =>
        `(toUInt32(${k}), ${item.granularity ? timeBucketSql(item.granularity, at, TZ) : "''"})`,
    );
    parts.push(
      `SELECT b.1 AS k, b.2 AS d0, ${sealedSelect(
        {
          visitors: 'if(min(hour) = 0, argMax(visitors_to, hour), argMin(visitors_from, hour))',
          visits: 'sum(visits)',
          pageviews: 'sum(pageviews)',
          bounces: 'sum(bounces)',
          duration: 'sum(duration)',
        },
        columnsOf(totals),
      )}` +
        ` FROM stats_hours ARRAY JOIN [${buckets.join(', ')}] AS b WHERE site_id = {site:UInt32}` +
        ` AND day IN ${params.add(
          'Array(String)',
          cov.daily.map((d) => d.day),
        )}` +
        ` AND ${at} >= {from:DateTime} AND ${at} < {to:DateTime} AND ${versionsSql(cov.daily, params)}` +
        ' GROUP BY k, d0, day',
    );
  }

  const page = breakdowns.find(({ item }) => item.cls === 'pages');
  if (page && cov.spans.length > 0) {
    parts.push(
      `SELECT toUInt32(${page.k}) AS k, pathname AS d0, ${sealedSelect(
        {
          visitors: 'uniqMerge(visitors)',
          pageviews: 'sum(pageviews)',
          sd_sum: 'sum(scroll_depth_sum)',
          sd_count: 'sum(scroll_depth_count)',
          eng_sum: 'sum(engaged_ms_sum)',
          eng_count: 'sum(engaged_count)',
        },
        columnsOf([page]),
      )}` +
        ` FROM ${TABLES.pages} WHERE site_id = {site:UInt32} AND ${range} AND ${spansSql('hour', cov.spans, params)} GROUP BY d0`,
    );
  }
  const goal = breakdowns.find(({ item }) => item.cls === 'goals');
  if (goal && cov.spans.length > 0) {
    parts.push(
      `SELECT toUInt32(${goal.k}) AS k, toString(name) AS d0, ${sealedSelect(
        {
          visitors: 'uniqMerge(visitors)',
          visits: 'uniqMerge(visits)',
          events: 'sum(events)',
        },
        columnsOf([goal]),
      )}` +
        ` FROM ${TABLES.goals} WHERE site_id = {site:UInt32} AND ${range} AND ${spansSql('hour', cov.spans, params)} GROUP BY d0`,
    );
  }
  // Nothing to read at all (a range with no hours?): one empty row set of the right shape.
  if (parts.length === 0)
    parts.push(`SELECT toUInt32(0) AS k, '' AS d0, ${sealedSelect({}, new Set())} WHERE 0`);
  return parts.join(' UNION ALL ');
}

/** The class whose formulas compute an item's metrics. */
function itemClass(item: SealedItem): SealedClass {
  return item.kind === 'totals' ? 'visits' : item.cls;
}

/** The sealed plan for this query, or null when sealed days cannot answer it. */
export function planSealed(input: PlanInput): Plan | null {
  const item = sealedItem(input);
  if (!item) return null;
  const params = new Params();
  const union = sealedUnion([{ k: 0, item }], params, coverage(input.range, input.sealed ?? []));
  const cls = itemClass(item);
  const metrics = input.metrics.map((m) => `${SEALED_METRICS[cls][m]} AS m_${m}`).join(', ');
  if (item.kind === 'totals') {
    const dims = item.granularity ? 'u.d0 AS d0, ' : '';
    return finish(input, 'sealed', `SELECT ${dims}${metrics} FROM (${union}) AS u`, params);
  }
  const resolve: Resolver = (dimension) => {
    if (dimension !== item.name) throw new Error(`${dimension} is not ${item.name}`);
    return { sql: 'u.d0' };
  };
  const where = whereFilters(input.filters, resolve, params);
  const inner =
    `SELECT u.d0 AS d0, ${metrics} FROM (${union}) AS u` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '');
  const having = cls === 'pages' ? ' HAVING sum(u.pageviews) > 0' : '';
  return finish(input, 'sealed', inner, params, having);
}

/** Several questions of one site, answered by one statement (rows tagged `k`, the index of their question). */
export interface CombinedPlan {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Plans queries of one site without filters as one statement: the panels of a dashboard page and
 * the comparison periods of its totals, which otherwise cost one statement each. Each range gets
 * its own parts (the same tables, its own hours and sealed days); the rows of every part are summed
 * and ranked together. Rows carry `k` (the index of their query), `total_rows` (per query), `d0`
 * and `m_<metric>`, each query's rows in its order and cut to its limit. Null unless every input
 * is sealed-answerable, unfiltered, from its first row, and (breakdowns) ordered by one of its
 * metrics, with no dimension broken down twice over one range.
 */
export function planCombined(inputs: PlanInput[]): CombinedPlan | null {
  const first = inputs[0];
  if (!first) return null;
  const items: SealedItem[] = [];
  /** Breakdowns ranked by each sort expression: `expression -> ks`. */
  const sortKeys = new Map<string, number[]>();
  /** Range key -> the range, its sealed days and its items. */
  const groups = new Map<string, { input: PlanInput; entries: { k: number; item: SealedItem }[] }>();
  for (const input of inputs) {
    if (input.filters.length > 0 || input.offset !== 0) return null;
    if (input.siteId !== first.siteId || input.timezone !== first.timezone) return null;
    const item = sealedItem(input);
    if (!item) return null;
    const k = items.length;
    const key = `${input.range.from}-${input.range.to}`;
    const group = groups.get(key) ?? { input, entries: [] };
    groups.set(key, group);
    if (item.kind === 'breakdown') {
      if (group.entries.some(({ item: other }) => other.kind === 'breakdown' && other.name === item.name))
        return null;
      const [term, ...more] = input.orderBy;
      const field = term?.[0] === 'percentage' || term?.[0] === 'conversion_rate' ? 'visitors' : term?.[0];
      const metric = (field ?? input.metrics[0]) as StoredMetric | undefined;
      if (more.length > 0 || metric === undefined || !input.metrics.includes(metric)) return null;
      const value = `toFloat64(${SEALED_METRICS[item.cls][metric]})`;
      const expression = term === undefined || term[1] === 'desc' ? `-${value}` : value;
      sortKeys.set(expression, [...(sortKeys.get(expression) ?? []), k]);
    } else if (input.orderBy.length > 0) {
      return null;
    }
    group.entries.push({ k, item });
    items.push(item);
  }
  const params = new Params();
  const wanted = [...new Set(inputs.flatMap((input) => input.metrics))];
  const unions = [...groups.values()].map(({ input, entries }) => {
    const union = sealedUnion(entries, params, coverage(input.range, input.sealed ?? []));
    // Every range but the first reads its own bounds (generated SQL only: values stay parameters).
    if (input === first) return union;
    const from = params.add('DateTime', utc(input.range.from));
    const to = params.add('DateTime', utc(input.range.to));
    return union.replaceAll('{from:DateTime}', from).replaceAll('{to:DateTime}', to);
  });
  const pages = items.flatMap((item, k) => (item.kind === 'breakdown' && item.cls === 'pages' ? [k] : []));
  const formula = (m: StoredMetric): string => {
    const cls = (['visits', 'pages', 'goals'] as const).find((c) => SEALED_METRICS[c][m] !== undefined);
    return cls ? (SEALED_METRICS[cls][m] as string) : '0';
  };
  const limits = params.add(
    'Array(UInt32)',
    inputs.map((input) => input.limit),
  );
  // Breakdowns by their metric, then by value; totals and time buckets by value alone.
  const ranked = [...sortKeys].map(([expression, ks]) => `has([${ks.join(', ')}], u.k), ${expression}`);
  const sortKey = ranked.length > 0 ? `multiIf(${ranked.join(', ')}, 0)` : '0';
  const sql =
    `SELECT * FROM (SELECT count() OVER (PARTITION BY u.k) AS total_rows,` +
    ` row_number() OVER (PARTITION BY u.k ORDER BY ${sortKey}, u.d0) AS rn, u.k AS k, u.d0 AS d0, ` +
    `${wanted.map((m) => `${formula(m)} AS m_${m}`).join(', ')}` +
    ` FROM (${unions.join(' UNION ALL ')}) AS u GROUP BY u.k, u.d0` +
    (pages.length > 0 ? ` HAVING NOT has([${pages.join(', ')}], u.k) OR sum(u.pageviews) > 0` : '') +
    `) WHERE rn <= ${limits}[k + 1] ORDER BY k, rn`;
  return {
    sql,
    params: {
      ...params.values,
      site: first.siteId,
      from: utc(first.range.from),
      to: utc(first.range.to),
      tz: first.timezone,
    },
  };
}

/**
 * Turns a validated query into one parameterised ClickHouse query. Table, column and function
 * names come from ./schema only; every value from the request (filter values, property keys, the
 * time zone, dates, paging) is a `{pN:Type}` parameter, never part of the SQL text.
 */
export function planQuery(input: PlanInput): Plan {
  const sealed = planSealed(input);
  if (sealed) return sealed;
  switch (chooseSource(input)) {
    case 'sessions':
      return planSessions(input);
    case 'pages':
      return planPages(input);
    case 'goals':
      return planGoals(input);
    case 'raw':
      return planRaw(input);
  }
}

/** Metrics the raw table answers per visit without the visit row or engagement events. */
const RECENT_METRICS: ReadonlySet<StoredMetric> = new Set(['visitors', 'visits', 'pageviews', 'events']);

/**
 * Plans short date-time ranges of one site (the realtime panels: visitors in the last minutes, the
 * last half hour minute by minute) as one scan of `events`, where each would otherwise be its own
 * statement. Each row of the scan is counted once for every query whose range holds it, exactly as
 * that query's raw plan counts it. Rows carry `k` (the index of their query), `total_rows` (per
 * query), `d0` (a minute, or '' for a query without a dimension) and `m_<metric>`, ordered by `k`
 * then `d0`; a query without a dimension and without events has no row (its answer is all zeros),
 * and cutting each query to its limit is left to the caller. Null unless every input is
 * unfiltered, from its first row, in its default order, of metrics in RECENT_METRICS, and has no
 * dimension or only `time:minute`.
 */
export function planRecent(inputs: PlanInput[]): CombinedPlan | null {
  const first = inputs[0];
  if (!first) return null;
  for (const input of inputs) {
    if (input.filters.length > 0 || input.offset !== 0 || input.orderBy.length > 0) return null;
    if (input.siteId !== first.siteId || input.timezone !== first.timezone) return null;
    if (!input.metrics.every((m) => RECENT_METRICS.has(m))) return null;
    const [dimension, ...rest] = input.dimensions;
    if (rest.length > 0 || (dimension !== undefined && dimension !== 'time:minute')) return null;
  }
  const params = new Params();
  const pairs = inputs.map((input, k) => {
    const bucket = input.dimensions.length > 0 ? timeBucketSql('minute', 'e.timestamp', TZ) : "''";
    const inRange = `e.timestamp >= ${params.add('DateTime', utc(input.range.from))} AND e.timestamp < ${params.add('DateTime', utc(input.range.to))}`;
    return `(toUInt32(${k}), ${bucket}, ${inRange})`;
  });
  const wanted = [...new Set(inputs.flatMap((input) => input.metrics))];
  const bucketed = inputs.flatMap((input, k) => (input.dimensions.length > 0 ? [k] : []));
  const innerColumns = Object.entries(RAW_INNER_COLUMNS).filter(([name]) =>
    ['visitor_id', 'pageviews', 'events'].includes(name),
  );
  const perVisit =
    `SELECT pair.1 AS k, pair.2 AS d0, ${innerColumns.map(([name, sql]) => `${sql} AS ${name}`).join(', ')}` +
    ` FROM ${TABLES.events} AS e ARRAY JOIN [${pairs.join(', ')}] AS pair` +
    ` WHERE e.site_id = {site:UInt32} AND e.timestamp >= {from:DateTime} AND e.timestamp < {to:DateTime}` +
    ` AND e.kind IN ('pageview', 'custom') AND pair.3 GROUP BY k, d0, e.session_id`;
  const sql =
    `SELECT count() OVER (PARTITION BY r.k) AS total_rows, r.k AS k, r.d0 AS d0, ` +
    wanted.map((m) => `${METRIC_SQL.raw[m]} AS m_${m}`).join(', ') +
    ` FROM (${perVisit}) AS r GROUP BY r.k, r.d0` +
    // A minute without events is left out, as the raw plan's HAVING does.
    (bucketed.length > 0 ? ` HAVING NOT has([${bucketed.join(', ')}], r.k) OR sum(r.events) > 0` : '') +
    ' ORDER BY k, d0';
  return {
    sql,
    params: {
      ...params.values,
      site: first.siteId,
      from: utc(Math.min(...inputs.map((input) => input.range.from))),
      to: utc(Math.max(...inputs.map((input) => input.range.to))),
      tz: first.timezone,
    },
  };
}
