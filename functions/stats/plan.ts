import type { ResolvedRange } from './dates';
import {
  BASE_SESSION_COLUMNS,
  DIMENSIONS,
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
import { type Filter, filterDimensions, isTimeDimension } from './validate';

/** Which table family answers a query; the first that can, in this order, is chosen. */
export type Source = 'geo' | 'sessions' | 'pages' | 'goals' | 'raw';

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
  add(type: 'String' | 'Array(String)', value: unknown): string {
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
export function chooseSource(input: PlanInput): Source {
  // Minutes are finer than the rollups' hours.
  if (!hourAligned(input.range) || input.dimensions.includes('time:minute')) return 'raw';
  const named = [...input.dimensions.filter((d) => !isTimeDimension(d)), ...filterDimensions(input.filters)];
  const specs = named.map(dimensionSpec);
  if (specs.includes('props')) return 'raw';
  const can = (source: Exclude<Source, 'raw'>) =>
    input.metrics.every((m) => METRIC_SQL[source][m] !== undefined);
  const eventSpecs = specs.filter((s) => s !== 'props' && s !== 'time' && s.scope === 'event');
  const visitSpecs = specs.filter((s) => s !== 'props' && s !== 'time' && s.scope === 'visit');
  const distinct = new Set(named);
  const only = specs[0];
  if (distinct.size === 1 && typeof only === 'object' && only.scope === 'visit' && only.geo && can('geo')) {
    if (input.dimensions.some((d) => !isTimeDimension(d))) return 'geo';
  }
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

/** The per-visit rows of `sessions_hourly` for the range, with the columns asked for. */
function sessionsSubquery(columns: Set<SessionColumn>): string {
  const list = [...columns].map((c) => `${SESSION_COLUMNS[c]} AS ${c}`).join(', ');
  return (
    `SELECT session_id, ${list} FROM ${TABLES.sessions}` +
    ' WHERE site_id = {site:UInt32} AND hour >= toStartOfHour({from:DateTime}) AND hour < {to:DateTime}' +
    ' GROUP BY session_id'
  );
}

function finish(input: PlanInput, source: Source, inner: string, params: Params, having = ''): Plan {
  const grouped = `${inner}${groupBy(input.dimensions)}${input.dimensions.length > 0 ? having : ''}`;
  const sql = `${grouped}${orderSql(input)} LIMIT {limit:UInt32} OFFSET {offset:UInt32}`;
  return {
    source,
    sql,
    countSql: `SELECT count() AS n FROM (${grouped})`,
    params: {
      ...params.values,
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

function metricList(input: PlanInput, source: Source): string {
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

function planGeo(input: PlanInput): Plan {
  const params = new Params();
  let dim = '';
  const resolve: Resolver = (name) => {
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'visit' || !spec.geo)
      throw new Error(`${name} not in geo`);
    dim = spec.geo;
    return { sql: 'x.value' };
  };
  const dims = input.dimensions.map((name, i) => {
    const granularity = GRANULARITY[name];
    return `${granularity ? timeBucketSql(granularity, 'x.hour', TZ) : resolve(name).sql} AS d${i}`;
  });
  const filters = whereFilters(input.filters, resolve, params);
  const where = [
    'x.site_id = {site:UInt32}',
    `x.dim = ${params.add('String', dim)}`,
    'x.hour >= {from:DateTime}',
    'x.hour < {to:DateTime}',
    ...filters,
  ];
  const inner = `SELECT ${[...dims, metricList(input, 'geo')].join(', ')} FROM ${TABLES.geo} AS x WHERE ${where.join(' AND ')}`;
  return finish(input, 'geo', inner, params);
}

function planRaw(input: PlanInput): Plan {
  const params = new Params();
  const columns = new Set<SessionColumn>();
  const conditions: string[] = [];
  let joinSessions = input.metrics.some((m) => SESSION_METRICS.has(m));
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
    if (granularity) return `${timeBucketSql(granularity, 'e.timestamp', TZ)} AS d${i}`;
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
 * Turns a validated query into one parameterised ClickHouse query. Table, column and function
 * names come from ./schema only; every value from the request (filter values, property keys, the
 * time zone, dates, paging) is a `{pN:Type}` parameter, never part of the SQL text.
 */
export function planQuery(input: PlanInput): Plan {
  switch (chooseSource(input)) {
    case 'geo':
      return planGeo(input);
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
