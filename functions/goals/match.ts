/**
 * Which events complete a goal, as ClickHouse SQL over raw `events` (alias `e`). The Stats API's
 * planner asks this module, so the rules live in one place:
 *
 * - event and revenue goals: a custom event of that name (a revenue goal's money is summed by the
 *   Stats API's revenue metrics: functions/stats/revenue.ts);
 * - page goals: a pageview whose path matches the pattern;
 * - scroll goals: an engagement event on a matching path that reached the threshold.
 *
 * Patterns are those of excluded paths (workers/ingest/drop/excluded-path.ts): `*` matches within
 * one segment, `**` across segments, the rest literally, the whole path. They become RE2 regular
 * expressions (linear time, no backtracking) passed as query parameters, never spliced into SQL.
 */
import { excludedPathProblem } from '../../workers/ingest/drop/excluded-path';
import type { GoalDefinition } from './goal';

/** Why a page pattern is not valid, or null: one rule for goal and excluded-path patterns. */
export function pagePatternProblem(pattern: string): string | null {
  return excludedPathProblem(pattern);
}

/** The anchored RE2 expression equivalent to a page pattern. */
export function patternRegex(pattern: string): string {
  let regex = '^';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*') {
      const double = pattern[i + 1] === '*';
      if (double) i++;
      regex += double ? '.*' : '[^/]*';
    } else {
      regex += /[\\.+?()|[\]{}^$]/.test(char) ? `\\${char}` : char;
    }
  }
  return `${regex}$`;
}

/** Adds a query parameter and returns its placeholder (the planner's Params.add). */
export type AddParam = (type: 'String' | 'Array(String)' | 'UInt8', value: unknown) => string;

/** SQL true when the event row `e` completes `goal`. */
export function goalConditionSql(goal: GoalDefinition, add: AddParam): string {
  switch (goal.kind) {
    case 'event':
    case 'revenue':
      return `(e.kind = 'custom' AND e.name = ${add('String', goal.eventName)})`;
    case 'page':
      return `(e.kind = 'pageview' AND match(e.pathname, ${add('String', patternRegex(goal.pagePath))}))`;
    case 'scroll':
      return `(e.kind = 'engagement' AND ifNull(e.scroll_depth, 0) >= ${add('UInt8', goal.scrollThreshold)} AND match(e.pathname, ${add('String', patternRegex(goal.pagePath))}))`;
  }
}

/**
 * SQL for the display names of the goals the event row `e` completes (an array: one pageview can
 * complete `/blog/**` and `/blog/*` both, and counts for each).
 */
export function completedGoalsSql(goals: readonly GoalDefinition[], add: AddParam): string {
  const names = add(
    'Array(String)',
    goals.map((g) => g.displayName),
  );
  const tests = goals.map((g) => goalConditionSql(g, add));
  return `arrayFilter((name, done) -> done, ${names}, [${tests.join(', ')}])`;
}

/** The revenue goals among `goals`, each with the one currency its money is counted in. */
export function revenueGoals(
  goals: readonly GoalDefinition[],
): (Extract<GoalDefinition, { kind: 'revenue' }> & { currency: string })[] {
  return goals.filter((g): g is Extract<GoalDefinition, { kind: 'revenue' }> => g.kind === 'revenue');
}

/** Whether completing a goal can take an engagement event (a scroll goal), which plain event queries skip. */
export function needsEngagement(goals: readonly GoalDefinition[]): boolean {
  return goals.some((g) => g.kind === 'scroll');
}
