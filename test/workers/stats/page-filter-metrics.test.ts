import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { event, insertEvents, newSite, type StatsResponse, statsBatch, statsQuery } from './fixtures';

/**
 * Plausible's rules for visit metrics under a page (issue 15, points 1 and 2), hand-counted:
 *
 * - With a top-level `event:page` filter, `bounce_rate` is over the visits that ENTERED on a
 *   matching page (Plausible's session metric: `sumIf(is_bounce, <filter on entry_page>)`);
 *   `visits` and `visit_duration` stay over every visit that has a matching event.
 * - In an `event:page` breakdown, `bounce_rate` and `visit_duration` of a page come from the
 *   visits that entered on it (Plausible breaks the sessions down by `visit:entry_page`); a page
 *   that was never an entry page answers 0 for both.
 *
 * One UTC day, 2026-10-05:
 * | visit | visitor | pages (minutes after the hour)    | entry | bounce | duration | country |
 * | V1    | 1       | 10:00 /a, 10:05 /b                | /a    | no     | 300 s    | DE      |
 * | V2    | 2       | 11:00 /a                          | /a    | yes    | 0 s      | DE      |
 * | V3    | 3       | 12:00 /b, 12:10 /a, 12:20 /c      | /b    | no     | 1200 s   | US      |
 * | V4    | 4       | 13:00 /b                          | /b    | yes    | 0 s      | US      |
 * | V5    | 5       | 14:00 /c, 14:02 /b                | /c    | no     | 120 s    | DE      |
 * | V6    | 6       | 15:00 /c, 15:01 /d                | /c    | no     | 60 s     | DE      |
 * /d is never an entry page.
 */
function pages(site: number): EventRecord[] {
  const visits: [number, string, [string, string][]][] = [
    [
      1,
      'DE',
      [
        ['10:00', '/a'],
        ['10:05', '/b'],
      ],
    ],
    [2, 'DE', [['11:00', '/a']]],
    [
      3,
      'US',
      [
        ['12:00', '/b'],
        ['12:10', '/a'],
        ['12:20', '/c'],
      ],
    ],
    [4, 'US', [['13:00', '/b']]],
    [
      5,
      'DE',
      [
        ['14:00', '/c'],
        ['14:02', '/b'],
      ],
    ],
    [
      6,
      'DE',
      [
        ['15:00', '/c'],
        ['15:01', '/d'],
      ],
    ],
  ];
  return visits.flatMap(([n, country, views]) =>
    views.map(([time, pathname]) =>
      event(site, `2026-10-05T${time}:00Z`, { visitor: n, session: 900 + n, pathname, country }),
    ),
  );
}

const DAY = ['2026-10-05', '2026-10-05'];
const DAY_TIMES = ['2026-10-05T00:00:00', '2026-10-05T23:59:59'];
const RANGES = [
  ['whole days', DAY],
  ['a date-time range (raw events)', DAY_TIMES],
] as const;

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(pages(site.id));
});

function query(body: Record<string, unknown>): Promise<StatsResponse> {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

function batch(queries: Record<string, unknown>[]): Promise<StatsResponse['body'][]> {
  return statsBatch(
    queries.map((q) => ({ site_id: site.domain, date_range: DAY, ...q })),
    owner.cookie,
  );
}

const TOTALS = ['visitors', 'visits', 'bounce_rate', 'visit_duration'];

describe('bounce rate under a page filter: the visits that entered on the page', () => {
  for (const [name, range] of RANGES) {
    it(`${name}: is, is_not, contains, several values`, async () => {
      const cases: [unknown[], number[]][] = [
        // Containing /a: V1, V2, V3 (duration (300 + 0 + 1200) / 3); entered on /a: V1, V2 → 1 of 2.
        [[['is', 'event:page', ['/a']]], [3, 3, 50, 500]],
        // Containing /b: V1, V3, V4, V5 (1620 / 4 = 405); entered on /b: V3, V4 → 1 of 2.
        [[['is', 'event:page', ['/b']]], [4, 4, 50, 405]],
        // Some event not on /a: V1, V3, V4, V5, V6 (1680 / 5 = 336); entry not /a: V3, V4, V5, V6 → 1 of 4.
        [[['is_not', 'event:page', ['/a']]], [5, 5, 25, 336]],
        // Every visit; every entry page contains "/": V2, V4 of 6.
        [[['contains', 'event:page', ['/']]], [6, 6, 33, 280]],
        // Entered on /a or /c: V1, V2, V5, V6 → 1 of 4; containing /a or /c: all but V4 (1680 / 5).
        [[['is', 'event:page', ['/a', '/c']]], [5, 5, 25, 336]],
      ];
      for (const [filters, metrics] of cases) {
        const res = await query({ metrics: TOTALS, date_range: range, filters });
        expect({ filters, status: res.status, results: res.body.results }).toEqual({
          filters,
          status: 200,
          results: [{ dimensions: [], metrics }],
        });
      }
    });

    it(`${name}: a page that is never an entry page has a bounce rate of 0`, async () => {
      // V6 contains /d (60 s), entered on /c.
      const res = await query({
        metrics: TOTALS,
        date_range: range,
        filters: [['is', 'event:page', ['/d']]],
      });
      expect(res.body.results).toEqual([{ dimensions: [], metrics: [1, 1, 0, 60] }]);
      const none = await query({
        metrics: TOTALS,
        date_range: range,
        filters: [['is', 'event:page', ['/x']]],
      });
      expect(none.body.results).toEqual([{ dimensions: [], metrics: [0, 0, 0, 0] }]);
    });
  }

  it('only a top-level page filter restricts the entry (Plausible reads the first top-level one)', async () => {
    // ["not", …] is no top-level page condition: every visit with an event not on /a counts (V4 of 5).
    const res = await query({ metrics: TOTALS, filters: [['not', ['is', 'event:page', ['/a']]]] });
    expect(res.body.results).toEqual([{ dimensions: [], metrics: [5, 5, 20, 336] }]);
  });

  it('applies per time bucket and per visit dimension', async () => {
    // /a by hour: 10 h V1 (entered, no bounce), 11 h V2 (entered, bounce), 12 h V3 (not entered: 0).
    const hours = await query({
      metrics: ['visits', 'bounce_rate', 'visit_duration'],
      dimensions: ['time:hour'],
      filters: [['is', 'event:page', ['/a']]],
    });
    expect(hours.body.results).toEqual([
      { dimensions: ['2026-10-05 10:00:00'], metrics: [1, 0, 300] },
      { dimensions: ['2026-10-05 11:00:00'], metrics: [1, 100, 0] },
      { dimensions: ['2026-10-05 12:00:00'], metrics: [1, 0, 1200] },
    ]);
    // /b by country: DE V1, V5 (neither entered on /b: 0); US V3, V4 (both did: 1 of 2).
    const countries = await query({
      metrics: ['visits', 'bounce_rate', 'visit_duration'],
      dimensions: ['visit:country'],
      filters: [['is', 'event:page', ['/b']]],
    });
    expect(countries.body.results).toEqual([
      { dimensions: ['DE'], metrics: [2, 0, 210] },
      { dimensions: ['US'], metrics: [2, 50, 600] },
    ]);
  });

  it('the same as a visit:entry_page filter from the visit rollup, in a batch as alone', async () => {
    const page = { metrics: ['bounce_rate'], filters: [['is', 'event:page', ['/b']]] };
    const entry = { metrics: ['bounce_rate'], filters: [['is', 'visit:entry_page', ['/b']]] };
    const [alone, fromEntry] = await Promise.all([query(page), query(entry)]);
    expect(alone.body.results).toEqual([{ dimensions: [], metrics: [50] }]);
    expect(fromEntry.body.results).toEqual(alone.body.results);
    const [batched, batchedEntry] = await batch([page, entry]);
    expect(batched?.results).toEqual(alone.body.results);
    expect(batchedEntry?.results).toEqual(alone.body.results);
  });
});

const BY_PAGE = { metrics: TOTALS, dimensions: ['event:page'] };
/** Visitors and visits that saw each page; bounce rate and duration of the visits that entered on it. */
const PAGE_ROWS = [
  // /b: V1, V3, V4, V5; entered V3 (1200 s), V4 (bounce).
  { dimensions: ['/b'], metrics: [4, 4, 50, 600] },
  // /a: V1, V2, V3; entered V1 (300 s), V2 (bounce).
  { dimensions: ['/a'], metrics: [3, 3, 50, 150] },
  // /c: V3, V5, V6; entered V5 (120 s), V6 (60 s).
  { dimensions: ['/c'], metrics: [3, 3, 0, 90] },
  // /d: V6 only, never an entry page.
  { dimensions: ['/d'], metrics: [1, 1, 0, 0] },
];

describe('bounce rate and visit duration in an event:page breakdown: the visits that entered on each page', () => {
  for (const [name, range] of RANGES) {
    it(`${name}: by page, a page never entered answers 0 and 0`, async () => {
      const res = await query({ ...BY_PAGE, date_range: range });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual(PAGE_ROWS);
    });

    it(`${name}: with a visit filter and with a page filter`, async () => {
      // US: V3, V4. /b entered by both; /a and /c seen by V3, entered by neither.
      const us = await query({ ...BY_PAGE, date_range: range, filters: [['is', 'visit:country', ['US']]] });
      expect(us.body.results).toEqual([
        { dimensions: ['/b'], metrics: [2, 2, 50, 600] },
        { dimensions: ['/a'], metrics: [1, 1, 0, 0] },
        { dimensions: ['/c'], metrics: [1, 1, 0, 0] },
      ]);
      const some = await query({
        ...BY_PAGE,
        date_range: range,
        filters: [['is', 'event:page', ['/a', '/d']]],
      });
      expect(some.body.results).toEqual([PAGE_ROWS[1], PAGE_ROWS[3]]);
    });
  }

  it('equals the visit:entry_page breakdown of the visit rollup, in a batch, and once the day is sealed', async () => {
    const byEntry = { metrics: ['bounce_rate', 'visit_duration'], dimensions: ['visit:entry_page'] };
    const entryRows = [
      { dimensions: ['/a'], metrics: [50, 150] },
      { dimensions: ['/b'], metrics: [50, 600] },
      { dimensions: ['/c'], metrics: [0, 90] },
    ];
    const asked = { ...byEntry, order_by: [['visit:entry_page', 'asc']] };
    const byPage = {
      ...BY_PAGE,
      metrics: ['bounce_rate', 'visit_duration'],
      order_by: [['event:page', 'asc']],
    };
    const pageRows = [...entryRows, { dimensions: ['/d'], metrics: [0, 0] }];
    expect((await query(asked)).body.results).toEqual(entryRows);
    expect((await query(byPage)).body.results).toEqual(pageRows);
    const [batchedEntry, batchedPage, batchedFilter] = await batch([asked, byPage, BY_PAGE]);
    expect(batchedEntry?.results).toEqual(entryRows);
    expect(batchedPage?.results).toEqual(pageRows);
    expect(batchedFilter?.results).toEqual(PAGE_ROWS);

    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    expect((await query(asked)).body.results).toEqual(entryRows);
    expect((await query(byPage)).body.results).toEqual(pageRows);
    expect((await query(BY_PAGE)).body.results).toEqual(PAGE_ROWS);
    const [sealedEntry, sealedPage] = await batch([asked, byPage]);
    expect(sealedEntry?.results).toEqual(entryRows);
    expect(sealedPage?.results).toEqual(pageRows);
  });
});
