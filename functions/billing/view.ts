/**
 * Billing as JSON: the plans table for the usage page, and a profile's plan with its effective
 * limits. Pure functions of rows and config, shared by GET /api/billing and the admin routes.
 */
import type { BillingConfig } from './config';
import { effectiveLimits, PLAN_IDS, PLAN_INTERVALS, PLANS, type Plan, planById } from './plans';
import type { BillingProfileRow } from './profile';

export function isoSeconds(seconds: number | null): string | null {
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}

/** One plan as the usage page lists it; `available` says which intervals can be bought here. */
export function planJson(plan: Plan, config: BillingConfig) {
  return {
    id: plan.id,
    name: plan.name,
    monthly_events: plan.monthlyEvents,
    sites: plan.sites,
    retention_months: plan.retentionMonths,
    features: {
      stats_api: plan.features.statsApi,
      funnels: plan.features.funnels,
      uptime_checks: plan.features.uptimeChecks,
      web_vitals: plan.features.webVitals,
    },
    paid: plan.paid,
    price_cents: plan.priceCents,
    available: Object.fromEntries(
      PLAN_INTERVALS.map((interval) => [
        interval,
        plan.paid && config.prices.some((price) => price.plan === plan.id && price.interval === interval),
      ]),
    ),
  };
}

export function plansJson(config: BillingConfig) {
  return PLAN_IDS.map((id) => planJson(PLANS[id], config));
}

/** A profile's plan, subscription and effective limits (overrides applied, and shown apart). */
export function profileJson(row: BillingProfileRow) {
  const limits = effectiveLimits(row);
  return {
    id: row.id,
    owner_user_id: row.owner_user_id,
    plan: planById(row.plan_code).id,
    interval: row.plan_interval,
    status: row.subscription_status,
    stripe_customer_id: row.stripe_customer_id,
    stripe_subscription_id: row.stripe_subscription_id,
    subscription_period_start: isoSeconds(row.period_start),
    subscription_period_end: isoSeconds(row.period_end),
    cancel_at_period_end: row.cancel_at_period_end === 1,
    custom_monthly_events: row.custom_monthly_events,
    custom_sites: row.custom_sites,
    plan_changed_at: isoSeconds(row.plan_changed_at),
    custom_limits_set_at: isoSeconds(row.custom_limits_set_at),
    limits: {
      monthly_events: limits.monthlyEvents,
      sites: limits.sites,
      retention_months: limits.plan.retentionMonths,
    },
  };
}
