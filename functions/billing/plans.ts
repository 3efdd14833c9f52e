/**
 * Plans as code: what each plan allows, the operator's per-profile overrides applied on top, and
 * the billing period usage is metered over. Pure: no bindings, so the metering cron, the ingest
 * capacity check and the API all read limits the same way. Stripe price ids are not here; they
 * come from vars (functions/billing/prices.ts) because they differ between test and live mode.
 */

export type PlanId = 'free' | 'growth' | 'business';
export type PlanInterval = 'month' | 'year';

export const PLAN_IDS: readonly PlanId[] = ['free', 'growth', 'business'];
export const PLAN_INTERVALS: readonly PlanInterval[] = ['month', 'year'];

export interface PlanFeatures {
  /** The Stats API (API keys): every plan has it. */
  statsApi: boolean;
  funnels: boolean;
  uptimeChecks: boolean;
  webVitals: boolean;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** Accepted events per billing period (a month, also on yearly plans). */
  monthlyEvents: number;
  sites: number;
  retentionMonths: number;
  features: PlanFeatures;
  /** False only for free: a paid plan is bought through Stripe Checkout. */
  paid: boolean;
  /** List prices in US cents, for the usage page; Stripe's prices are what is charged. */
  priceCents: { month: number; year: number };
}

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: 'free',
    name: 'Free',
    monthlyEvents: 10_000,
    sites: 2,
    retentionMonths: 6,
    features: { statsApi: true, funnels: false, uptimeChecks: false, webVitals: true },
    paid: false,
    priceCents: { month: 0, year: 0 },
  },
  growth: {
    id: 'growth',
    name: 'Growth',
    monthlyEvents: 100_000,
    sites: 10,
    retentionMonths: 24,
    features: { statsApi: true, funnels: true, uptimeChecks: false, webVitals: true },
    paid: true,
    priceCents: { month: 900, year: 9_000 },
  },
  business: {
    id: 'business',
    name: 'Business',
    monthlyEvents: 1_000_000,
    sites: 50,
    retentionMonths: 60,
    features: { statsApi: true, funnels: true, uptimeChecks: true, webVitals: true },
    paid: true,
    priceCents: { month: 4_900, year: 49_000 },
  },
};

export function isPlanId(id: unknown): id is PlanId {
  return typeof id === 'string' && (PLAN_IDS as readonly string[]).includes(id);
}

export function isPlanInterval(interval: unknown): interval is PlanInterval {
  return typeof interval === 'string' && (PLAN_INTERVALS as readonly string[]).includes(interval);
}

/** The plan of a stored plan id. An unknown id (a plan retired from code) counts as free. */
export function planById(id: string): Plan {
  return isPlanId(id) ? PLANS[id] : PLANS.free;
}

export interface BillingProfileLimits {
  plan: Plan;
  /** The operator's override while it holds, else the plan's (see {@link effectiveLimits}). */
  monthlyEvents: number;
  sites: number;
}

export interface LimitsRow {
  plan_code: string;
  custom_monthly_events: number | null;
  custom_sites: number | null;
  /** Unix seconds of the last change of plan_code (webhook or operator). */
  plan_changed_at: number | null;
  /** Unix seconds the operator last set custom_monthly_events or custom_sites. */
  custom_limits_set_at: number | null;
}

/**
 * The limits a billing profile lives under: its plan's, with the operator's overrides on top.
 * An override holds as set, below or above the plan, until the plan changes after it: the
 * customer's own purchase then lifts a lower override (the larger of the two counts), while an
 * enterprise deal above the new plan keeps its higher limit. An override without a time (set
 * by hand in D1) or a plan that never changed after it holds. Same second: the override holds,
 * and the writers keep a later change strictly later (functions/billing/profile.ts).
 */
export function effectiveLimits(row: LimitsRow): BillingProfileLimits {
  const plan = planById(row.plan_code);
  const superseded =
    row.plan_changed_at !== null &&
    row.custom_limits_set_at !== null &&
    row.plan_changed_at > row.custom_limits_set_at;
  const limit = (custom: number | null, planLimit: number): number => {
    if (custom === null) return planLimit;
    return superseded ? Math.max(custom, planLimit) : custom;
  };
  return {
    plan,
    monthlyEvents: limit(row.custom_monthly_events, plan.monthlyEvents),
    sites: limit(row.custom_sites, plan.sites),
  };
}

export interface PeriodRow {
  period_start: number | null;
  period_end: number | null;
}

/** Start (inclusive) and end (exclusive) of a billing period, unix seconds. */
export interface BillingPeriod {
  start: number;
  end: number;
}

const SECONDS_PER_DAY = 86_400;

/**
 * The period usage is counted over at `nowMs`. A paid subscription meters over Stripe's period,
 * but in monthly slices even on a yearly plan (limits are per month): the slice is the month of
 * the period's anniversary that contains now. Free, or a stored period that is missing or already
 * over (a webhook not yet arrived), falls back to the calendar month in UTC, so usage always has
 * a current period.
 */
export function billingPeriod(row: PeriodRow, nowMs: number): BillingPeriod {
  const now = Math.floor(nowMs / 1000);
  const { period_start: start, period_end: end } = row;
  if (start === null || end === null || !(start <= now && now < end)) return calendarMonth(nowMs);
  // A period of about a month (28–31 days, plus slack) is one slice.
  if (end - start <= 32 * SECONDS_PER_DAY) return { start, end };
  return monthlySlice(start, end, nowMs);
}

function calendarMonth(nowMs: number): BillingPeriod {
  const now = new Date(nowMs);
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return { start: start / 1000, end: end / 1000 };
}

/** The month-long slice of [start, end) holding now, anchored on start's day and time of day. */
function monthlySlice(start: number, end: number, nowMs: number): BillingPeriod {
  const anchor = new Date(start * 1000);
  const at = (months: number): number => addMonthsClamped(anchor, months) / 1000;
  const now = nowMs / 1000;
  let months = 0;
  while (at(months + 1) <= now) months += 1;
  return { start: at(months), end: Math.min(at(months + 1), end) };
}

/** `date` plus `months` calendar months, the day clamped to the target month's length (Jan 31 + 1 → Feb 28). */
function addMonthsClamped(date: Date, months: number): number {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
}
