/**
 * What every plan of the Stats API planner shares: its input and output, the parameter collector
 * (user values only ever travel as parameters), filters as SQL, ordering, grouping, and `finish`,
 * which turns a plan's grouped SELECT into the paged query and its row count.
 */
import type { GoalDefinition } from '../../goals/goal';
import type { ResolvedRange } from '../dates';
import {
  DIMENSIONS,
  DIRECT_NONE,
  type DimensionSpec,
  type Granularity,
  isRevenueMetric,
  isVisitorRate,
  METRIC_SQL,
  type Metric,
  NO_PROP,
  NOT_SET,
  PROPS_PREFIX,
  type RevenueMetric,
  SESSION_COLUMNS,
  type SessionColumn,
  type StoredMetric,
  TABLES,
} from '../schema';
import type { SealedDay } from '../seal';
import { type BehaviouralFilter, type Filter, isTimeDimension } from '../validate';

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
  /**
   * The query's first metric as asked (percentage, conversion rate and revenue are not in
   * `metrics`): without `orderBy`, rows rank by it, highest first. Default: `metrics[0]`.
   */
  rankBy?: Metric;
  limit: number;
  offset: number;
  /**
   * The site's sealed days, each with its newest version (`sealedDays` in ./seal.ts). Without it
   * the planner reads the hourly rollups only.
   */
  sealed?: SealedDay[];
  /** The site's configured goals: when any, `event:goal` means them (./goals.ts). */
  goals?: readonly GoalDefinition[];
  /**
   * The revenue metrics to answer besides `metrics` (columns `m_total_revenue`…): only the raw
   * plan of configured goals has them (./goals.ts), and functions/stats/revenue.ts asks only then.
   */
  revenue?: readonly RevenueMetric[];
}

export interface Plan {
  source: Source;
  /** The full query: groups, order and page. Columns `d0…` (dimensions) then `m_<metric>`. */
  sql: string;
  /** The groups alone (no order, no page): a statement other plans may read as a subquery. */
  groups: string;
  /** The number of those groups, for `total_rows` past the last page. */
  countSql: string;
  params: Record<string, unknown>;
}

/** Collects query parameters; user values only ever travel this way. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  add(
    type: 'String' | 'Array(String)' | 'Array(UInt32)' | 'Array(UInt64)' | 'DateTime' | 'UInt8',
    value: unknown,
  ): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

export const GRANULARITY: Record<string, Granularity> = {
  'time:minute': 'minute',
  'time:hour': 'hour',
  'time:day': 'day',
  'time:week': 'week',
  'time:month': 'month',
};

export function dimensionSpec(name: string): DimensionSpec | 'props' | 'time' {
  if (isTimeDimension(name)) return 'time';
  if (name.startsWith(PROPS_PREFIX)) return 'props';
  const spec = DIMENSIONS[name];
  if (!spec) throw new Error(`unmapped dimension ${name}`);
  return spec;
}

/** True when the rollups' hourly buckets cut this range exactly. */
export function hourAligned(range: ResolvedRange): boolean {
  return !range.precise && range.from % 3600 === 0 && range.to % 3600 === 0;
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
export type Resolver = (dimension: string) => { sql: string; condition?: string };

/** SQL of a has_done / has_not_done filter; only the raw plan has one (./behavioural.ts). */
export type BehaviouralSql = (filter: BehaviouralFilter) => string;

function filterSql(filter: Filter, resolve: Resolver, params: Params, behavioural?: BehaviouralSql): string {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return `(${filter.filters.map((f) => filterSql(f, resolve, params, behavioural)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `NOT (${filterSql(filter.filter, resolve, params, behavioural)})`;
    case 'has_done':
    case 'has_not_done':
      if (!behavioural) throw new Error(`${filter.kind} reached a plan that cannot answer it`);
      return behavioural(filter);
    case 'condition': {
      const { sql, condition } = resolve(filter.dimension);
      const negative = filter.op.endsWith('_not');
      const positiveOp = (negative ? filter.op.slice(0, -4) : filter.op) as 'is' | 'contains' | 'matches';
      const compared = comparedForm(filter.dimension, positiveOp, sql, filter.values);
      let test = conditionSql(positiveOp, compared.column, compared.values, filter.caseSensitive, params);
      if (condition) test = `(${condition} AND ${test})`;
      // Plausible: an event without the property matches no contains / matches filter, negated or
      // not (`is_not` does keep it, unless "(none)" is among the values: the label says so).
      if (filter.dimension.startsWith(PROPS_PREFIX) && positiveOp !== 'is') {
        const present = `${sql} != '${NO_PROP}'`;
        return negative ? `(${present} AND NOT (${test}))` : `(${present} AND ${test})`;
      }
      return negative ? `NOT (${test})` : `(${test})`;
    }
  }
}

/**
 * What a filter compares, as Plausible's filters do. `is` with "(not set)" means the empty value
 * (and so does "Direct / None" for sources, referrers and UTM tags), which a labelled dimension
 * answers as its label; `contains` and `matches` test the stored value, so there a label is read
 * back as ''. Custom properties, event names and goals compare as they are.
 */
function comparedForm(
  dimension: string,
  op: 'is' | 'contains' | 'matches',
  sql: string,
  values: string[],
): { column: string; values: string[] } {
  const spec = DIMENSIONS[dimension];
  if (!spec || dimension === 'event:name' || dimension === 'event:goal') return { column: sql, values };
  // Labels are constants of ./schema.ts, never user input.
  const label = spec.scope === 'visit' ? spec.empty : undefined;
  if (op !== 'is') return { column: label ? `if(${sql} = '${label}', '', ${sql})` : sql, values };
  const empty = label ?? '';
  const directNone = label === DIRECT_NONE || dimension.startsWith('visit:utm_');
  const means = (v: string) => v === NOT_SET || v === '' || (directNone && v === DIRECT_NONE);
  return { column: sql, values: values.map((v) => (means(v) ? empty : v)) };
}

export function whereFilters(
  filters: Filter[],
  resolve: Resolver,
  params: Params,
  behavioural?: BehaviouralSql,
): string[] {
  return filters.map((f) => filterSql(f, resolve, params, behavioural));
}

/**
 * The column a default order ranks by: the first metric as asked (percentage and conversion rate
 * follow visitors), or the first one planned when the plan lacks it (revenue not read, a plan
 * of other metrics made from the query's input).
 */
function rankColumn(input: PlanInput): string | null {
  const asked = isVisitorRate(input.rankBy) ? 'visitors' : input.rankBy;
  const planned = (m: string | undefined): m is string =>
    m !== undefined &&
    ((input.metrics as string[]).includes(m) ||
      (input.revenue as string[] | undefined)?.includes(m) === true);
  if (planned(asked)) return `m_${asked}`;
  return input.metrics[0] ? `m_${input.metrics[0]}` : null;
}

function orderSql(input: PlanInput): string {
  const terms: string[] = [];
  const alias = (field: string): string => {
    const dim = input.dimensions.indexOf(field);
    if (dim >= 0) return `d${dim}`;
    // percentage and conversion_rate follow visitors (exactly for one goal or one breakdown).
    return isVisitorRate(field) ? 'm_visitors' : `m_${field}`;
  };
  for (const [field, direction] of input.orderBy) {
    // Revenue that is not read is null on every row: nothing to order by (and no column).
    if (isRevenueMetric(field) && !input.revenue?.includes(field)) continue;
    terms.push(`${alias(field)} ${direction === 'asc' ? 'ASC' : 'DESC'}`);
  }
  // Plausible's default: by time first, when there is a time dimension, then by the first metric,
  // highest first. Every dimension then, so that ties come in one order.
  if (input.orderBy.length === 0 && input.dimensions.length > 0) {
    const time = input.dimensions.findIndex(isTimeDimension);
    if (time >= 0) terms.push(`d${time} ASC`);
    const rank = rankColumn(input);
    if (rank) terms.push(`${rank} DESC`);
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
export function sessionsSubquery(columns: Set<SessionColumn>, extraCondition = ''): string {
  const list = [...columns].map((c) => `${SESSION_COLUMNS[c]} AS ${c}`).join(', ');
  return (
    `SELECT session_id, ${list} FROM ${TABLES.sessions}` +
    ' WHERE site_id = {site:UInt32} AND hour >= toStartOfHour({from:DateTime}) AND hour < {to:DateTime}' +
    (extraCondition ? ` AND ${extraCondition}` : '') +
    ' GROUP BY session_id'
  );
}

export function finish(
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
    groups: grouped,
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

export function utc(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export function metricList(input: PlanInput, source: RollupSource): string {
  return input.metrics.map((m) => `${METRIC_SQL[source][m] ?? 'NULL'} AS m_${m}`).join(', ');
}

export const TZ = '{tz:String}';
