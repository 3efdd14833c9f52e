import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { planQuery } from '../../../functions/stats/plan';
import { planRaw } from '../../../functions/stats/plan/raw';
import { planInputFor } from '../../../functions/stats/run';
import { sealDays, sealedDays } from '../../../functions/stats/seal';
import { parseQuery } from '../../../functions/stats/validate';
import { clickhouse, maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite, statsQuery } from '../stats/fixtures';

/**
 * Configured goals the rollups hold (functions/stats/plan/goal-rollups.ts): an event goal, a
 * revenue goal in EUR and a pageview goal on one exact path. A UTC site, all on 2026-10-12:
 *
 * | visitor | events                                                                  |
 * | V1      | pageview /pricing; Signup                                               |
 * | V2      | pageview /pricing, /pricing again; Purchase 10.50 EUR; Purchase 2.25 EUR |
 * | V3      | pageview /pricing/old; Signup; Signup; Purchase 5 USD                   |
 * | V4      | pageview /about                                                         |
 *
 * 4 visitors. Per goal (visitors, events, conversion rate):
 * - Visit /pricing: V1, V2 → 2, 3, 50 (/pricing/old is another page)
 * - Signup: V1, V3 → 2, 3, 50
 * - Purchase: V2, V3 → 2, 3, 50; revenue 12.75 EUR, average 6.38 EUR (the USD purchase counts
 *   as a conversion and adds no money: no exchange rates)
 */
function dataset(site: number): EventRecord[] {
  const at = (time: string) => `2026-10-12T${time}Z`;
  const view = (v: number, time: string, pathname: string) =>
    event(site, at(time), { visitor: 700 + v, session: 7700 + v, pathname });
  const custom = (v: number, time: string, name: string, extra: Partial<EventRecord> = {}) =>
    event(site, at(time), {
      visitor: 700 + v,
      session: 7700 + v,
      kind: 'custom',
      name,
      pathname: '/',
      ...extra,
    });
  return [
    view(1, '10:00:00', '/pricing'),
    custom(1, '10:01:00', 'Signup'),
    view(2, '11:00:00', '/pricing'),
    view(2, '11:01:00', '/pricing'),
    custom(2, '11:02:00', 'Purchase', { revenue_amount: '10.5', revenue_currency: 'EUR' }),
    custom(2, '11:03:00', 'Purchase', { revenue_amount: '2.25', revenue_currency: 'EUR' }),
    view(3, '12:00:00', '/pricing/old'),
    custom(3, '12:01:00', 'Signup'),
    custom(3, '12:02:00', 'Signup'),
    custom(3, '12:03:00', 'Purchase', { revenue_amount: '5', revenue_currency: 'USD' }),
    view(4, '13:00:00', '/about'),
  ];
}

const DAY = ['2026-10-12', '2026-10-12'];
const GOALS = [
  { kind: 'page', page_path: '/pricing' },
  { kind: 'event', event_name: 'Signup' },
  { kind: 'revenue', event_name: 'Purchase', currency: 'EUR' },
];
const PANEL = {
  metrics: ['visitors', 'events', 'conversion_rate', 'total_revenue', 'average_revenue'],
  dimensions: ['event:goal'],
};
const money = (value: number, short: string, long: string) => ({ value, currency: 'EUR', short, long });
const EXPECTED = [
  {
    dimensions: ['Purchase'],
    metrics: [2, 3, 50, money(12.75, '€12.8', '€12.75'), money(6.38, '€6.4', '€6.38')],
  },
  { dimensions: ['Signup'], metrics: [2, 3, 50, null, null] },
  { dimensions: ['Visit /pricing'], metrics: [2, 3, 50, null, null] },
];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(dataset(site.id));
  for (const body of GOALS) {
    const res = await call('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

/** Rows of the rollup route and of the raw plan for the same question, as ClickHouse answers them. */
async function bothPlans(body: Record<string, unknown>, sealed: boolean) {
  const query = parseQuery({ site_id: site.domain, date_range: DAY, ...body });
  const goals = [
    { kind: 'page' as const, pagePath: '/pricing', displayName: 'Visit /pricing' },
    { kind: 'event' as const, eventName: 'Signup', displayName: 'Signup' },
    { kind: 'revenue' as const, eventName: 'Purchase', currency: 'EUR', displayName: 'Purchase' },
  ];
  const client = clickhouse(testEnv);
  const execute = async (sql: string, params: Record<string, unknown>) =>
    (await (
      await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
    ).json()) as Record<string, unknown>[];
  const days = sealed ? await sealedDays(execute, site.id) : undefined;
  const range = {
    from: Date.parse('2026-10-12T00:00:00Z') / 1000,
    to: Date.parse('2026-10-13T00:00:00Z') / 1000,
    precise: false,
  };
  const input = planInputFor({ ...site, goals }, query, range as never, { limit: 10, offset: 0 }, days);
  const rolled = planQuery(input);
  const raw = planRaw(input);
  const rows = async (plan: { sql: string; params: Record<string, unknown> }) =>
    (await execute(plan.sql, plan.params)).map((r) => [
      r.d0,
      Number(r.m_visitors),
      Number(r.m_events),
      r.m_total_revenue === undefined ? null : Number(r.m_total_revenue),
    ]);
  return { source: rolled.source, rolled: await rows(rolled), raw: await rows(raw) };
}

describe('configured goals from the rollups', () => {
  it('answer the goals panel as the raw plan does, counted by hand', async () => {
    const res = await query(PANEL);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results).toEqual(EXPECTED);
    const compared = await bothPlans(
      { metrics: ['visitors', 'events', 'total_revenue'], dimensions: ['event:goal'] },
      false,
    );
    expect(compared.source).toBe('goals');
    expect(compared.rolled).toEqual(compared.raw);
    expect(compared.rolled).toEqual([
      ['Purchase', 2, 3, 12.75],
      ['Signup', 2, 3, 0],
      ['Visit /pricing', 2, 3, 0],
    ]);
  });

  it('stay with raw events for a filter, and answer the same once the day is sealed', async () => {
    const filtered = await query({ ...PANEL, filters: [['is', 'event:page', ['/pricing']]] });
    expect(filtered.status).toBe(200);
    expect(filtered.body.results.map((r: { dimensions: string[] }) => r.dimensions[0])).toEqual([
      'Visit /pricing',
    ]);
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    expect((await query(PANEL)).body.results).toEqual(EXPECTED);
    const compared = await bothPlans(
      { metrics: ['visitors', 'events', 'total_revenue'], dimensions: ['event:goal'] },
      true,
    );
    expect(compared.source).toBe('goals');
    expect(compared.rolled).toEqual(compared.raw);
  });
});
