import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { sealDays } from '../../../functions/stats/seal';
import { maintenanceClickhouse } from '../../../workers/clickhouse/client';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { event, insertEvents, newSite, type StatsResponse, statsBatch, statsQuery } from './fixtures';

/**
 * Scroll depth and time on page per VISIT, as Plausible computes them (issue 15, point 6;
 * Plausible's lib/plausible/stats/sql/special_metrics.ex and its time-on-page tests):
 *
 * - scroll_depth of a group (a breakdown row, or the whole query): for each visit in the group, the
 *   maximum scroll_depth of its engagement events in the group; then the average over those visits,
 *   rounded. null when no visit of the group has an engagement event.
 * - time_on_page of a group: the sum of engaged_ms of the group's engagement events ÷ the number of
 *   visits with an engagement event in the group, in seconds, rounded. null when there is none.
 * - The group includes the query's dimensions: a visit with engagement on one page in two hours
 *   counts once in each hour's row, and once for the page over the whole day.
 *
 * One UTC day, 2026-10-08. Engagement pings are `eng(scroll %, engaged s)`. Hosts: shop.example
 * (S) and blog.example (B). Visitor 1 comes back for a second visit (V7).
 * | visit | visitor | host | country | events                                                          |
 * | V1    | 1       | S    | DE      | 09:00 pv /a, 09:01 eng(30, 10), 09:02 eng(60, 20), 09:03 eng(90, 5) |
 * | V2    | 2       | S    | DE      | 09:10 pv /a, 09:12 eng(40, 8), 09:15 pv /a, 09:20 eng(70, 13)    |
 * | V3    | 3       | S    | US      | 10:40 pv /b, 10:50 eng(50, 30), 11:05 eng(20, 40)  (two hours)   |
 * | V4    | 4       | B    | US      | 11:10 pv /b, 11:12 eng(80, 12), 11:15 pv /c, 11:20 eng(35, 25)   |
 * | V5    | 5       | S    | DE      | 12:00 pv /c, 12:01 eng(100, 3), 12:05 pv /none, 12:06 pv /a, 12:08 eng(10, 2) |
 * | V6    | 6       | B    | US      | 13:00 pv /none, 13:01 pv /c, 13:03 eng(45, 14), 13:04 eng(30, 1) |
 * | V7    | 1       | S    | DE      | 15:00 pv /a, 15:02 eng(25, 5)                                    |
 * /none has pageviews and never an engagement event.
 *
 * Per visit and page (max scroll, summed engaged seconds):
 * /a: V1 90/35, V2 70/21, V5 10/2, V7 25/5 · /b: V3 50/70, V4 80/12 · /c: V4 35/25, V5 100/3, V6 45/15
 *
 * No average below lands on a half, so ClickHouse's rounding of ties cannot decide a case.
 */
function dataset(site: number): EventRecord[] {
  const SHOP = 'shop.example';
  const BLOG = 'blog.example';
  // [visit number, visitor, hostname, country, events]; an event is [HH:MM, page] for a pageview
  // or [HH:MM, page, scroll %, engaged seconds] for an engagement ping.
  type Row = [string, string] | [string, string, number, number];
  const visits: [number, number, string, string, Row[]][] = [
    [
      1,
      1,
      SHOP,
      'DE',
      [
        ['09:00', '/a'],
        ['09:01', '/a', 30, 10],
        ['09:02', '/a', 60, 20],
        ['09:03', '/a', 90, 5],
      ],
    ],
    [
      2,
      2,
      SHOP,
      'DE',
      [
        ['09:10', '/a'],
        ['09:12', '/a', 40, 8],
        ['09:15', '/a'],
        ['09:20', '/a', 70, 13],
      ],
    ],
    [
      3,
      3,
      SHOP,
      'US',
      [
        ['10:40', '/b'],
        ['10:50', '/b', 50, 30],
        ['11:05', '/b', 20, 40],
      ],
    ],
    [
      4,
      4,
      BLOG,
      'US',
      [
        ['11:10', '/b'],
        ['11:12', '/b', 80, 12],
        ['11:15', '/c'],
        ['11:20', '/c', 35, 25],
      ],
    ],
    [
      5,
      5,
      SHOP,
      'DE',
      [
        ['12:00', '/c'],
        ['12:01', '/c', 100, 3],
        ['12:05', '/none'],
        ['12:06', '/a'],
        ['12:08', '/a', 10, 2],
      ],
    ],
    [
      6,
      6,
      BLOG,
      'US',
      [
        ['13:00', '/none'],
        ['13:01', '/c'],
        ['13:03', '/c', 45, 14],
        ['13:04', '/c', 30, 1],
      ],
    ],
    [
      7,
      1,
      SHOP,
      'DE',
      [
        ['15:00', '/a'],
        ['15:02', '/a', 25, 5],
      ],
    ],
  ];
  return visits.flatMap(([n, visitor, hostname, country, rows]) =>
    rows.map((row) => {
      const [time, pathname] = row;
      const base = { visitor, session: 1100 + n, hostname, country, pathname };
      const at = `2026-10-08T${time}:00Z`;
      if (row.length === 2) return event(site, at, base);
      const [, , scroll, seconds] = row;
      return event(site, at, {
        ...base,
        kind: 'engagement',
        name: 'engagement',
        interactive: 0,
        scroll_depth: scroll,
        engaged_ms: seconds * 1000,
      });
    }),
  );
}

const DAY = ['2026-10-08', '2026-10-08'];
const DAY_TIMES = ['2026-10-08T00:00:00', '2026-10-08T23:59:59'];
const RANGES = [
  ['whole days (hourly rollups)', DAY],
  ['a date-time range (raw events)', DAY_TIMES],
] as const;

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(dataset(site.id));
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

const ENGAGEMENT = ['visitors', 'pageviews', 'scroll_depth', 'time_on_page'];
const BY_PAGE = { metrics: ENGAGEMENT, dimensions: ['event:page'], order_by: [['event:page', 'asc']] };

/** [visitors, pageviews, scroll_depth, time_on_page] per page over the whole day. */
const PAGE_ROWS = [
  // Visitors 1, 2, 5 (visitor 1 twice: V1, V7); pageviews V1 1, V2 2, V5 1, V7 1.
  // Scroll (90 + 70 + 10 + 25) / 4 = 48.75 → 49; time (35 + 21 + 2 + 5) / 4 = 15.75 → 16.
  // (Per engagement event it would be 325 / 7 → 46 and 63 / 7 → 9.)
  { dimensions: ['/a'], metrics: [3, 5, 49, 16] },
  // V3 counts once over its two hours: max 50, 30 + 40 s. Scroll (50 + 80) / 2 = 65; time
  // (70 + 12) / 2 = 41. (Per event: 150 / 3 → 50 and 82 / 3 → 27.)
  { dimensions: ['/b'], metrics: [2, 2, 65, 41] },
  // V6 has two pings (max 45, 14 + 1 s). Scroll (35 + 100 + 45) / 3 = 60; time (25 + 3 + 15) / 3 =
  // 14.33 → 14. (Per event: 210 / 4 → 52 or 53 and 43 / 4 → 11.)
  { dimensions: ['/c'], metrics: [3, 3, 60, 14] },
  // Viewed by V5 and V6, never engaged: the row exists, both engagement metrics are null.
  { dimensions: ['/none'], metrics: [2, 2, null, null] },
];

describe('scroll depth and time on page per visit in a page breakdown', () => {
  for (const [name, range] of RANGES) {
    it(`${name}: max scroll and summed time per visit, averaged over the page's visits`, async () => {
      const res = await query({ ...BY_PAGE, date_range: range });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual(PAGE_ROWS);
    });
  }

  it('a batch (the dashboard) answers as the queries alone do', async () => {
    const [rollups, raw, total] = await batch([
      BY_PAGE,
      { ...BY_PAGE, date_range: DAY_TIMES },
      { metrics: ['visitors', 'pageviews'] },
    ]);
    expect(rollups?.results).toEqual(PAGE_ROWS);
    expect(raw?.results).toEqual(PAGE_ROWS);
    // Six visitors (visitor 1 twice), twelve pageviews.
    expect(total?.results).toEqual([{ dimensions: [], metrics: [6, 12] }]);
  });
});

/** [visitors, pageviews, scroll_depth, time_on_page] of the whole day under each page filter. */
const PAGE_FILTERS: [unknown[], (number | null)[]][] = [
  // The visits V1, V2, V5, V7 on /a, as the /a row of the breakdown.
  [[['is', 'event:page', ['/a']]], [3, 5, 49, 16]],
  // Per visit over both pages: V1 90/35, V2 70/21, V4 35/25 (/c), V5 max(100, 10)/(3 + 2),
  // V6 45/15, V7 25/5. Scroll 365 / 6 = 60.83 → 61; time 106 / 6 = 17.67 → 18.
  // Visitors 1, 2, 4, 5, 6; pageviews 5 + 3.
  [[['is', 'event:page', ['/a', '/c']]], [5, 8, 61, 18]],
  // Engagement not on /a: V3 50/70 (/b), V4 max(80, 35)/(12 + 25), V5 100/3 (/c), V6 45/15.
  // Scroll 275 / 4 = 68.75 → 69; time 125 / 4 = 31.25 → 31. Visitors 3, 4, 5, 6; pageviews 12 − 5.
  [[['is_not', 'event:page', ['/a']]], [4, 7, 69, 31]],
  // Every page: V1 90/35, V2 70/21, V3 50/70, V4 80/37, V5 100/5, V6 45/15, V7 25/5.
  // Scroll 460 / 7 = 65.71 → 66; time 188 / 7 = 26.86 → 27.
  [[['contains', 'event:page', ['/']]], [6, 12, 66, 27]],
  // /none only: pageviews, no engagement.
  [[['contains', 'event:page', ['n']]], [2, 2, null, null]],
  [[['is', 'event:page', ['/none']]], [2, 2, null, null]],
];

describe('scroll depth and time on page per visit under a page filter, without dimensions', () => {
  for (const [name, range] of RANGES) {
    it(`${name}: is one page, is two pages, is_not, contains, and a page never engaged`, async () => {
      for (const [filters, metrics] of PAGE_FILTERS) {
        const res = await query({ metrics: ENGAGEMENT, date_range: range, filters });
        expect({ filters, status: res.status, results: res.body.results }).toEqual({
          filters,
          status: 200,
          results: [{ dimensions: [], metrics }],
        });
      }
    });
  }
});

describe('the group includes every dimension of the query', () => {
  for (const [name, range] of RANGES) {
    it(`${name}: by hour and page, a visit engaged on a page in two hours counts in each hour`, async () => {
      const res = await query({
        ...BY_PAGE,
        date_range: range,
        dimensions: ['time:hour', 'event:page'],
        order_by: [
          ['time:hour', 'asc'],
          ['event:page', 'asc'],
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        // V1 90/35, V2 70/21: scroll 80, time 28. (Per event: 290 / 5 → 58, 56 / 5 → 11.)
        { dimensions: ['2026-10-08 09:00:00', '/a'], metrics: [2, 3, 80, 28] },
        // V3's ping at 10:50.
        { dimensions: ['2026-10-08 10:00:00', '/b'], metrics: [1, 1, 50, 30] },
        // V3's ping at 11:05 (no pageview this hour, so not a visitor of the row) and V4: scroll
        // (20 + 80) / 2 = 50, time (40 + 12) / 2 = 26.
        { dimensions: ['2026-10-08 11:00:00', '/b'], metrics: [1, 1, 50, 26] },
        { dimensions: ['2026-10-08 11:00:00', '/c'], metrics: [1, 1, 35, 25] },
        { dimensions: ['2026-10-08 12:00:00', '/a'], metrics: [1, 1, 10, 2] },
        { dimensions: ['2026-10-08 12:00:00', '/c'], metrics: [1, 1, 100, 3] },
        { dimensions: ['2026-10-08 12:00:00', '/none'], metrics: [1, 1, null, null] },
        // V6's two pings: max 45, 14 + 1 s.
        { dimensions: ['2026-10-08 13:00:00', '/c'], metrics: [1, 1, 45, 15] },
        { dimensions: ['2026-10-08 13:00:00', '/none'], metrics: [1, 1, null, null] },
        { dimensions: ['2026-10-08 15:00:00', '/a'], metrics: [1, 1, 25, 5] },
      ]);
    });
  }

  for (const [name, range] of RANGES) {
    it(`${name}: by page under a hostname filter`, async () => {
      const blog = await query({
        ...BY_PAGE,
        date_range: range,
        filters: [['is', 'event:hostname', ['blog.example']]],
      });
      expect(blog.status).toBe(200);
      expect(blog.body.results).toEqual([
        { dimensions: ['/b'], metrics: [1, 1, 80, 12] },
        // V4 35/25, V6 45/15: scroll 40, time 20. (Per event: 110 / 3 → 37, 41 / 3 → 14.)
        { dimensions: ['/c'], metrics: [2, 2, 40, 20] },
        { dimensions: ['/none'], metrics: [1, 1, null, null] },
      ]);
      const shop = await query({
        ...BY_PAGE,
        date_range: range,
        filters: [['is', 'event:hostname', ['shop.example']]],
      });
      expect(shop.body.results).toEqual([
        PAGE_ROWS[0],
        // V3 alone, once over its two hours: max 50, 30 + 40 s.
        { dimensions: ['/b'], metrics: [1, 1, 50, 70] },
        { dimensions: ['/c'], metrics: [1, 1, 100, 3] },
        { dimensions: ['/none'], metrics: [1, 1, null, null] },
      ]);
    });

    it(`${name}: by page under a visit filter`, async () => {
      const res = await query({ ...BY_PAGE, date_range: range, filters: [['is', 'visit:country', ['US']]] });
      expect(res.status).toBe(200);
      // US visits V3, V4, V6.
      expect(res.body.results).toEqual([
        // V3 50/70, V4 80/12, as the /b row of the whole site.
        PAGE_ROWS[1],
        // V4 35/25, V6 45/15: scroll 40, time 20.
        { dimensions: ['/c'], metrics: [2, 2, 40, 20] },
        { dimensions: ['/none'], metrics: [1, 1, null, null] },
      ]);
    });

    it(`${name}: by country under a page filter (per country, per visit)`, async () => {
      const res = await query({
        metrics: ['visitors', 'scroll_depth', 'time_on_page'],
        dimensions: ['visit:country'],
        date_range: range,
        filters: [['is', 'event:page', ['/b', '/c']]],
        order_by: [['visit:country', 'asc']],
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        // V5 on /c: 100/3.
        { dimensions: ['DE'], metrics: [1, 100, 3] },
        // V3 50/70, V4 max(80, 35)/(12 + 25), V6 45/15: scroll 175 / 3 = 58.33 → 58; time
        // 122 / 3 = 40.67 → 41. (Per event: 260 / 6 → 43, 122 / 6 → 20.)
        { dimensions: ['US'], metrics: [3, 58, 41] },
      ]);
    });
  }
});

describe('once the day is sealed', () => {
  it('the sealed day answers as the hourly rollups did, alone and in a batch', async () => {
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [site.id] });
    const res = await query(BY_PAGE);
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual(PAGE_ROWS);
    for (const [filters, metrics] of PAGE_FILTERS) {
      const filtered = await query({ metrics: ENGAGEMENT, filters });
      expect({ filters, results: filtered.body.results }).toEqual({
        filters,
        results: [{ dimensions: [], metrics }],
      });
    }
    const [sealed, total] = await batch([BY_PAGE, { metrics: ['visitors', 'pageviews'] }]);
    expect(sealed?.results).toEqual(PAGE_ROWS);
    expect(total?.results).toEqual([{ dimensions: [], metrics: [6, 12] }]);
  });
});

/**
 * A site in Europe/Berlin (UTC+2 in October): its days do not line up with the UTC days the seal
 * writes, so a local day is read from hours around the sealed days. The rule is the same: per visit
 * in the group, whatever hours or days the group spans. Pings are `eng(scroll %, engaged s)`.
 * | visit | UTC                                                              | local             |
 * | W1    | 10-08 22:50 pv /x, 22:55 eng(40, 10), 23:05 eng(60, 20)          | 10-09 00:50–01:05 |
 * | W2    | 10-09 10:00 pv /x, 10:01 eng(100, 50)                            | 10-09 12:00       |
 * | W3    | 10-09 21:50 pv /y, 21:55 eng(20, 5), 22:05 eng(70, 15), 22:06 pv /y, 22:08 eng(50, 6) | 10-09 23:50 – 10-10 00:08 |
 * (A visit never spans UTC midnight: the visitor id's salt changes there.)
 */
describe('a site whose days are not UTC days', () => {
  let berlin: SiteJson;
  const local = (body: Record<string, unknown>) =>
    statsQuery({ site_id: berlin.domain, ...BY_PAGE, ...body }, { cookie: owner.cookie });

  beforeAll(async () => {
    berlin = await newSite(owner, 'Europe/Berlin');
    const view = (visit: number, at: string, pathname: string) =>
      event(berlin.id, at, { visitor: visit, session: 1200 + visit, pathname });
    const ping = (visit: number, at: string, pathname: string, scroll: number, seconds: number) =>
      event(berlin.id, at, {
        visitor: visit,
        session: 1200 + visit,
        pathname,
        kind: 'engagement',
        name: 'engagement',
        interactive: 0,
        scroll_depth: scroll,
        engaged_ms: seconds * 1000,
      });
    await insertEvents([
      view(1, '2026-10-08T22:50:00Z', '/x'),
      ping(1, '2026-10-08T22:55:00Z', '/x', 40, 10),
      ping(1, '2026-10-08T23:05:00Z', '/x', 60, 20),
      view(2, '2026-10-09T10:00:00Z', '/x'),
      ping(2, '2026-10-09T10:01:00Z', '/x', 100, 50),
      view(3, '2026-10-09T21:50:00Z', '/y'),
      ping(3, '2026-10-09T21:55:00Z', '/y', 20, 5),
      ping(3, '2026-10-09T22:05:00Z', '/y', 70, 15),
      view(3, '2026-10-09T22:06:00Z', '/y'),
      ping(3, '2026-10-09T22:08:00Z', '/y', 50, 6),
    ]);
  });

  const CASES: [string, string[], { dimensions: string[]; metrics: (number | null)[] }[]][] = [
    [
      'local 10-09',
      ['2026-10-09', '2026-10-09'],
      [
        // W1 once over its two UTC hours (max 60, 10 + 20 s) and W2: scroll 80, time 40.
        // (W1 counted per hour: 200 / 3 → 67, 80 / 3 → 27.)
        { dimensions: ['/x'], metrics: [2, 2, 80, 40] },
        // W3's ping before local midnight only.
        { dimensions: ['/y'], metrics: [1, 1, 20, 5] },
      ],
    ],
    [
      'local 10-10',
      ['2026-10-10', '2026-10-10'],
      // W3 after local midnight: max(70, 50), 15 + 6 s.
      [{ dimensions: ['/y'], metrics: [1, 1, 70, 21] }],
    ],
    [
      'local 10-09 to 10-10',
      ['2026-10-09', '2026-10-10'],
      [
        { dimensions: ['/x'], metrics: [2, 2, 80, 40] },
        // W3 once over both local days: max 70, 5 + 15 + 6 s. (Per day: 90 / 2 → 45, 26 / 2 → 13.)
        { dimensions: ['/y'], metrics: [1, 2, 70, 26] },
      ],
    ],
  ];

  function check(rawToo: boolean) {
    return async () => {
      for (const [name, range, rows] of CASES) {
        const days = await local({ date_range: range });
        expect({ name, status: days.status, results: days.body.results }).toEqual({
          name,
          status: 200,
          results: rows,
        });
        if (!rawToo) continue;
        const [from, to] = range;
        const raw = await local({ date_range: [`${from}T00:00:00`, `${to}T23:59:59`] });
        expect({ name: `${name} (raw)`, results: raw.body.results }).toEqual({
          name: `${name} (raw)`,
          results: rows,
        });
      }
    };
  }

  it('by page over local days, from hourly rollups and from raw events', check(true));

  it('by page over local days once the UTC days are sealed', async () => {
    await sealDays(maintenanceClickhouse(testEnv), Date.now(), { sites: [berlin.id] });
    await check(false)();
  });
});
