/**
 * The Stats API planner: validated queries to parameterised ClickHouse SQL. `shared.ts` holds what
 * every plan uses; `sealed.ts` plans over sealed days, `rollup.ts` over the hourly rollups,
 * `raw.ts` over raw events, `combined.ts` several queries in one statement.
 */
import { hasBehavioural } from '../validate';
import { planGoalRollups } from './goal-rollups';
import { planRaw } from './raw';
import { chooseSource, planGoals, planPages, planSessions } from './rollup';
import { planSealed } from './sealed';
import type { Plan, PlanInput } from './shared';

export { type CombinedPlan, planCombined, planRecent } from './combined';
export { chooseSource } from './rollup';
export { planSealed } from './sealed';
export type { Plan, PlanInput, RollupSource, Source } from './shared';

/**
 * Turns a validated query into one parameterised ClickHouse query. Table, column and function
 * names come from ./schema only; every value from the request (filter values, property keys, the
 * time zone, dates, paging) is a `{pN:Type}` parameter, never part of the SQL text.
 */
export function planQuery(input: PlanInput): Plan {
  // has_done / has_not_done look at other events of each visit: only raw events can tell.
  if (hasBehavioural(input.filters)) return planRaw(input);
  // Configured goals: the rollups answer the unfiltered goals breakdown (./goal-rollups.ts).
  const goals = planGoalRollups(input, planQuery);
  if (goals) return goals;
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
