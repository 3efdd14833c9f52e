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

  it('applies the operator overrides over the plan, each on its own', () => {
    expect(
      effectiveLimits({ plan_code: 'growth', custom_monthly_events: null, custom_sites: null }),
    ).toMatchObject({
      monthlyEvents: 100_000,
      sites: 10,
    });
    expect(
      effectiveLimits({ plan_code: 'growth', custom_monthly_events: 3_000_000, custom_sites: null }),
    ).toMatchObject({
      monthlyEvents: 3_000_000,
      sites: 10,
    });
    // 0 is a limit ("nothing"), not "unset".
    expect(effectiveLimits({ plan_code: 'free', custom_monthly_events: 0, custom_sites: 0 })).toMatchObject({
      monthlyEvents: 0,
      sites: 0,
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
