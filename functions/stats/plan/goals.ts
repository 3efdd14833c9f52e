/**
 * `event:goal` when a site has goals configured (functions/goals, docs/goals.md): each goal row
 * counts the visitors who completed it, Plausible's semantics. The rollups and sealed days hold
 * custom events by name and pages by path, so they cannot say which pageviews matched `/blog/**`
 * or how far a page was scrolled: a query that names `event:goal` of such a site is planned over
 * raw events (rollup.ts and sealed.ts ask {@link goalsInPlay} and step aside), except the
 * unfiltered breakdown of goals that are all event names and exact paths (./goal-rollups.ts). A
 * site without goals keeps the old meaning, its custom event names, and every plan that answers it.
 */

import type { GoalDefinition } from '../../goals/goal';
import { completedGoalsSql, needsEngagement, revenueGoals } from '../../goals/match';
import { filterDimensions } from '../validate';
import type { Params, PlanInput } from './shared';

/** The site's goals when this query is about them, else null (event:goal is custom event names). */
export function goalsInPlay(input: PlanInput): readonly GoalDefinition[] | null {
  const goals = input.goals;
  if (!goals || goals.length === 0) return null;
  const named =
    input.dimensions.includes('event:goal') || filterDimensions(input.filters).includes('event:goal');
  return named ? goals : null;
}

/** The column the raw plan's ARRAY JOIN gives each (event, goal it completes) pair. */
export const GOAL_COLUMN = 'goal';

/**
 * The raw plan's parts for configured goals: an ARRAY JOIN that turns each event into one row per
 * goal it completes (none: the event drops out, as non-goal events do for custom-event goals), the
 * event kinds to read, and the per-visit `events` count (every joined row is one completion).
 */
export function rawGoalParts(
  goals: readonly GoalDefinition[],
  params: Params,
): { arrayJoin: string; engagement: boolean; events: string } {
  const expression = completedGoalsSql(goals, (type, value) => params.add(type, value));
  return {
    arrayJoin: ` ARRAY JOIN ${expression} AS ${GOAL_COLUMN}`,
    engagement: needsEngagement(goals),
    events: 'count()',
  };
}

/**
 * The raw plan's revenue columns for configured goals: per (dimensions, visit) row the amount of
 * the revenue-goal completions sent in that goal's own currency (`rev_sum`) and how many they are
 * (`rev_count`); outside, their sum and average. There are no exchange rates here, so an event
 * sent in another currency counts as a conversion but adds no money (docs/stats-api.md).
 */
export function rawRevenueParts(
  goals: readonly GoalDefinition[],
  params: Params,
): { inner: string[]; outer: { total_revenue: string; average_revenue: string } } {
  const revenue = revenueGoals(goals);
  const names = params.add(
    'Array(String)',
    revenue.map((g) => g.displayName),
  );
  const currencies = params.add(
    'Array(String)',
    revenue.map((g) => g.currency),
  );
  const currency = `transform(${GOAL_COLUMN}, ${names}, ${currencies}, '')`;
  const counted = `(${currency} != '' AND toStringCutToZero(e.revenue_currency) = ${currency})`;
  return {
    inner: [`sumIf(e.revenue_amount, ${counted}) AS rev_sum`, `countIf(${counted}) AS rev_count`],
    outer: {
      total_revenue: 'toFloat64(sum(r.rev_sum))',
      average_revenue: 'ifNotFinite(toFloat64(sum(r.rev_sum)) / sum(r.rev_count), 0)',
    },
  };
}
