/**
 * The answer of `POST /api/v2/funnel` for a checked query (query.ts does the HTTP side; the
 * benchmark, scripts/bench/funnel.ts, calls this directly). Two statements, at once: the site's
 * visitors under the same filters through the Stats API (rollups and sealed days where they can
 * answer), and the funnel's levels from raw events (plan.ts).
 */
import type { GoalDefinition } from '../goals/goal';
import type { ReadableSite } from '../stats/access';
import { resolveRange } from '../stats/dates';
import { type Executor, runStatsQuery } from '../stats/run';
import type { SealedDay } from '../stats/seal';
import type { ValidQuery } from '../stats/validate';
import { type FunnelStepResult, planFunnel, stepResults } from './plan';

export interface FunnelResponse {
  funnel: { id: number; name: string } | null;
  steps: ({ goal: string } & FunnelStepResult)[];
  meta: {
    all_visitors: number;
    entering_visitors: number;
    entering_visitors_percentage: number;
    never_entering_visitors: number;
    never_entering_visitors_percentage: number;
  };
  query: Record<string, unknown>;
}

function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

/**
 * `visitors` is the v2 visitors query of the request (site, range, filters with segments written
 * out); `steps` the goals, step 1 first.
 */
export async function answerFunnel(
  execute: Executor,
  site: ReadableSite,
  visitors: ValidQuery,
  subject: { funnel: { id: number; name: string } | null; steps: readonly GoalDefinition[] },
  nowMs: number,
  lookup?: () => Promise<SealedDay[]>,
): Promise<FunnelResponse> {
  const all = runStatsQuery(execute, site, visitors, nowMs, { lookup });
  const levels = async () => {
    // "all" starts at the site's first event, which the visitors query looks up: wait for its echo.
    const range =
      visitors.dateRange.kind === 'preset' && visitors.dateRange.preset === 'all'
        ? (await all).query.date_range
        : null;
    const resolved = Array.isArray(range)
      ? { from: Date.parse(String(range[0])) / 1000, to: Date.parse(String(range[1])) / 1000 + 1 }
      : resolveRange(visitors.dateRange, site.timezone, nowMs);
    const plan = planFunnel({
      siteId: site.id,
      range: resolved,
      steps: subject.steps,
      filters: visitors.filters,
      goals: site.goals,
    });
    return execute(plan.sql, plan.params);
  };
  const [answer, rows] = await Promise.all([all, levels()]);
  const results = stepResults(
    rows.map((row) => ({ level: num(row.level), visitors: num(row.visitors) })),
    subject.steps.length,
  );
  const allVisitors = num(answer.results[0]?.metrics[0]);
  const entering = results[0]?.visitors ?? 0;
  const never = Math.max(0, allVisitors - entering);
  return {
    funnel: subject.funnel,
    steps: subject.steps.map((goal, i) => ({ goal: goal.displayName, ...(results[i] as FunnelStepResult) })),
    meta: {
      all_visitors: allVisitors,
      entering_visitors: entering,
      entering_visitors_percentage: percent(entering, allVisitors),
      never_entering_visitors: never,
      never_entering_visitors_percentage: percent(never, allVisitors),
    },
    query: {
      site_id: site.domain,
      ...(subject.funnel
        ? { funnel_id: subject.funnel.id }
        : { steps: subject.steps.map((g) => g.displayName) }),
      date_range: answer.query.date_range,
      filters: answer.query.filters,
    },
  };
}
