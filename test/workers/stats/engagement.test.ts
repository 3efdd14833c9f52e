import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { event, insertEvents, newSite, statsQuery } from './fixtures';

/**
 * Exit rate (Plausible v2): per exit page, the visits that ended there ÷ the pageviews of that page
 * × 100, to one decimal. A UTC site, all on 2026-10-07; counted by hand:
 *
 * | visit | country | pages (in order)                                   | entry | exit        |
 * | V1    | DE      | /one, /two                                         | /one  | /two        |
 * | V2    | DE      | /one, /never-exit, (custom on /one), /one          | /one  | /one        |
 * | V3    | US      | /one                                               | /one  | /one        |
 * | V4    | US      | /two, /one                                         | /two  | /one        |
 * | V5    | DE      | /two, /three                                       | /two  | /three      |
 *
 * Pageviews: /one 5 (V1, V2 twice, V3, V4), /two 3 (V1, V4, V5), /three 1, /never-exit 1.
 * Exits: /one 3 (V2, V3, V4) → 60; /two 1 (V1) → 33.3; /three 1 (V5) → 100; /never-exit none.
 */
function exitDataset(site: number): EventRecord[] {
  const at = (time: string) => `2026-10-07T${time}Z`;
  const view = (visit: number, country: string, time: string, pathname: string) =>
    event(site, at(time), { visitor: visit, session: 300 + visit, country, pathname });
  return [
    view(1, 'DE', '10:00:00', '/one'),
    view(1, 'DE', '10:10:00', '/two'),
    view(2, 'DE', '10:00:00', '/one'),
    view(2, 'DE', '10:01:00', '/never-exit'),
    event(site, at('10:02:00'), {
      visitor: 2,
      session: 302,
      country: 'DE',
      pathname: '/one',
      kind: 'custom',
      name: 'a',
    }),
    view(2, 'DE', '10:10:00', '/one'),
    view(3, 'US', '11:00:00', '/one'),
    view(4, 'US', '12:00:00', '/two'),
    view(4, 'US', '12:05:00', '/one'),
    view(5, 'DE', '13:00:00', '/two'),
    view(5, 'DE', '13:01:00', '/three'),
  ];
}

const DAY = ['2026-10-07', '2026-10-07'];
/** The same day as a date-time range: answered from raw events. */
const DAY_TIMES = ['2026-10-07T00:00:00', '2026-10-07T23:59:59'];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(exitDataset(site.id));
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

const BY_EXIT = { dimensions: ['visit:exit_page'], metrics: ['visits', 'exit_rate'] };

describe('exit_rate', () => {
  for (const [name, range] of [
    ['from the rollups (a day)', DAY],
    ['from raw events (a date-time range)', DAY_TIMES],
  ] as const) {
    it(`${name}: exits ÷ pageviews of the page, to one decimal`, async () => {
      const res = await query({ ...BY_EXIT, date_range: range, order_by: [['exit_rate', 'desc']] });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        { dimensions: ['/three'], metrics: [1, 100] },
        { dimensions: ['/one'], metrics: [3, 60] },
        { dimensions: ['/two'], metrics: [1, 33.3] },
      ]);
    });

    it(`${name}: a filter on the exit page leaves the pageviews of the page whole (Plausible)`, async () => {
      const res = await query({
        ...BY_EXIT,
        date_range: range,
        filters: [['is', 'visit:exit_page', ['/one']]],
      });
      expect(res.body.results).toEqual([{ dimensions: ['/one'], metrics: [3, 60] }]);
    });

    it(`${name}: other visit filters apply to the pageviews too`, async () => {
      // Entry /one: V1, V2, V3. Pageviews of /one in them 4, exits on /one (V2, V3) 2.
      const entry = await query({
        ...BY_EXIT,
        date_range: range,
        filters: [
          ['is', 'visit:exit_page', ['/one']],
          ['is', 'visit:entry_page', ['/one']],
        ],
      });
      expect(entry.body.results).toEqual([{ dimensions: ['/one'], metrics: [2, 50] }]);
      // US: V3, V4. /one: 2 pageviews, 2 exits.
      const us = await query({ ...BY_EXIT, date_range: range, filters: [['is', 'visit:country', ['US']]] });
      expect(us.body.results).toEqual([{ dimensions: ['/one'], metrics: [2, 100] }]);
    });
  }

  it('has no value for an exit page without pageviews in the range (Plausible: null)', async () => {
    // 10:00–10:05 (raw events): V1 viewed /one there and left from /two at 10:10, V2 viewed /one
    // and /never-exit and left from /one at 10:10. /one: 1 exit of its 2 pageviews in the range;
    // /two: 1 exit, no pageview in the range.
    const res = await query({ ...BY_EXIT, date_range: ['2026-10-07T10:00:00', '2026-10-07T10:05:00'] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { dimensions: ['/one'], metrics: [1, 50] },
      { dimensions: ['/two'], metrics: [1, null] },
    ]);
  });

  it('changes by its percentage change in a comparison (Plausible: 100 from nothing)', async () => {
    const res = await query({
      ...BY_EXIT,
      metrics: ['exit_rate'],
      filters: [['is', 'visit:exit_page', ['/two']]],
      include: { comparisons: { mode: 'custom', date_range: ['2026-10-06', '2026-10-06'] } },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      {
        dimensions: ['/two'],
        metrics: [33.3],
        comparison: { dimensions: ['/two'], metrics: [0], change: [100] },
      },
    ]);
  });

  it('answers the same in a batch beside other panels, and once the day is sealed', async () => {
    const ask = { site_id: site.domain, date_range: DAY, ...BY_EXIT, order_by: [['exit_rate', 'desc']] };
    const before = await query(ask);
    expect(before.body.results.map((r) => r.metrics[1])).toEqual([100, 60, 33.3]);
    const batch = async () => {
      const res = await workerFetch('/api/v2/query/batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: owner.cookie },
        body: JSON.stringify({
          queries: [{ ...ask, dimensions: [], metrics: ['visitors'], order_by: [] }, ask],
        }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: { results: unknown[] }[] }).results.map((r) => r.results);
    };
    expect(await batch()).toEqual([[{ dimensions: [], metrics: [5] }], before.body.results]);
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    expect((await query(ask)).body.results).toEqual(before.body.results);
    expect(await batch()).toEqual([[{ dimensions: [], metrics: [5] }], before.body.results]);

    // A later day that is not sealed adds to the sealed one: V6 views /one and leaves. /one then
    // has 6 pageviews and 4 exits (66.7); the raw plan (a date-time range) never reads sealed days.
    await insertEvents([
      event(site.id, '2026-10-08T09:00:00Z', { visitor: 6, session: 306, pathname: '/one' }),
    ]);
    const two = (date_range: string[]) => query({ ...ask, date_range });
    const mixed = await two(['2026-10-07', '2026-10-08']);
    const raw = await two(['2026-10-07T00:00:00', '2026-10-08T23:59:59']);
    expect(mixed.body.results).toEqual([
      { dimensions: ['/three'], metrics: [1, 100] },
      { dimensions: ['/one'], metrics: [4, 66.7] },
      { dimensions: ['/two'], metrics: [1, 33.3] },
    ]);
    expect(raw.body.results).toEqual(mixed.body.results);
    const filtered = await query({
      ...ask,
      date_range: ['2026-10-07', '2026-10-08'],
      filters: [['is', 'visit:exit_page', ['/one', '/two']]],
    });
    expect(filtered.body.results).toEqual(mixed.body.results.slice(1));
  });

  it('needs visit:exit_page as its only dimension and no event filter (Plausible)', async () => {
    for (const body of [
      { metrics: ['exit_rate'] },
      { metrics: ['exit_rate'], dimensions: ['visit:entry_page'] },
      { metrics: ['exit_rate'], dimensions: ['visit:exit_page', 'time:day'] },
      { ...BY_EXIT, filters: [['is', 'event:page', ['/one']]] },
    ]) {
      const res = await query(body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'invalid_query',
      });
    }
  });
});

/**
 * Visit durations in buckets (`visit:duration_bucket`, values the lower bound in seconds). The
 * visits above last V1 600 s, V2 600 s, V3 0 s, V4 300 s, V5 60 s.
 */
describe('visit duration distribution', () => {
  const BY_DURATION = {
    dimensions: ['visit:duration_bucket'],
    metrics: ['visits', 'visitors'],
    order_by: [['visit:duration_bucket', 'asc']],
  };
  const BUCKETS = [
    { dimensions: ['0'], metrics: [1, 1] },
    { dimensions: ['180'], metrics: [1, 1] },
    { dimensions: ['60'], metrics: [1, 1] },
    { dimensions: ['600'], metrics: [2, 2] },
  ];

  for (const [name, range] of [
    ['from the rollups (a day)', DAY],
    ['from raw events (a date-time range)', DAY_TIMES],
  ] as const) {
    it(`${name}: visits per bucket`, async () => {
      const res = await query({ ...BY_DURATION, date_range: range });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual(BUCKETS);
    });
  }

  it('a bucket filters like any visit dimension', async () => {
    const res = await query({
      metrics: ['visits', 'pageviews'],
      filters: [['is', 'visit:duration_bucket', ['600']]],
    });
    expect(res.body.results).toEqual([{ dimensions: [], metrics: [2, 5] }]);
    const pages = await query({
      metrics: ['visitors'],
      dimensions: ['event:page'],
      filters: [['is', 'visit:duration_bucket', ['0', '60']]],
    });
    // V3 (/one) and V5 (/two, /three).
    expect(pages.body.results).toEqual([
      { dimensions: ['/one'], metrics: [1] },
      { dimensions: ['/three'], metrics: [1] },
      { dimensions: ['/two'], metrics: [1] },
    ]);
  });
});
