/**
 * The goals breakdown of a site with configured goals, from the rollups and sealed days where they
 * answer it exactly: the dashboard's goals panel without filters. A custom-event or revenue goal
 * is the custom event of that name, which the event-name rows hold; a pageview goal on one exact
 * path is that page, which the page rows hold. Each part is planned as the same question without
 * configured goals (so it takes every route such a question takes: sealed days, hourly rollups),
 * and the rows are renamed to their goals. Revenue is not in any rollup: it is summed from the
 * revenue goals' own custom events, a read of a few rows of `events` by name.
 *
 * Anything else — a filter, another breakdown, a wildcard path, a scroll-depth goal, two goals on
 * one event or page — is planned over raw events (./goals.ts, ./raw.ts).
 */
import type { GoalDefinition } from '../../goals/goal';
import { revenueGoals } from '../../goals/match';
import { TABLES } from '../schema';
import { finish, Params, type Plan, type PlanInput } from './shared';

/** Metrics the renamed parts can give each goal row (conversion_rate and percentage follow visitors). */
const METRICS = new Set(['visitors', 'events']);

/** The goals split by what holds them; null when some goal needs raw events. */
function splitGoals(
  goals: readonly GoalDefinition[],
): { events: GoalDefinition[]; pages: GoalDefinition[] } | null {
  const events: GoalDefinition[] = [];
  const pages: GoalDefinition[] = [];
  const eventNames = new Set<string>();
  const paths = new Set<string>();
  for (const goal of goals) {
    if (goal.kind === 'event' || goal.kind === 'revenue') {
      if (eventNames.has(goal.eventName)) return null;
      eventNames.add(goal.eventName);
      events.push(goal);
    } else if (goal.kind === 'page' && !goal.pagePath.includes('*')) {
      if (paths.has(goal.pagePath)) return null;
      paths.add(goal.pagePath);
      pages.push(goal);
    } else return null;
  }
  return { events, pages };
}

/**
 * The groups of a sub-plan (before order and page), with its numbered parameters renamed apart;
 * null when its other parameters disagree with another part's.
 */
function groupsOf(plan: Plan, prefix: string, params: Record<string, unknown>): string | null {
  let sql = plan.groups;
  for (const [name, value] of Object.entries(plan.params)) {
    if (/^p\d+$/.test(name)) {
      const renamed = `${prefix}${name.slice(1)}`;
      sql = sql.replaceAll(`{${name}:`, `{${renamed}:`);
      params[renamed] = value;
    } else if (name in params && JSON.stringify(params[name]) !== JSON.stringify(value)) {
      return null;
    } else params[name] = value;
  }
  return sql;
}

/** The plan described above, or null when the question needs raw events. */
export function planGoalRollups(input: PlanInput, plan: (input: PlanInput) => Plan): Plan | null {
  const goals = input.goals;
  if (!goals || goals.length === 0) return null;
  if (input.dimensions.length !== 1 || input.dimensions[0] !== 'event:goal' || input.filters.length > 0)
    return null;
  if (!input.metrics.every((m) => METRICS.has(m))) return null;
  const split = splitGoals(goals);
  if (!split) return null;

  const params = new Params();
  const shared: Record<string, unknown> = {};
  const base: PlanInput = {
    ...input,
    goals: undefined,
    revenue: undefined,
    orderBy: [],
    offset: 0,
  };
  const branches: string[] = [];
  const condition = (dimension: string, values: string[]) => ({
    kind: 'condition' as const,
    op: 'is' as const,
    dimension,
    values,
    caseSensitive: true,
  });
  if (split.events.length > 0) {
    const names = split.events.map((g) => (g.kind === 'page' || g.kind === 'scroll' ? '' : g.eventName));
    const part = plan({
      ...base,
      metrics: ['visitors', 'events'],
      filters: [condition('event:goal', names)],
    });
    const groups = groupsOf(part, 'ge', shared);
    if (groups === null) return null;
    const from = params.add('Array(String)', names);
    const to = params.add(
      'Array(String)',
      split.events.map((g) => g.displayName),
    );
    branches.push(
      `SELECT transform(toString(a.d0), ${from}, ${to}, '') AS d0, a.m_visitors AS visitors, a.m_events AS events, toFloat64(0) AS rev_sum, toUInt64(0) AS rev_count FROM (${groups}) AS a`,
    );
  }
  if (split.pages.length > 0) {
    const paths = split.pages.map((g) => (g.kind === 'page' ? g.pagePath : ''));
    const part = plan({
      ...base,
      dimensions: ['event:page'],
      metrics: ['visitors', 'pageviews'],
      filters: [condition('event:page', paths)],
    });
    const groups = groupsOf(part, 'gp', shared);
    if (groups === null) return null;
    const from = params.add('Array(String)', paths);
    const to = params.add(
      'Array(String)',
      split.pages.map((g) => g.displayName),
    );
    branches.push(
      `SELECT transform(toString(b.d0), ${from}, ${to}, '') AS d0, b.m_visitors AS visitors, b.m_pageviews AS events, toFloat64(0) AS rev_sum, toUInt64(0) AS rev_count FROM (${groups}) AS b`,
    );
  }
  const revenue = input.revenue?.length ? revenueGoals(goals) : [];
  if (revenue.length > 0) {
    // A revenue goal's money: its events sent in its own currency (no exchange rates: ./goals.ts).
    const names = params.add(
      'Array(String)',
      revenue.map((g) => g.eventName),
    );
    const currencies = params.add(
      'Array(String)',
      revenue.map((g) => g.currency),
    );
    const labels = params.add(
      'Array(String)',
      revenue.map((g) => g.displayName),
    );
    branches.push(
      `SELECT transform(toString(e.name), ${names}, ${labels}, '') AS d0, toUInt64(0) AS visitors, toUInt64(0) AS events, toFloat64(sum(e.revenue_amount)) AS rev_sum, count() AS rev_count FROM ${TABLES.events} AS e` +
        " WHERE e.site_id = {site:UInt32} AND e.timestamp >= {from:DateTime} AND e.timestamp < {to:DateTime} AND e.kind = 'custom'" +
        ` AND has(${names}, toString(e.name)) AND toStringCutToZero(e.revenue_currency) = transform(toString(e.name), ${names}, ${currencies}, '')` +
        ' GROUP BY d0',
    );
  }
  const columns: string[] = input.metrics.map((m) =>
    m === 'visitors' ? 'sum(g.visitors) AS m_visitors' : 'sum(g.events) AS m_events',
  );
  if (input.revenue?.includes('total_revenue')) columns.push('sum(g.rev_sum) AS m_total_revenue');
  if (input.revenue?.includes('average_revenue'))
    columns.push('ifNotFinite(sum(g.rev_sum) / sum(g.rev_count), 0) AS m_average_revenue');
  const inner = `SELECT g.d0 AS d0, ${columns.join(', ')} FROM (${branches.join(' UNION ALL ')}) AS g`;
  // As the raw plan: a goal nobody completed has no row.
  return finish(input, 'goals', inner, params, ` HAVING sum(g.events) > 0`, shared);
}
