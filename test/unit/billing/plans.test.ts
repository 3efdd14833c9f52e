import { describe, expect, it } from 'vitest';
import { billingPeriod, effectiveLimits, PLANS, planById } from '../../../functions/billing/plans';

const at = (iso: string) => Date.parse(iso);
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('plans', () => {
  it('every plan has the Stats API; higher tiers allow more and keep data longer', () => {
    const [free, growth, business] = [PLANS.free, PLANS.growth, PLANS.business];
    for (const plan of [free, growth, business]) expect(plan.features.statsApi).toBe(true);
    expect(free.paid).toBe(false);
    expect(growth.monthlyEvents).toBeGreaterThan(free.monthlyEvents);
    expect(business.monthlyEvents).toBeGreaterThan(growth.monthlyEvents);
    expect(business.sites).toBeGreaterThan(growth.sites);
    expect(business.retentionMonths).toBeGreaterThan(growth.retentionMonths);
    expect(growth.features.funnels && !free.features.funnels).toBe(true);
    expect(business.features.uptimeChecks && !growth.features.uptimeChecks).toBe(true);
    // A year costs less than twelve months.
    for (const plan of [growth, business])
      expect(plan.priceCents.year).toBeLessThan(plan.priceCents.month * 12);
  });

  it('reads an unknown stored plan id as free', () => {
    expect(planById('enterprise-2019').id).toBe('free');
    expect(planById('growth').id).toBe('growth');
  });

  const limits = (
    plan_code: string,
    custom: { events?: number | null; sites?: number | null },
    times: { plan_changed_at?: number | null; custom_limits_set_at?: number | null } = {},
  ) =>
    effectiveLimits({
      plan_code,
      custom_monthly_events: custom.events ?? null,
      custom_sites: custom.sites ?? null,
      plan_changed_at: times.plan_changed_at ?? null,
      custom_limits_set_at: times.custom_limits_set_at ?? null,
    });

  it('applies the operator overrides over the plan, each on its own', () => {
    expect(limits('growth', {})).toMatchObject({ monthlyEvents: 100_000, sites: 10 });
    expect(limits('growth', { events: 3_000_000 })).toMatchObject({ monthlyEvents: 3_000_000, sites: 10 });
    // 0 is a limit ("nothing"), not "unset".
    expect(limits('free', { events: 0, sites: 0 })).toMatchObject({ monthlyEvents: 0, sites: 0 });
  });

  it('an override holds, lower or higher than the plan, until the plan changes after it', () => {
    const setAfterChange = { plan_changed_at: 1_000, custom_limits_set_at: 2_000 };
    expect(limits('growth', { events: 50, sites: 1 }, setAfterChange)).toMatchObject({
      monthlyEvents: 50,
      sites: 1,
    });
    // Set in the same second as the plan change: the operator's word is the later one.
    expect(
      limits('growth', { events: 50 }, { plan_changed_at: 2_000, custom_limits_set_at: 2_000 }),
    ).toMatchObject({ monthlyEvents: 50 });
    // No plan change ever, or an override from before the column existed: it holds.
    expect(limits('growth', { events: 50 }, { custom_limits_set_at: 2_000 }).monthlyEvents).toBe(50);
    expect(limits('growth', { events: 50 }, { plan_changed_at: 3_000 }).monthlyEvents).toBe(50);
  });

  it('after a later plan change, the larger of the override and the new plan counts', () => {
    const changedAfter = { plan_changed_at: 3_000, custom_limits_set_at: 2_000 };
    // A tiny override on growth, then the customer buys business: business's limits.
    expect(limits('business', { events: 50, sites: 1 }, changedAfter)).toMatchObject({
      monthlyEvents: 1_000_000,
      sites: 50,
    });
    // An enterprise deal above the new plan keeps its higher limits, each on its own.
    expect(limits('business', { events: 5_000_000, sites: 1 }, changedAfter)).toMatchObject({
      monthlyEvents: 5_000_000,
      sites: 50,
    });
    // Even a downgrade after the override: the deal above the plan stays.
    expect(limits('free', { events: 5_000_000 }, changedAfter)).toMatchObject({
      monthlyEvents: 5_000_000,
      sites: 2,
    });
  });
});

describe('billingPeriod', () => {
  const free = { period_start: null, period_end: null };

  it('is the calendar month in UTC on free, December included', () => {
    expect(billingPeriod(free, at('2026-02-14T23:59:59Z'))).toEqual({
      start: seconds('2026-02-01T00:00:00Z'),
      end: seconds('2026-03-01T00:00:00Z'),
    });
    expect(billingPeriod(free, at('2026-12-31T23:59:59Z'))).toEqual({
      start: seconds('2026-12-01T00:00:00Z'),
      end: seconds('2027-01-01T00:00:00Z'),
    });
  });

  it("is the subscription's period on a monthly plan", () => {
    const row = {
      period_start: seconds('2026-03-10T08:30:00Z'),
      period_end: seconds('2026-04-10T08:30:00Z'),
    };
    expect(billingPeriod(row, at('2026-04-10T08:29:59Z'))).toEqual({
      start: row.period_start,
      end: row.period_end,
    });
  });

  it('meters a yearly plan in monthly slices from its start, the day clamped to short months', () => {
    const row = {
      period_start: seconds('2026-01-31T12:00:00Z'),
      period_end: seconds('2027-01-31T12:00:00Z'),
    };
    expect(billingPeriod(row, at('2026-02-10T00:00:00Z'))).toEqual({
      start: seconds('2026-01-31T12:00:00Z'),
      end: seconds('2026-02-28T12:00:00Z'),
    });
    expect(billingPeriod(row, at('2026-03-01T00:00:00Z'))).toEqual({
      start: seconds('2026-02-28T12:00:00Z'),
      end: seconds('2026-03-31T12:00:00Z'),
    });
    expect(billingPeriod(row, at('2027-01-31T11:00:00Z'))).toEqual({
      start: seconds('2026-12-31T12:00:00Z'),
      end: seconds('2027-01-31T12:00:00Z'),
    });
  });

  it('falls back to the calendar month when the stored period is over or not begun (a webhook still to come)', () => {
    const row = {
      period_start: seconds('2026-03-10T00:00:00Z'),
      period_end: seconds('2026-04-10T00:00:00Z'),
    };
    expect(billingPeriod(row, at('2026-04-12T00:00:00Z'))).toEqual({
      start: seconds('2026-04-01T00:00:00Z'),
      end: seconds('2026-05-01T00:00:00Z'),
    });
    expect(billingPeriod(row, at('2026-03-09T00:00:00Z')).start).toBe(seconds('2026-03-01T00:00:00Z'));
  });
});
