import { describe, expect, it } from 'vitest';
import type { Billing, PlanOffer } from '../../../dashboard/src/api';
import {
  billingNotice,
  dayInZone,
  formatLastDay,
  formatPrice,
  isPaidAndLive,
  meterFill,
  periodDays,
  statusLabel,
  sumByDay,
  upgradeOffers,
} from '../../../dashboard/src/lib/billing';

function plan(id: string, name: string, monthlyEvents: number, price: number): PlanOffer {
  return {
    id,
    name,
    monthly_events: monthlyEvents,
    sites: 10,
    retention_months: 24,
    features: { stats_api: true, funnels: price > 0, uptime_checks: false, web_vitals: true },
    paid: price > 0,
    price_cents: { month: price, year: price * 10 },
    available: { month: price > 0, year: price > 0 },
  };
}

function billing(overrides: Partial<Billing> = {}): Billing {
  return {
    plan: 'free',
    interval: null,
    status: null,
    period_start: '2026-12-01T00:00:00.000Z',
    period_end: '2027-01-01T00:00:00.000Z',
    cancel_at_period_end: false,
    subscription_period_end: null,
    usage: { events: 4_200, limit: 10_000, percent: 42, over_events: 0 },
    state: 'ok',
    grace_ends_at: null,
    limits: { monthly_events: 10_000, sites: 2, retention_months: 6 },
    can_manage: false,
    is_owner: true,
    plans: [
      plan('free', 'Free', 10_000, 0),
      plan('growth', 'Growth', 100_000, 900),
      plan('business', 'Business', 1_000_000, 4_900),
    ],
    ...overrides,
  };
}

describe('upgrade offers', () => {
  it('offers every paid plan and interval that has a price, on the free plan', () => {
    const offers = upgradeOffers(billing());
    expect(offers.map((o) => `${o.plan}/${o.interval}/${o.priceCents}`)).toEqual([
      'growth/month/900',
      'growth/year/9000',
      'business/month/4900',
      'business/year/49000',
    ]);
  });

  it('leaves out intervals without a configured price', () => {
    const plans = billing().plans.map((p) =>
      p.id === 'business' ? { ...p, available: { month: true, year: false } } : p,
    );
    expect(upgradeOffers(billing({ plans })).map((o) => `${o.plan}/${o.interval}`)).toEqual([
      'growth/month',
      'growth/year',
      'business/month',
    ]);
  });

  it('says which plans cover this period’s usage', () => {
    const offers = upgradeOffers(
      billing({ usage: { events: 250_000, limit: 10_000, percent: 2500, over_events: 0 } }),
    );
    expect(offers.filter((o) => o.covers).map((o) => o.plan)).toEqual(['business', 'business']);
  });

  it('offers nothing while a subscription runs (plans change in the portal) or to a non-owner', () => {
    expect(upgradeOffers(billing({ plan: 'growth', status: 'active' }))).toEqual([]);
    expect(upgradeOffers(billing({ plan: 'growth', status: 'past_due' }))).toEqual([]);
    expect(upgradeOffers(billing({ is_owner: false }))).toEqual([]);
    // A canceled subscription is over: buying again goes through Checkout.
    expect(upgradeOffers(billing({ plan: 'free', status: 'canceled' }))).toHaveLength(4);
  });
});

describe('after Checkout', () => {
  it('waits until a paid plan with a live subscription is in force', () => {
    expect(isPaidAndLive(billing())).toBe(false);
    expect(isPaidAndLive(billing({ status: 'active' }))).toBe(false);
    expect(isPaidAndLive(billing({ plan: 'growth', status: 'incomplete' }))).toBe(false);
    expect(isPaidAndLive(billing({ plan: 'growth', status: 'active' }))).toBe(true);
    expect(isPaidAndLive(billing({ plan: 'business', status: 'trialing' }))).toBe(true);
  });
});

describe('the banner on the sites pages', () => {
  it('says nothing below the limit or in warning', () => {
    expect(billingNotice(billing())).toBeNull();
    expect(billingNotice(billing({ state: 'warning' }))).toBeNull();
  });

  it('in grace: every event still counts until the grace end, then what happens', () => {
    const notice = billingNotice(
      billing({
        state: 'grace',
        usage: { events: 12_345, limit: 10_000, percent: 123, over_events: 0 },
        grace_ends_at: '2026-12-20T10:30:00.000Z',
      }),
      'UTC',
    );
    expect(notice?.title).toMatch(/over/);
    expect(notice?.text).toContain('12,345 events');
    expect(notice?.text).toContain('Free plan includes 10,000');
    expect(notice?.text).toContain('still recorded until Dec 20, 2026, 10:30 AM');
    expect(notice?.text).toContain('upgrade');
    expect(notice?.text).toContain('Jan 1, 2027');
  });

  it('over: events are not recorded, how many were missed, and how to fix it', () => {
    const notice = billingNotice(
      billing({
        state: 'over',
        usage: { events: 20_000, limit: 10_000, percent: 200, over_events: 1_520 },
        grace_ends_at: '2026-12-08T00:00:00.000Z',
      }),
      'UTC',
    );
    expect(notice?.title).toBe('New events are not being recorded');
    expect(notice?.text).toContain('1,520 events were missed');
    expect(notice?.text).toContain('Upgrade');
    expect(notice?.text).toContain('Jan 1, 2027');
  });
});

describe('formatting', () => {
  it('prices in dollars, cents only when there are some', () => {
    expect(formatPrice(900)).toBe('$9');
    expect(formatPrice(49_000)).toBe('$490');
    expect(formatPrice(4_950)).toBe('$49.50');
  });

  it('names the last day of a period that ends at midnight', () => {
    expect(formatLastDay('2027-01-01T00:00:00.000Z')).toBe('Dec 31, 2026');
    expect(formatLastDay(null)).toBe('—');
  });

  it('keeps the meter within its track', () => {
    expect(meterFill(42)).toBe(42);
    expect(meterFill(250)).toBe(100);
    expect(meterFill(-1)).toBe(0);
  });

  it('words Stripe’s statuses', () => {
    expect(statusLabel(null)).toBe('No subscription');
    expect(statusLabel('past_due')).toMatch(/retried/);
    expect(statusLabel('something_new')).toBe('something_new');
  });
});

describe('events per day', () => {
  it('asks each site for the period’s days in its own zone', () => {
    const period = { period_start: '2026-12-01T00:00:00.000Z', period_end: '2027-01-01T00:00:00.000Z' };
    expect(periodDays(period, 'UTC', 0)).toEqual(['2026-12-01', '2026-12-31']);
    // The period's last hour is already Jan 1 in Berlin; its first hours are still Nov 30 in New York.
    expect(periodDays(period, 'Europe/Berlin', 0)).toEqual(['2026-12-01', '2027-01-01']);
    expect(periodDays(period, 'America/New_York', 0)).toEqual(['2026-11-30', '2026-12-31']);
    // A paid period starts at the second of checkout.
    expect(
      periodDays(
        { period_start: '2026-12-03T15:20:00.000Z', period_end: '2027-01-03T15:20:00.000Z' },
        'UTC',
        0,
      ),
    ).toEqual(['2026-12-03', '2027-01-03']);
  });

  it('falls back to this month without a period', () => {
    const now = Date.parse('2026-12-17T12:00:00Z');
    expect(periodDays({ period_start: null, period_end: null }, 'UTC', now)).toEqual([
      '2026-12-01',
      '2026-12-17',
    ]);
    expect(dayInZone(now, 'Asia/Tokyo')).toBe('2026-12-17');
  });

  it('adds the sites’ days up, quiet days as zero', () => {
    const summed = sumByDay([
      {
        labels: ['2026-12-01', '2026-12-02', '2026-12-03'],
        rows: [
          { dimensions: ['2026-12-01'], metrics: [5] },
          { dimensions: ['2026-12-03'], metrics: [7] },
        ],
      },
      {
        labels: ['2026-11-30', '2026-12-01', '2026-12-02'],
        rows: [
          { dimensions: ['2026-11-30'], metrics: [1] },
          { dimensions: ['2026-12-01'], metrics: [10] },
          { dimensions: ['2026-12-02'], metrics: [null] },
        ],
      },
    ]);
    expect(summed).toEqual({
      labels: ['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03'],
      values: [1, 15, 0, 7],
    });
    expect(sumByDay([])).toEqual({ labels: [], values: [] });
  });
});
