import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { event, insertEvents, newSite, type StatsResponse, statsQuery } from './fixtures';

/**
 * `conversion_rate` as Plausible v2 documents and computes it (issue 15, point 6): the converting
 * visitors of a row ÷ the visitors of the whole range "calculated across all dimensions", with the
 * query's filters except the top-level `event:goal` and `event:props:*` ones, to one decimal
 * (Plausible's SpecialMetrics: `round(visitors / total_visitors * 100, 1)`; its own test: a goal
 * filtered breakdown by a custom property answers 3 of 8 visitors as 37.5).
 *
 * Nine visitors on 2026-10-05 (UTC), one pageview of / each; visitors 1–4 from DE, 5–9 from US.
 * Signup: visitors 1, 2, 3 with plan=pro, 4 and 5 with plan=free, 6 without a plan.
 */
function signups(site: number): EventRecord[] {
  const plans: Record<number, string | null> = {
    1: 'pro',
    2: 'pro',
    3: 'pro',
    4: 'free',
    5: 'free',
    6: null,
  };
  return [1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => {
    const who = { visitor: n, session: 700 + n, country: n <= 4 ? 'DE' : 'US' };
    const rows = [event(site, `2026-10-05T1${n % 10}:00:00Z`, { ...who, pathname: '/' })];
    if (n in plans) {
      const plan = plans[n];
      rows.push(
        event(site, `2026-10-05T1${n % 10}:01:00Z`, {
          ...who,
          pathname: '/',
          kind: 'custom',
          name: 'Signup',
          props: plan ? { plan } : {},
        }),
      );
    }
    return rows;
  });
}

const DAY = ['2026-10-05', '2026-10-05'];
const SIGNUP = ['is', 'event:goal', ['Signup']];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(signups(site.id));
});

function query(body: Record<string, unknown>): Promise<StatsResponse> {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

const CASES: [string, Record<string, unknown>, { dimensions: string[]; metrics: number[] }[]][] = [
  [
    'per goal: 6 of 9, to one decimal',
    { metrics: ['visitors', 'conversion_rate'], dimensions: ['event:goal'] },
    [{ dimensions: ['Signup'], metrics: [6, 66.7] }],
  ],
  [
    'by a custom property under a goal filter: each row over all 9 visitors',
    { metrics: ['visitors', 'conversion_rate'], dimensions: ['event:props:plan'], filters: [SIGNUP] },
    [
      { dimensions: ['pro'], metrics: [3, 33.3] },
      { dimensions: ['free'], metrics: [2, 22.2] },
      { dimensions: ['(none)'], metrics: [1, 11.1] },
    ],
  ],
  [
    'by country under a goal filter: over all visitors, not those of the country',
    { metrics: ['visitors', 'conversion_rate'], dimensions: ['visit:country'], filters: [SIGNUP] },
    [
      { dimensions: ['DE'], metrics: [4, 44.4] },
      { dimensions: ['US'], metrics: [2, 22.2] },
    ],
  ],
  [
    'a top-level property filter leaves the divisor, as the goal filter does',
    { metrics: ['visitors', 'conversion_rate'], filters: [SIGNUP, ['is', 'event:props:plan', ['pro']]] },
    [{ dimensions: [], metrics: [3, 33.3] }],
  ],
  [
    'other filters stay in the divisor: US visitors 5 of 9, Signup 5 and 6',
    { metrics: ['visitors', 'conversion_rate'], filters: [SIGNUP, ['is', 'visit:country', ['US']]] },
    [{ dimensions: [], metrics: [2, 40] }],
  ],
];

describe("conversion_rate: Plausible's divisor, the range's visitors across all dimensions", () => {
  for (const [name, body, results] of CASES) {
    it(name, async () => {
      // Whole days (rollups where they can) and a date-time range (raw events) alike.
      for (const date_range of [DAY, ['2026-10-05T00:00:00', '2026-10-05T23:59:59']]) {
        const res = await query({ ...body, date_range });
        expect({ date_range, status: res.status, results: res.body.results }).toEqual({
          date_range,
          status: 200,
          results,
        });
      }
    });
  }

  it('answers the same in a batch', async () => {
    const res = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({
        queries: CASES.map(([, body]) => ({ site_id: site.domain, date_range: DAY, ...body })),
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: { status: number; results: unknown[] }[] };
    expect(body.results.map((r) => [r.status, r.results])).toEqual(
      CASES.map(([, , results]) => [200, results]),
    );
  });
});

describe('group_conversion_rate: the converting visitors of a row ÷ the visitors of that row', () => {
  it('divides by the row’s visitors without the goal and top-level property filters', async () => {
    const metrics = ['visitors', 'conversion_rate', 'group_conversion_rate'];
    // DE: visitors 1–4 all converted; US: 5 and 6 of 5, 9.
    const countries = await query({ metrics, dimensions: ['visit:country'], filters: [SIGNUP] });
    expect(countries.body.results).toEqual([
      { dimensions: ['DE'], metrics: [4, 44.4, 100] },
      { dimensions: ['US'], metrics: [2, 22.2, 40] },
    ]);
    // A property row's visitors are those with an event of that value: every visitor's pageview
    // has no plan, so (none) divides by all 9.
    const plans = await query({ metrics, dimensions: ['event:props:plan'], filters: [SIGNUP] });
    expect(plans.body.results).toEqual([
      { dimensions: ['pro'], metrics: [3, 33.3, 100] },
      { dimensions: ['free'], metrics: [2, 22.2, 100] },
      { dimensions: ['(none)'], metrics: [1, 11.1, 11.1] },
    ]);
  });

  it('by goal alone equals conversion_rate, in a batch too; may order; needs a goal', async () => {
    const byGoal = { metrics: ['visitors', 'group_conversion_rate'], dimensions: ['event:goal'] };
    const alone = await query(byGoal);
    expect(alone.body.results).toEqual([{ dimensions: ['Signup'], metrics: [6, 66.7] }]);
    const res = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({
        queries: [
          { site_id: site.domain, date_range: DAY, metrics: ['visitors'] },
          { site_id: site.domain, date_range: DAY, ...byGoal },
        ],
      }),
    });
    const body = (await res.json()) as { results: { results: unknown[] }[] };
    expect(body.results[1]?.results).toEqual(alone.body.results);
    const ordered = await query({
      metrics: ['visitors', 'group_conversion_rate'],
      dimensions: ['visit:country'],
      filters: [SIGNUP],
      order_by: [['group_conversion_rate', 'asc']],
    });
    expect(ordered.status).toBe(200);
    const refused = await query({ metrics: ['group_conversion_rate'] });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/^metrics\[0\]: group_conversion_rate needs event:goal/);
  });
});
