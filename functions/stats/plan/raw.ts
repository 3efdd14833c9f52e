/** The plan over raw events: answers every query, at the cost of reading each event. */
import {
  BASE_SESSION_COLUMNS,
  PROPS_PREFIX,
  propsDimensionSql,
  RAW_INNER_COLUMNS,
  RAW_INNER_SESSION_COLUMNS,
  SESSION_METRICS,
  type SessionColumn,
  TABLES,
  timeBucketSql,
  visitDimensionSql,
} from '../schema';
import { filterDimensions, isTimeDimension } from '../validate';
import { behaviouralSql } from './behavioural';
import { asksEngagement } from './engagement';
import { entryBases } from './entry';
import { exitRateJoin } from './exit-rate';
import { GOAL_COLUMN, goalsInPlay, rawGoalParts, rawRevenueParts } from './goals';
import {
  dimensionSpec,
  finish,
  GRANULARITY,
  metricList,
  Params,
  type Plan,
  type PlanInput,
  type Resolver,
  sessionsSubquery,
  TZ,
  whereFilters,
} from './shared';

export function planRaw(input: PlanInput): Plan {
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
  const goals = goalsInPlay(input);
  const goalParts = goals ? rawGoalParts(goals, params) : null;
  const revenue = goals && input.revenue?.length ? rawRevenueParts(goals, params) : null;
  const resolve: Resolver = (name) => {
    if (goalParts && name === 'event:goal') return { sql: GOAL_COLUMN };
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
  const filters = whereFilters(input.filters, resolve, params, (f) => behaviouralSql(f, input.goals, params));
  const kinds =
    asksEngagement(input.metrics) || goalParts?.engagement
      ? "('pageview', 'custom', 'engagement')"
      : "('pageview', 'custom')";
  const innerColumns = Object.entries(RAW_INNER_COLUMNS).map(
    ([name, sql]) => `${name === 'events' && goalParts ? goalParts.events : sql} AS ${name}`,
  );
  if (revenue) innerColumns.push(...revenue.inner);
  // The goals' ARRAY JOIN comes before any JOIN, as ClickHouse's grammar wants.
  let join = goalParts?.arrayJoin ?? '';
  if (joinSessions) {
    for (const c of BASE_SESSION_COLUMNS) columns.add(c);
    // Under a page filter or breakdown, bounce_rate and visit_duration count entries (./entry.ts).
    const entry = entryBases(input, params);
    for (const c of entry.needs) columns.add(c);
    const sessionColumns = { ...RAW_INNER_SESSION_COLUMNS, ...entry.columns };
    innerColumns.push(...Object.entries(sessionColumns).map(([name, sql]) => `${sql} AS ${name}`));
    join += ` INNER JOIN (${sessionsSubquery(columns)}) AS s ON s.session_id = e.session_id`;
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
  const revenueMetrics = revenue ? (input.revenue ?? []).map((m) => `${revenue.outer[m]} AS m_${m}`) : [];
  const inner = `SELECT ${[...outerDims, metricList(input, 'raw'), ...revenueMetrics].join(', ')} FROM (${perVisit}) AS r${exitRateJoin(input, params, 'r.d0')}`;
  return finish(input, 'raw', inner, params, ' HAVING sum(r.events) > 0');
}
