import { beforeAll, describe, expect, it } from 'vitest';
import { goalTabs } from '../../../dashboard/src/components/goal-tabs';
import { tabMetrics } from '../../../dashboard/src/components/panel-tab';
import { withoutEmptyMoney } from '../../../dashboard/src/components/revenue-columns';
import {
  breakdownQuery,
  type QueryResponse,
  type View,
  withPlainNumbers,
} from '../../../dashboard/src/stats';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite } from '../stats/fixtures';

/**
 * The dashboard's goals panel as it asks and shows: revenue columns for revenue goals, none for a
 * site without them. One day; V1 buys for 12.50 EUR and 7.50 EUR, V2 signs up, V3 buys in USD.
 */
const VIEW: View = { range: { period: 'custom', from: '2026-10-15', to: '2026-10-15' }, chips: [] };

let owner: TestAccount;
let withRevenue: SiteJson;
let withoutGoals: SiteJson;

function events(site: number) {
  const at = (time: string) => `2026-10-15T${time}Z`;
  const buy = (v: number, time: string, amount: string, currency: string) =>
    event(site, at(time), {
      visitor: 800 + v,
      session: 8800 + v,
      kind: 'custom',
      name: 'Purchase',
      revenue_amount: amount,
      revenue_currency: currency,
    });
  return [
    event(site, at('09:00:00'), { visitor: 801, session: 8801, pathname: '/' }),
    buy(1, '09:01:00', '12.5', 'EUR'),
    buy(1, '09:02:00', '7.5', 'EUR'),
    event(site, at('10:00:00'), { visitor: 802, session: 8802, pathname: '/' }),
    event(site, at('10:01:00'), { visitor: 802, session: 8802, kind: 'custom', name: 'Signup' }),
    event(site, at('11:00:00'), { visitor: 803, session: 8803, pathname: '/' }),
    buy(3, '11:01:00', '9', 'USD'),
  ];
}

beforeAll(async () => {
  owner = await signUp();
  withRevenue = await newSite(owner, 'UTC');
  withoutGoals = await newSite(owner, 'UTC');
  await insertEvents([...events(withRevenue.id), ...events(withoutGoals.id)]);
  for (const body of [
    { kind: 'revenue', event_name: 'Purchase', currency: 'EUR' },
    { kind: 'event', event_name: 'Signup' },
  ]) {
    const res = await call('POST', `/api/sites/${withRevenue.id}/goals`, { as: owner, body });
    expect(res.status).toBe(201);
  }
});

/** The goals tab's query in a batch beside the KPI totals, shaped as the panel shows it. */
async function goalsPanel(site: SiteJson, hasGoals: boolean) {
  const tab = goalTabs('_', hasGoals)[0];
  if (!tab) throw new Error('no goals tab');
  const { metrics, columns } = tabMetrics(tab, VIEW);
  const res = await workerFetch('/api/v2/query/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie },
    body: JSON.stringify({
      queries: [
        { site_id: site.domain, metrics: ['visitors'], date_range: ['2026-10-15', '2026-10-15'] },
        { site_id: site.domain, ...breakdownQuery(VIEW, tab.dimension, metrics) },
      ],
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: (QueryResponse & { status: number })[] };
  const answer = body.results[1];
  expect(answer?.status).toBe(200);
  const rows = withPlainNumbers(answer as QueryResponse).results;
  return withoutEmptyMoney(metrics, columns, rows);
}

describe('the goals panel', () => {
  it('shows revenue and average revenue for a revenue goal, in its currency', async () => {
    const shown = await goalsPanel(withRevenue, true);
    expect(shown.columns).toEqual(['Visitors', 'Events', 'Conversion rate', 'Revenue', 'Average revenue']);
    // Purchase: V1 and V3 (V3's USD adds no EUR), 3 events, 2 of 3 visitors (one decimal, as Plausible); 20 EUR over 2.
    expect(shown.rows).toEqual([
      {
        dimensions: ['Purchase'],
        metrics: [2, 3, 66.7, 20, 10],
        currencies: [null, null, null, 'EUR', 'EUR'],
      },
      { dimensions: ['Signup'], metrics: [1, 1, 33.3, null, null] },
    ]);
  });

  it('leaves the revenue columns out for a site without revenue goals', async () => {
    const shown = await goalsPanel(withoutGoals, false);
    expect(shown.columns).toEqual(['Visitors', 'Events', 'Conversion rate']);
    expect(shown.rows.map((r) => [r.dimensions, r.metrics])).toEqual([
      [['Purchase'], [2, 3, 66.7]],
      [['Signup'], [1, 1, 33.3]],
    ]);
  });
});
