import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite, statsQuery } from '../stats/fixtures';

/**
 * Revenue metrics (Plausible v2's `total_revenue`, `average_revenue`) in two currencies. A UTC site,
 * all on 2026-10-13; one visit per visitor; counted by hand:
 *
 * | visitor | source  | country | events                                                            |
 * | V1      | Google  | DE      | pageview /; Purchase 10 EUR and Purchase 5.50 EUR on /checkout    |
 * | V2      | Google  | FR      | pageview /; Purchase 20 USD on /checkout                          |
 * | V3      | (none)  | DE      | pageview /pricing; Subscribe 30 USD and Signup on /pricing        |
 * | V4      | Twitter | US      | pageview /shop; Purchase 4.50 EUR on /shop                        |
 * | V5      | (none)  | US      | pageview /pricing; Subscribe 12 USD and Subscribe 8 EUR there     |
 * | V6      | Google  | DE      | pageview /                                                        |
 *
 * Goals: Purchase (revenue, EUR), Subscribe (revenue, USD), Signup (event). Without exchange rates
 * a goal's revenue is the events sent in its own currency; the others still count as conversions:
 *
 * - Purchase: visitors V1 V2 V4 = 3, events 4; EUR 10 + 5.50 + 4.50 = 20, average 20 / 3 = 6.67
 * - Subscribe: visitors V3 V5 = 2, events 3; USD 30 + 12 = 42, average 21
 * - Signup: 1 visitor, 1 event, no revenue (null)
 */
function revenueDataset(site: number): EventRecord[] {
  const at = (time: string) => `2026-10-13T${time}Z`;
  const people: Record<number, { referrer_source: string; country: string }> = {
    1: { referrer_source: 'Google', country: 'DE' },
    2: { referrer_source: 'Google', country: 'FR' },
    3: { referrer_source: '', country: 'DE' },
    4: { referrer_source: 'Twitter', country: 'US' },
    5: { referrer_source: '', country: 'US' },
    6: { referrer_source: 'Google', country: 'DE' },
  };
  const base = (v: number) => ({ visitor: 700 + v, session: 7700 + v, ...people[v] });
  const view = (v: number, time: string, pathname: string) => event(site, at(time), { ...base(v), pathname });
  const custom = (
    v: number,
    time: string,
    name: string,
    pathname: string,
    amount?: string,
    currency?: string,
  ) =>
    event(site, at(time), {
      ...base(v),
      kind: 'custom',
      name,
      pathname,
      ...(amount && currency ? { revenue_amount: amount, revenue_currency: currency } : {}),
    });
  return [
    view(1, '10:00:00', '/'),
    custom(1, '10:01:00', 'Purchase', '/checkout', '10', 'EUR'),
    custom(1, '10:02:00', 'Purchase', '/checkout', '5.5', 'EUR'),
    view(2, '11:00:00', '/'),
    custom(2, '11:01:00', 'Purchase', '/checkout', '20', 'USD'),
    view(3, '12:00:00', '/pricing'),
    custom(3, '12:01:00', 'Subscribe', '/pricing', '30', 'USD'),
    custom(3, '12:02:00', 'Signup', '/pricing'),
    view(4, '13:00:00', '/shop'),
    custom(4, '13:01:00', 'Purchase', '/shop', '4.5', 'EUR'),
    view(5, '14:00:00', '/pricing'),
    custom(5, '14:01:00', 'Subscribe', '/pricing', '12', 'USD'),
    custom(5, '14:02:00', 'Subscribe', '/pricing', '8', 'EUR'),
    view(6, '15:00:00', '/'),
  ];
}

const DAY = ['2026-10-13', '2026-10-13'];
const GOALS = [
  { kind: 'revenue', event_name: 'Purchase', currency: 'EUR' },
  { kind: 'revenue', event_name: 'Subscribe', currency: 'USD' },
  { kind: 'event', event_name: 'Signup' },
];
const REVENUE = ['total_revenue', 'average_revenue'];

/** A revenue value as the API answers it, without its formatted texts. */
function money(value: number, currency: string) {
  return expect.objectContaining({ value, currency });
}

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(revenueDataset(site.id));
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

const purchase = [['is', 'event:goal', ['Purchase']]];

describe('revenue metrics', () => {
  it('are null with a warning while no revenue goal matches, and need event:goal', async () => {
    const without = await query({ metrics: REVENUE });
    expect(without.status).toBe(400);
    expect(without.body.error?.message).toMatch(/total_revenue needs event:goal/);

    const none = await query({ metrics: ['visitors', ...REVENUE], dimensions: ['event:goal'] });
    expect(none.status).toBe(200);
    expect(none.body.results).toEqual([
      { dimensions: ['Purchase'], metrics: [3, null, null] },
      { dimensions: ['Subscribe'], metrics: [2, null, null] },
      { dimensions: ['Signup'], metrics: [1, null, null] },
    ]);
    expect(none.body.meta).toEqual({
      metric_warnings: {
        total_revenue: expect.objectContaining({ code: 'no_revenue_goals_matching' }),
        average_revenue: expect.objectContaining({ code: 'no_revenue_goals_matching' }),
      },
    });

    for (const body of GOALS) {
      const res = await call('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });

  it('per revenue goal, each in its own currency (events in another currency are left out)', async () => {
    const res = await query({ metrics: ['visitors', 'events', ...REVENUE], dimensions: ['event:goal'] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results).toEqual([
      { dimensions: ['Purchase'], metrics: [3, 4, money(20, 'EUR'), money(6.67, 'EUR')] },
      { dimensions: ['Subscribe'], metrics: [2, 3, money(42, 'USD'), money(21, 'USD')] },
      { dimensions: ['Signup'], metrics: [1, 1, null, null] },
    ]);
    expect(res.body.meta).toEqual({});
    // Ordered by revenue: USD 42 before EUR 20 (amounts, whatever their currency), Signup's null last.
    const ordered = await query({
      metrics: ['visitors', 'total_revenue'],
      dimensions: ['event:goal'],
      order_by: [['total_revenue', 'desc']],
    });
    expect(ordered.body.results.map((r) => r.dimensions[0])).toEqual(['Subscribe', 'Purchase', 'Signup']);
    const first = res.body.results[0]?.metrics[2];
    expect(first).toEqual({ value: 20, currency: 'EUR', short: '€20', long: '€20.00' });
  });

  it('with a revenue goal filter: the total, and by source, page and country', async () => {
    const total = await query({ metrics: ['visitors', ...REVENUE], filters: purchase });
    expect(total.body.results).toEqual([
      { dimensions: [], metrics: [3, money(20, 'EUR'), money(6.67, 'EUR')] },
    ]);

    const bySource = await query({
      metrics: ['visitors', ...REVENUE],
      dimensions: ['visit:source'],
      filters: purchase,
    });
    expect(bySource.body.results).toEqual([
      { dimensions: ['Google'], metrics: [2, money(15.5, 'EUR'), money(7.75, 'EUR')] },
      { dimensions: ['Twitter'], metrics: [1, money(4.5, 'EUR'), money(4.5, 'EUR')] },
    ]);

    const byPage = await query({
      metrics: ['visitors', ...REVENUE],
      dimensions: ['event:page'],
      filters: purchase,
    });
    expect(byPage.body.results).toEqual([
      { dimensions: ['/checkout'], metrics: [2, money(15.5, 'EUR'), money(7.75, 'EUR')] },
      { dimensions: ['/shop'], metrics: [1, money(4.5, 'EUR'), money(4.5, 'EUR')] },
    ]);

    // FR's only purchase was paid in USD: a conversion, but no EUR revenue.
    const byCountry = await query({
      metrics: ['visitors', ...REVENUE],
      dimensions: ['visit:country'],
      filters: purchase,
    });
    expect(byCountry.body.results).toEqual([
      { dimensions: ['DE'], metrics: [1, money(15.5, 'EUR'), money(7.75, 'EUR')] },
      { dimensions: ['FR'], metrics: [1, money(0, 'EUR'), money(0, 'EUR')] },
      { dimensions: ['US'], metrics: [1, money(4.5, 'EUR'), money(4.5, 'EUR')] },
    ]);
  });

  it('goals of two currencies without an event:goal breakdown, or no revenue goal: null and a warning', async () => {
    const mixed = await query({
      metrics: ['visitors', 'total_revenue'],
      filters: [['is', 'event:goal', ['Purchase', 'Subscribe']]],
    });
    expect(mixed.status).toBe(200);
    expect(mixed.body.results).toEqual([{ dimensions: [], metrics: [5, null] }]);
    expect(mixed.body.meta).toEqual({
      metric_warnings: { total_revenue: expect.objectContaining({ code: 'no_single_revenue_currency' }) },
    });
    const unordered = await query({
      metrics: ['visitors', 'total_revenue'],
      filters: [['is', 'event:goal', ['Purchase', 'Subscribe']]],
      dimensions: ['visit:source'],
      order_by: [['total_revenue', 'desc']],
    });
    expect(unordered.status).toBe(200);
    expect(unordered.body.results.map((r) => r.metrics[1])).toEqual([null, null, null]);
    const signup = await query({
      metrics: ['visitors', 'average_revenue'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(signup.body.results).toEqual([{ dimensions: [], metrics: [1, null] }]);
    expect(signup.body.meta).toEqual({
      metric_warnings: { average_revenue: expect.objectContaining({ code: 'no_revenue_goals_matching' }) },
    });
  });

  it('answers the same inside a batch, and compares periods by value', async () => {
    const res = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({
        queries: [
          { site_id: site.domain, date_range: DAY, metrics: ['visitors'] },
          {
            site_id: site.domain,
            date_range: DAY,
            metrics: ['visitors', ...REVENUE],
            dimensions: ['event:goal'],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { results: unknown[] }[] };
    expect(body.results[1]?.results[0]).toEqual({
      dimensions: ['Purchase'],
      metrics: [3, money(20, 'EUR'), money(6.67, 'EUR')],
    });
    // Realtime panels share one scan of events in a batch; revenue to read stays with its own plan.
    const now = new Date(Date.now() - 60_000).toISOString();
    await insertEvents([
      event(site.id, now, { visitor: 799, session: 7799, pathname: '/' }),
      event(site.id, now, {
        visitor: 799,
        session: 7799,
        kind: 'custom',
        name: 'Purchase',
        revenue_amount: '3',
        revenue_currency: 'EUR',
      }),
    ]);
    const recent = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({
        queries: [
          { site_id: site.domain, date_range: 'realtime', metrics: ['visitors'] },
          {
            site_id: site.domain,
            date_range: 'realtime',
            metrics: ['total_revenue'],
            dimensions: ['event:goal'],
          },
        ],
      }),
    });
    const live = (await recent.json()) as { results: { results: unknown[] }[] };
    expect(live.results[1]?.results).toEqual([{ dimensions: ['Purchase'], metrics: [money(3, 'EUR')] }]);

    const compared = await query({
      metrics: ['total_revenue'],
      filters: purchase,
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(compared.body.results[0]?.comparison).toEqual({
      dimensions: [],
      metrics: [money(0, 'EUR')],
      change: [100],
    });
  });
});
