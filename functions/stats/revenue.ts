/**
 * Plausible v2's revenue metrics, `total_revenue` and `average_revenue`: which currency a query's
 * revenue is in, when it cannot have one (null values and a `meta.metric_warnings` entry, with
 * Plausible's codes), and the `{ value, currency, short, long }` shape of an answer.
 *
 * A revenue goal has one currency (functions/goals). With an `event:goal` breakdown each revenue
 * goal's row is in its own currency and other goals' rows are null; otherwise the revenue goals
 * the query's top-level goal filters keep must share one currency. Events keep the amount and
 * currency they were sent with; without exchange rates, a goal's money is the events sent in its
 * own currency (the raw plan sums them: plan/goals.ts).
 */
import type { GoalDefinition } from '../goals/goal';
import { revenueGoals } from '../goals/match';
import { isRevenueMetric, type Metric, type RevenueMetric } from './schema';
import type { Filter } from './validate';

export type RevenueWarningCode = 'no_revenue_goals_matching' | 'no_single_revenue_currency';

const WARNINGS: Record<RevenueWarningCode, string> = {
  no_revenue_goals_matching: 'Revenue metrics are null as there are no matching revenue goals.',
  no_single_revenue_currency:
    'Revenue metrics are null as there are multiple currencies for the selected event:goals.',
};

/** A revenue metric's value as answered. */
export interface RevenueValue {
  value: number;
  currency: string;
  short: string;
  long: string;
}

/** How a query's revenue metrics are answered. */
export type RevenuePlan =
  | { kind: 'none' }
  | { kind: 'warning'; code: RevenueWarningCode }
  /** Every row in one currency. */
  | { kind: 'single'; currency: string }
  /** An event:goal breakdown: the currency of the row's goal (dimension `index`), null for others. */
  | { kind: 'per_goal'; index: number; currencies: Map<string, string> };

function conditionKeeps(f: Extract<Filter, { kind: 'condition' }>, name: string): boolean {
  const fold = (text: string) => (f.caseSensitive ? text : text.toLowerCase());
  const positive = f.op.endsWith('_not') ? f.op.slice(0, -4) : f.op;
  const hit = f.values.some((value) => {
    if (positive === 'is') return fold(name) === fold(value);
    if (positive === 'contains') return fold(name).includes(fold(value));
    try {
      return new RegExp(value, f.caseSensitive ? '' : 'i').test(name);
    } catch {
      return false;
    }
  });
  return f.op.endsWith('_not') ? !hit : hit;
}

/** Decides a query's revenue currency from its metrics, dimensions, top-level filters and the site's goals. */
export function planRevenue(
  metrics: readonly Metric[],
  dimensions: readonly string[],
  filters: readonly Filter[],
  goals: readonly GoalDefinition[] | undefined,
): RevenuePlan {
  if (!metrics.some(isRevenueMetric)) return { kind: 'none' };
  // As Plausible: the goal filters at the top level choose the goals (nested ones only narrow rows).
  const goalFilters = filters.filter(
    (f): f is Extract<Filter, { kind: 'condition' }> =>
      f.kind === 'condition' && f.dimension === 'event:goal',
  );
  const matching = revenueGoals(goals ?? []).filter((g) =>
    goalFilters.every((f) => conditionKeeps(f, g.displayName)),
  );
  const currencies = new Set(matching.map((g) => g.currency));
  if (currencies.size === 0) return { kind: 'warning', code: 'no_revenue_goals_matching' };
  const index = dimensions.indexOf('event:goal');
  if (index >= 0) {
    return { kind: 'per_goal', index, currencies: new Map(matching.map((g) => [g.displayName, g.currency])) };
  }
  const [currency] = currencies;
  if (currencies.size > 1 || currency === undefined)
    return { kind: 'warning', code: 'no_single_revenue_currency' };
  return { kind: 'single', currency };
}

/** The revenue metrics the planner must read, given the plan (none when they are all null). */
export function revenueToRead(metrics: readonly Metric[], plan: RevenuePlan): RevenueMetric[] {
  return plan.kind === 'single' || plan.kind === 'per_goal' ? metrics.filter(isRevenueMetric) : [];
}

/** `meta.metric_warnings` entries for the query's revenue metrics, Plausible's shape. */
export function revenueWarnings(
  metrics: readonly Metric[],
  plan: RevenuePlan,
): Record<string, { code: RevenueWarningCode; warning: string }> | null {
  if (plan.kind !== 'warning') return null;
  const warning = { code: plan.code, warning: WARNINGS[plan.code] };
  return Object.fromEntries(metrics.filter(isRevenueMetric).map((m) => [m, warning]));
}

/** The currency of one answer row (by its dimension labels), or null when the row has no revenue. */
export function rowCurrency(plan: RevenuePlan, dims: readonly string[]): string | null {
  if (plan.kind === 'single') return plan.currency;
  if (plan.kind === 'per_goal') return plan.currencies.get(dims[plan.index] ?? '') ?? null;
  return null;
}

const formats = new Map<string, { long: Intl.NumberFormat; short: Intl.NumberFormat; digits: number }>();

function formatsOf(currency: string) {
  let found = formats.get(currency);
  if (!found) {
    const long = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    const short = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      notation: 'compact',
      // Both bounds: runtimes' ICU versions disagree on the default minimum for compact money.
      minimumFractionDigits: 0,
      maximumFractionDigits: 1,
    });
    found = { long, short, digits: long.resolvedOptions().maximumFractionDigits ?? 2 };
    formats.set(currency, found);
  }
  return found;
}

/**
 * An amount as answered: the value rounded to the currency's minor unit (cents, none for JPY), and
 * Plausible's human-friendly texts (`short` "€1.2K", `long` "€1,234.50").
 */
export function revenueValue(amount: number, currency: string): RevenueValue {
  const { long, short, digits } = formatsOf(currency);
  const f = 10 ** digits;
  const value = Math.round((Number.isFinite(amount) ? amount : 0) * f) / f;
  return { value, currency, short: short.format(value), long: long.format(value) };
}
