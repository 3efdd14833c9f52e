/**
 * The funnel query as ClickHouse SQL (docs/funnels.md). A visit's events go through
 * `windowFunnel`, whose level is the longest run of steps 1..n completed in order within that
 * visit (other events between are fine; a step done before the one it follows does not count).
 * A visitor's level is the best of their visits, so step 2 done in another visit does not count.
 * Only events that complete some step are read: the rest cannot change a level.
 *
 * Filters choose visits: a visit counts when any of its events passes the filters. Most filters
 * are answered in the same pass over `events` as the funnel itself: event dimensions are the
 * event's own columns, and location and device are the same on every event of a visit (they come
 * from the IP address and the user agent, which make the visitor id: see the `visit_hours`
 * migration), so the event's columns answer them exactly as `visit_hours` would. Visit dimensions
 * that vary within a visit (source, UTM values, entry and exit page) and behavioural filters read
 * the visits from `visit_hours` as the raw Stats API plan does. User values travel as parameters
 * only.
 */
import type { GoalDefinition } from '../goals/goal';
import { goalConditionSql, needsEngagement } from '../goals/match';
import { behaviouralSql } from '../stats/plan/behavioural';
import { Params, type Resolver, sessionsSubquery, utc, whereFilters } from '../stats/plan/shared';
import {
  DIMENSIONS,
  PROPS_PREFIX,
  propsDimensionSql,
  type SessionColumn,
  TABLES,
  visitDimensionSql,
} from '../stats/schema';
import { type Filter, filterDimensions, isBehavioural } from '../stats/validate';

export interface FunnelPlanInput {
  siteId: number;
  /** Unix seconds, end exclusive. */
  range: { from: number; to: number };
  steps: readonly GoalDefinition[];
  filters: Filter[];
  /** The site's configured goals, what `event:goal` inside a has_done filter means. */
  goals?: readonly GoalDefinition[];
}

export interface FunnelPlan {
  /** Rows `{ level, visitors }`: visitors whose best visit reached exactly that step (1-based). */
  sql: string;
  params: Record<string, unknown>;
}

function hasBehavioural(filters: Filter[]): boolean {
  return filters.some((f) => {
    if (isBehavioural(f)) return true;
    if (f.kind === 'not') return hasBehavioural([f.filter]);
    return f.kind === 'and' || f.kind === 'or' ? hasBehavioural(f.filters) : false;
  });
}

/** The visits that pass the filters, as a subquery of session ids; null without filters. */
function filteredVisits(
  filters: Filter[],
  params: Params,
  goals: readonly GoalDefinition[] | undefined,
): string | null {
  if (filters.length === 0) return null;
  const columns = new Set<SessionColumn>();
  const resolve: Resolver = (name) => {
    if (name.startsWith(PROPS_PREFIX)) {
      return { sql: propsDimensionSql(params.add('String', name.slice(PROPS_PREFIX.length))) };
    }
    const spec = DIMENSIONS[name];
    if (!spec) throw new Error(`${name} cannot be filtered in a funnel`);
    if (spec.scope === 'visit') {
      columns.add(spec.column);
      return { sql: visitDimensionSql(spec) };
    }
    return { sql: spec.raw, condition: spec.rawCondition };
  };
  const where = whereFilters(filters, resolve, params, (f) => behaviouralSql(f, goals, params));
  // Visit dimensions only: the visits themselves answer, without reading their events (a
  // behavioural filter is written over the events' `e.session_id`, so it keeps the join).
  const visitOnly =
    !hasBehavioural(filters) &&
    filterDimensions(filters).every((name) => DIMENSIONS[name]?.scope === 'visit');
  if (visitOnly)
    return `SELECT s.session_id FROM (${sessionsSubquery(columns)}) AS s WHERE ${where.join(' AND ')}`;
  const join =
    columns.size > 0 ? ` INNER JOIN (${sessionsSubquery(columns)}) AS s ON s.session_id = e.session_id` : '';
  return (
    `SELECT e.session_id FROM ${TABLES.events} AS e${join}` +
    ' WHERE e.site_id = {site:UInt32} AND e.timestamp >= {from:DateTime} AND e.timestamp < {to:DateTime}' +
    ` AND e.kind IN ('pageview', 'custom') AND ${where.join(' AND ')}`
  );
}

/**
 * Visit dimensions whose value is the same on every event of a visit, as the event's column:
 * the expressions the `visit_hours` view stores them with (schema/clickhouse/0009_visit_hours.sql).
 */
const PER_VISIT_EVENT_COLUMNS: Partial<Record<SessionColumn, string>> = {
  country: 'toStringCutToZero(e.country)',
  region: 'toString(e.region)',
  city: 'toString(e.city)',
  device: 'toString(e.device)',
  browser: 'toString(e.browser)',
  browser_version: 'toString(e.browser_version)',
  os: 'toString(e.os)',
  os_version: 'toString(e.os_version)',
};

/**
 * The filters as one condition over an event row, when every filter can be answered from the
 * event's own columns (see the file comment); null otherwise.
 */
function eventRowFilter(filters: Filter[], params: Params): { sql: string; perVisit: boolean } | null {
  if (filters.length === 0 || hasBehavioural(filters)) return null;
  const dimensions = filterDimensions(filters);
  const answerable = dimensions.every((name) => {
    if (name.startsWith(PROPS_PREFIX)) return true;
    const spec = DIMENSIONS[name];
    return (
      spec !== undefined && (spec.scope === 'event' || PER_VISIT_EVENT_COLUMNS[spec.column] !== undefined)
    );
  });
  if (!answerable) return null;
  const resolve: Resolver = (name) => {
    if (name.startsWith(PROPS_PREFIX)) {
      return { sql: propsDimensionSql(params.add('String', name.slice(PROPS_PREFIX.length))) };
    }
    const spec = DIMENSIONS[name];
    if (!spec) throw new Error(`${name} cannot be filtered in a funnel`);
    if (spec.scope === 'event') return { sql: spec.raw, condition: spec.rawCondition };
    const column = PER_VISIT_EVENT_COLUMNS[spec.column];
    if (column === undefined) throw new Error(`${name} is not the same on every event of a visit`);
    // The visit row's expression (labels included), over the event's column.
    return { sql: visitDimensionSql(spec, column) };
  };
  const sql = `(e.kind IN ('pageview', 'custom') AND ${whereFilters(filters, resolve, params).join(' AND ')})`;
  // Only dimensions that are the same on every event of a visit: any one row of the visit answers.
  const perVisit = dimensions.every((name) => DIMENSIONS[name]?.scope === 'visit');
  return { sql, perVisit };
}

export function planFunnel(input: FunnelPlanInput): FunnelPlan {
  const params = new Params();
  const add = (type: 'String' | 'Array(String)' | 'UInt8', value: unknown) => params.add(type, value);
  const conditions = input.steps.map((goal) => goalConditionSql(goal, add));
  const kinds = needsEngagement(input.steps)
    ? "('pageview', 'custom', 'engagement')"
    : "('pageview', 'custom')";
  const steps = `(${conditions.join(' OR ')})`;
  // One pass when the event rows answer the filters: the visit's step events and the events
  // that pass the filters are read together, and a visit counts when one of them passed.
  const rowFilter = eventRowFilter(input.filters, params);
  const visits = rowFilter === null ? filteredVisits(input.filters, params, input.goals) : null;
  // The window is the whole range: a visit has no time limit of its own besides its 30-minute gaps.
  // It is a number the range gives, never user text, and windowFunnel takes only a literal.
  const window = Math.max(1, Math.floor(input.range.to - input.range.from));
  // When the filters are the same on every event of the visit and every step is a pageview or
  // custom event, the step rows alone answer them; otherwise the rows that pass are read as well
  // and the visit must have one.
  const stepRowsAnswer = rowFilter?.perVisit === true && !needsEngagement(input.steps);
  let rows = steps;
  let having = '';
  if (rowFilter && stepRowsAnswer) rows = `${steps} AND ${rowFilter.sql}`;
  else if (rowFilter) {
    rows = `(${steps} OR ${rowFilter.sql})`;
    having = ` HAVING max(${rowFilter.sql})`;
  }
  const where = [
    'e.site_id = {site:UInt32}',
    'e.timestamp >= {from:DateTime}',
    'e.timestamp < {to:DateTime}',
    `e.kind IN ${kinds}`,
    rows,
    ...(visits ? [`e.session_id IN (${visits})`] : []),
  ];
  const perVisit =
    `SELECT any(e.visitor_id) AS visitor_id, windowFunnel(${window})(e.timestamp, ${conditions.join(', ')}) AS level` +
    ` FROM ${TABLES.events} AS e WHERE ${where.join(' AND ')} GROUP BY e.session_id${having}`;
  const perVisitor = `SELECT v.visitor_id AS visitor_id, max(v.level) AS level FROM (${perVisit}) AS v GROUP BY v.visitor_id`;
  const sql = `SELECT p.level AS level, count() AS visitors FROM (${perVisitor}) AS p WHERE p.level > 0 GROUP BY p.level ORDER BY p.level`;
  return {
    sql,
    params: {
      ...params.values,
      site: input.siteId,
      from: utc(input.range.from),
      to: utc(input.range.to),
    },
  };
}

export interface FunnelStepResult {
  visitors: number;
  conversion_rate: number;
  conversion_rate_step: number;
  dropoff: number;
  dropoff_percentage: number;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

/**
 * Per step from the rows of {@link planFunnel}: visitors who reached it (a visitor at level 3
 * reached steps 1, 2 and 3), conversion from step 1 and from the step before, and the drop-off
 * from the step before (count and % of that step's visitors).
 */
export function stepResults(rows: { level: number; visitors: number }[], steps: number): FunnelStepResult[] {
  const exactly = new Array<number>(steps + 1).fill(0);
  for (const row of rows) if (row.level >= 1 && row.level <= steps) exactly[row.level] = row.visitors;
  const reached: number[] = [];
  let sum = 0;
  for (let level = steps; level >= 1; level--) {
    sum += exactly[level] ?? 0;
    reached[level - 1] = sum;
  }
  const first = reached[0] ?? 0;
  return reached.map((visitors, i) => {
    const before = i === 0 ? visitors : (reached[i - 1] ?? 0);
    const dropoff = before - visitors;
    return {
      visitors,
      conversion_rate: i === 0 ? (visitors > 0 ? 100 : 0) : percent(visitors, first),
      conversion_rate_step: i === 0 ? (visitors > 0 ? 100 : 0) : percent(visitors, before),
      dropoff,
      dropoff_percentage: percent(dropoff, before),
    };
  });
}
