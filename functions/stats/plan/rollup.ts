/**
 * Plans over the hourly rollups: `visit_hours` (visit dimensions and metrics), `pages_hourly`
 * (pages) and `events_hourly` (goals), and the choice between them and the raw table.
 */
import {
  BASE_SESSION_COLUMNS,
  ENGAGEMENT_METRICS,
  METRIC_SQL,
  SESSION_IS_VISIT,
  type SessionColumn,
  TABLES,
  timeBucketSql,
  visitDimensionSql,
} from '../schema';
import { filterDimensions, isTimeDimension } from '../validate';
import { asksEngagement, ENGAGEMENT_COLUMNS, engagementVisits } from './engagement';
import { exitRateJoin } from './exit-rate';
import { goalsInPlay } from './goals';
import { SEALED_METRICS } from './sealed';
import {
  dimensionSpec,
  finish,
  GRANULARITY,
  hourAligned,
  metricList,
  Params,
  type Plan,
  type PlanInput,
  type Resolver,
  type RollupSource,
  sessionsSubquery,
  TZ,
  whereFilters,
} from './shared';

/** Picks the cheapest table family that answers every metric, dimension and filter of the query. */
export function chooseSource(input: PlanInput): RollupSource {
  // Configured goals match pages and scroll depths that the rollups do not keep per event.
  if (goalsInPlay(input)) return 'raw';
  // Minutes are finer than the rollups' hours.
  if (!hourAligned(input.range) || input.dimensions.includes('time:minute')) return 'raw';
  const named = [...input.dimensions.filter((d) => !isTimeDimension(d)), ...filterDimensions(input.filters)];
  const specs = named.map(dimensionSpec);
  if (specs.includes('props')) return 'raw';
  const can = (source: Exclude<RollupSource, 'raw'>) =>
    input.metrics.every(
      // The pages plan adds scroll depth and time on page from engagement events (./engagement.ts).
      (m) => METRIC_SQL[source][m] !== undefined || (source === 'pages' && ENGAGEMENT_METRICS.has(m)),
    );
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

export function planSessions(input: PlanInput): Plan {
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
  const inner = `SELECT ${[...dims, metricList(input, 'sessions')].join(', ')} FROM (${sessionsSubquery(columns)}) AS s${exitRateJoin(input, params, 's.exit_page')} WHERE ${where.join(' AND ')}`;
  return finish(input, 'sessions', inner, params);
}

export function planPages(input: PlanInput): Plan {
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
  if (!asksEngagement(input.metrics)) {
    const inner = `SELECT ${[...dims, metricList(input, 'pages')].join(', ')} FROM ${TABLES.pages} AS p WHERE ${where.join(' AND ')}`;
    return finish(input, 'pages', inner, params, ' HAVING sum(p.pageviews) > 0');
  }
  // Scroll depth and time on page are per visit: the hourly rows give views and visitors, raw
  // engagement events the rest (./engagement.ts), each grouped by the query's dimensions.
  const groups = input.dimensions.map((_, i) => `d${i}`);
  const groupBy = groups.length > 0 ? ` GROUP BY ${groups.join(', ')}` : '';
  const zero = ENGAGEMENT_COLUMNS.map((c) => `toUInt64(0) AS ${c}`);
  const pagesPart =
    `SELECT ${[...dims, 'uniqMerge(p.visitors) AS visitors', 'sum(p.pageviews) AS pageviews', ...zero].join(', ')}` +
    ` FROM ${TABLES.pages} AS p WHERE ${where.join(' AND ')}${groupBy}`;
  const rawResolve: Resolver = (name) => {
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'event') throw new Error(`${name} not in events`);
    return { sql: spec.raw, condition: spec.rawCondition };
  };
  const visits = engagementVisits(
    input.dimensions.map((name, i): [string, string] => {
      const granularity = GRANULARITY[name];
      return [granularity ? timeBucketSql(granularity, 'e.timestamp', TZ) : rawResolve(name).sql, `d${i}`];
    }),
    [
      'e.site_id = {site:UInt32}',
      'e.timestamp >= {from:DateTime}',
      'e.timestamp < {to:DateTime}',
      ...whereFilters(input.filters, rawResolve, params),
    ],
  );
  const engagementPart =
    `SELECT ${[...groups.map((d) => `v.${d} AS ${d}`), 'toUInt64(0) AS visitors', 'toUInt64(0) AS pageviews', ...ENGAGEMENT_COLUMNS.map((c) => `sum(v.${c}) AS ${c}`)].join(', ')}` +
    ` FROM (${visits}) AS v${groupBy}`;
  const metrics = input.metrics.map((m) => `${SEALED_METRICS.pages[m] ?? 'NULL'} AS m_${m}`);
  const inner = `SELECT ${[...groups.map((d) => `u.${d} AS ${d}`), ...metrics].join(', ')} FROM (${pagesPart} UNION ALL ${engagementPart}) AS u`;
  return finish(input, 'pages', inner, params, ' HAVING sum(u.pageviews) > 0');
}

export function planGoals(input: PlanInput): Plan {
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
