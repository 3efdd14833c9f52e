/**
 * Plausible v2's behavioural filters: `["has_done", <filter>]` keeps the visits in which an event
 * matching `<filter>` happened within the query's range, `has_not_done` the others (Plausible: the
 * session id in, or not in, a subquery over events). The inner filter names event dimensions only
 * (validate.ts); `event:goal` in it means the site's configured goals when it has any, as outside.
 * Only the raw plan answers these (plan/index.ts sends every such query there).
 */
import type { GoalDefinition } from '../../goals/goal';
import { PROPS_PREFIX, propsDimensionSql, TABLES } from '../schema';
import { type BehaviouralFilter, filterDimensions } from '../validate';
import { GOAL_COLUMN, rawGoalParts } from './goals';
import { dimensionSpec, type Params, type Resolver, whereFilters } from './shared';

/**
 * SQL true for a raw event row `e` whose visit did (not) do what `filter` says, within the range of
 * the `{from}`/`{to}` parameters; `siteGoals` are the site's configured goals (what `event:goal`
 * means when there are any).
 */
export function behaviouralSql(
  filter: BehaviouralFilter,
  siteGoals: readonly GoalDefinition[] | undefined,
  params: Params,
): string {
  const goals = siteGoals && siteGoals.length > 0 ? siteGoals : null;
  const goalParts =
    goals && filterDimensions([filter.filter]).includes('event:goal') ? rawGoalParts(goals, params) : null;
  const resolve: Resolver = (name) => {
    if (goalParts && name === 'event:goal') return { sql: GOAL_COLUMN };
    if (name.startsWith(PROPS_PREFIX)) {
      return { sql: propsDimensionSql(params.add('String', name.slice(PROPS_PREFIX.length))) };
    }
    const spec = dimensionSpec(name);
    if (typeof spec !== 'object' || spec.scope !== 'event') throw new Error(`${name} inside ${filter.kind}`);
    return { sql: spec.raw, condition: spec.rawCondition };
  };
  const kinds = goalParts?.engagement ? "('pageview', 'custom', 'engagement')" : "('pageview', 'custom')";
  const where = [
    'e.site_id = {site:UInt32}',
    'e.timestamp >= {from:DateTime}',
    'e.timestamp < {to:DateTime}',
    `e.kind IN ${kinds}`,
    ...whereFilters([filter.filter], resolve, params),
  ];
  // Its own `e`: the subquery is not correlated, so the outer row's alias is never read in it.
  const visits = `SELECT e.session_id FROM ${TABLES.events} AS e${goalParts?.arrayJoin ?? ''} WHERE ${where.join(' AND ')}`;
  return `e.session_id ${filter.kind === 'has_done' ? 'IN' : 'NOT IN'} (${visits})`;
}
