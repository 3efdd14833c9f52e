import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { event, insertEvents, newSite, statsQuery } from './fixtures';

/**
 * Answers that must read as Plausible's Stats API v2 reads them, from Plausible's own rules
 * (plausible/analytics: lib/plausible/stats/sql/expression.ex for labels, sql/where_builder.ex for
 * filters, query_optimizer.ex for the default order; docs: stats-api.md "order_by"):
 *
 * - a visit without a value is labelled `(not set)` (UTM tags, device, browser, OS and their
 *   versions) or `Direct / None` (source, referrer); locations answer the stored value;
 * - `is` / `is_not` with `(not set)` mean the empty value, and so does `Direct / None` for
 *   sources, referrers and UTM tags; `contains` and `matches` test the stored value (an empty one
 *   contains nothing);
 * - an event without a custom property is `(none)`: `is ["(none)"]` keeps it and `is_not` keeps it
 *   unless `(none)` is among the values, but `contains`, `contains_not`, `matches` and
 *   `matches_not` only ever keep events that have the property;
 * - with no `order_by`, rows go by time first (when there is a time dimension), then by the
 *   first metric asked, highest first.
 *
 * The site (UTC), on 2026-10-05, counted by hand:
 * | visit | visitor | hour  | pages               | custom                 | source     | utm_source | device  | browser   | os          | country |
 * | V1    | 1       | 10:00 | /                   | Signup {plan: pro}     | Newsletter | news       | Desktop | Chrome 120| Windows 11  | DE      |
 * | V2    | 2       | 11:00 | /, /a, /b, /c, /d   | Signup (no props)      | –          | –          | –       | –         | –           | –       |
 * | V3    | 3       | 12:00 | /pricing            | Signup {plan: free}    | Google     | –          | Mobile  | Safari 17 | iOS 17      | US      |
 * | V5    | 5       | 12:30 | /pricing            | –                      | Google     | –          | Mobile  | Safari 17 | iOS 17      | US      |
 * | V6    | 6       | 12:40 | /                   | –                      | Google     | –          | Desktop | Chrome 120| Windows 11  | DE      |
 * | V4    | 4       | 13:00 | /pricing            | –                      | –          | –          | Mobile  | Safari 17 | iOS 17      | US      |
 * So: 6 visitors, 10 pageviews, 13 events. The day before, V0 (visitor 7, /, nothing set).
 */
function parityDataset(site: number): EventRecord[] {
  const desktop = {
    device: 'Desktop',
    browser: 'Chrome',
    browser_version: '120',
    os: 'Windows',
    os_version: '11',
    country: 'DE',
  };
  const mobile = {
    device: 'Mobile',
    browser: 'Safari',
    browser_version: '17',
    os: 'iOS',
    os_version: '17',
    country: 'US',
  };
  const google = { referrer: 'www.google.com', referrer_source: 'Google', channel: 'Organic Search' };
  const v1 = {
    visitor: 1,
    session: 11,
    ...desktop,
    referrer: 'news.example/issue-1',
    referrer_source: 'Newsletter',
    channel: 'Email',
    utm_source: 'news',
    utm_medium: 'email',
  };
  const v2 = { visitor: 2, session: 21 };
  return [
    event(site, '2026-10-05T10:00:00Z', { ...v1, pathname: '/' }),
    event(site, '2026-10-05T10:01:00Z', {
      ...v1,
      pathname: '/',
      kind: 'custom',
      name: 'Signup',
      props: { plan: 'pro' },
    }),
    ...['/', '/a', '/b', '/c', '/d'].map((pathname, i) =>
      event(site, `2026-10-05T11:0${i}:00Z`, { ...v2, pathname }),
    ),
    event(site, '2026-10-05T11:05:00Z', { ...v2, pathname: '/d', kind: 'custom', name: 'Signup' }),
    event(site, '2026-10-05T12:00:00Z', {
      visitor: 3,
      session: 31,
      ...mobile,
      ...google,
      pathname: '/pricing',
    }),
    event(site, '2026-10-05T12:01:00Z', {
      visitor: 3,
      session: 31,
      ...mobile,
      ...google,
      pathname: '/pricing',
      kind: 'custom',
      name: 'Signup',
      props: { plan: 'free' },
    }),
    event(site, '2026-10-05T12:30:00Z', {
      visitor: 5,
      session: 51,
      ...mobile,
      ...google,
      pathname: '/pricing',
    }),
    event(site, '2026-10-05T12:40:00Z', { visitor: 6, session: 61, ...desktop, ...google, pathname: '/' }),
    event(site, '2026-10-05T13:00:00Z', { visitor: 4, session: 41, ...mobile, pathname: '/pricing' }),
    event(site, '2026-10-04T10:00:00Z', { visitor: 7, session: 71, pathname: '/' }),
  ];
}

const DAY = ['2026-10-05', '2026-10-05'];
/** The same day as a date-time range, which only raw events answer. */
const DAY_RAW = ['2026-10-05T00:00:00Z', '2026-10-05T23:59:59Z'];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(parityDataset(site.id));
});

async function rows(body: Record<string, unknown>) {
  const res = await statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results;
}

/** The totals of `metrics` under `filters`, from the rollups and from raw events (they must agree). */
async function totals(metrics: string[], filters: unknown[]): Promise<number[]> {
  const answers = await Promise.all(
    [DAY, DAY_RAW].map((date_range) => rows({ metrics, filters, date_range })),
  );
  const [rollup, raw] = answers.map((results) => results[0]?.metrics ?? metrics.map(() => 0));
  expect(raw, 'raw events agree with the rollups').toEqual(rollup);
  return rollup ?? [];
}

describe('labels of missing values (Plausible: (not set), Direct / None)', () => {
  const BREAKDOWNS: [string, [string, number][]][] = [
    [
      'visit:utm_source',
      [
        ['(not set)', 5],
        ['news', 1],
      ],
    ],
    [
      'visit:utm_medium',
      [
        ['(not set)', 5],
        ['email', 1],
      ],
    ],
    ['visit:utm_campaign', [['(not set)', 6]]],
    ['visit:utm_content', [['(not set)', 6]]],
    ['visit:utm_term', [['(not set)', 6]]],
    [
      'visit:source',
      [
        ['Google', 3],
        ['Direct / None', 2],
        ['Newsletter', 1],
      ],
    ],
    [
      'visit:referrer',
      [
        ['www.google.com', 3],
        ['Direct / None', 2],
        ['news.example/issue-1', 1],
      ],
    ],
    [
      'visit:device',
      [
        ['Mobile', 3],
        ['Desktop', 2],
        ['(not set)', 1],
      ],
    ],
    [
      'visit:browser',
      [
        ['Safari', 3],
        ['Chrome', 2],
        ['(not set)', 1],
      ],
    ],
    [
      'visit:browser_version',
      [
        ['17', 3],
        ['120', 2],
        ['(not set)', 1],
      ],
    ],
    [
      'visit:os',
      [
        ['iOS', 3],
        ['Windows', 2],
        ['(not set)', 1],
      ],
    ],
    [
      'visit:os_version',
      [
        ['17', 3],
        ['11', 2],
        ['(not set)', 1],
      ],
    ],
    // Plausible answers a location as stored: no label.
    [
      'visit:country',
      [
        ['US', 3],
        ['DE', 2],
        ['', 1],
      ],
    ],
  ];
  for (const [dimension, expected] of BREAKDOWNS) {
    it(`${dimension}: visitors per value, the same from rollups and raw events`, async () => {
      const want = expected.map(([value, visitors]) => ({ dimensions: [value], metrics: [visitors] }));
      expect(await rows({ metrics: ['visitors'], dimensions: [dimension] })).toEqual(want);
      expect(await rows({ metrics: ['visitors'], dimensions: [dimension], date_range: DAY_RAW })).toEqual(
        want,
      );
    });
  }

  it('a label in a breakdown with an event dimension (raw plan with the visit joined)', async () => {
    expect(await rows({ metrics: ['pageviews'], dimensions: ['visit:utm_source', 'event:name'] })).toEqual([
      { dimensions: ['(not set)', 'pageview'], metrics: [9] },
      { dimensions: ['news', 'pageview'], metrics: [1] },
      { dimensions: ['(not set)', 'Signup'], metrics: [0] },
      { dimensions: ['news', 'Signup'], metrics: [0] },
    ]);
  });

  it('the comparison finds a (not set) row of the earlier period', async () => {
    const results = await rows({
      metrics: ['visitors'],
      dimensions: ['visit:utm_source'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(results).toEqual([
      {
        dimensions: ['(not set)'],
        metrics: [5],
        comparison: { dimensions: ['(not set)'], metrics: [1], change: [400] },
      },
      {
        dimensions: ['news'],
        metrics: [1],
        comparison: { dimensions: ['news'], metrics: [0], change: [100] },
      },
    ]);
  });
});

describe('filters on (not set) and Direct / None', () => {
  const CASES: [string, unknown[], number][] = [
    ['(not set) is an empty UTM tag', [['is', 'visit:utm_source', ['(not set)']]], 5],
    ['is_not (not set) keeps the tagged visits', [['is_not', 'visit:utm_source', ['(not set)']]], 1],
    ['Direct / None is an empty UTM tag too', [['is', 'visit:utm_medium', ['Direct / None']]], 5],
    ['(not set) is an empty source', [['is', 'visit:source', ['(not set)']]], 2],
    ['Direct / None is an empty source', [['is', 'visit:source', ['Direct / None']]], 2],
    ['(not set) device', [['is', 'visit:device', ['(not set)']]], 1],
    ['is_not (not set) browser', [['is_not', 'visit:browser', ['(not set)']]], 5],
    ['(not set) with other values', [['is', 'visit:os_version', ['(not set)', '11']]], 3],
    ['(not set) country: the stored empty value', [['is', 'visit:country', ['(not set)']]], 1],
    ['is_not (not set) country', [['is_not', 'visit:country', ['(not set)']]], 5],
    ['contains tests the stored value, not the label', [['contains', 'visit:utm_source', ['not']]], 0],
    ['contains on a source tests the stored value', [['contains', 'visit:source', ['Direct']]], 0],
    ['contains_not keeps empty values', [['contains_not', 'visit:utm_source', ['news']]], 5],
    ['contains_not on a source keeps Direct / None', [['contains_not', 'visit:source', ['Direct']]], 6],
    ['matches sees the empty value', [['matches', 'visit:utm_source', ['^$']]], 5],
    ['matches_not on the empty value', [['matches_not', 'visit:device', ['^$']]], 5],
  ];
  for (const [name, filters, visitors] of CASES) {
    it(`${name}: ${JSON.stringify(filters)} → ${visitors} visitors`, async () => {
      expect(await totals(['visitors'], filters)).toEqual([visitors]);
    });
  }

  it('a row of a breakdown filters itself: (not set) and Direct / None rows', async () => {
    expect(
      await rows({
        metrics: ['visitors'],
        dimensions: ['visit:utm_source'],
        filters: [['is', 'visit:utm_source', ['(not set)']]],
      }),
    ).toEqual([{ dimensions: ['(not set)'], metrics: [5] }]);
    expect(
      await rows({
        metrics: ['visitors'],
        dimensions: ['visit:source'],
        filters: [['is_not', 'visit:source', ['Direct / None']]],
      }),
    ).toEqual([
      { dimensions: ['Google'], metrics: [3] },
      { dimensions: ['Newsletter'], metrics: [1] },
    ]);
  });
});

describe('custom property filters: an event without the property', () => {
  // [name, filters, visitors, events]
  const CASES: [string, unknown[], number, number][] = [
    ['is_not keeps events without it', [['is_not', 'event:props:plan', ['pro']]], 6, 12],
    ['is_not (none) leaves them out', [['is_not', 'event:props:plan', ['pro', '(none)']]], 1, 1],
    ['is (none) is the events without it', [['is', 'event:props:plan', ['(none)']]], 6, 11],
    ['contains_not never keeps them', [['contains_not', 'event:props:plan', ['pro']]], 1, 1],
    ['contains never finds them', [['contains', 'event:props:plan', ['non']]], 0, 0],
    ['contains on the values they have', [['contains', 'event:props:plan', ['r']]], 2, 2],
    ['matches_not never keeps them', [['matches_not', 'event:props:plan', ['^p']]], 1, 1],
    ['matches never finds them', [['matches', 'event:props:plan', ['none']]], 0, 0],
    [
      'not contains keeps them (it negates the whole filter)',
      [['not', ['contains', 'event:props:plan', ['pro']]]],
      6,
      12,
    ],
    // The empty case: a property no event has.
    ['absent everywhere: contains_not', [['contains_not', 'event:props:color', ['red']]], 0, 0],
    ['absent everywhere: matches_not', [['matches_not', 'event:props:color', ['red']]], 0, 0],
    ['absent everywhere: is_not', [['is_not', 'event:props:color', ['red']]], 6, 13],
    ['absent everywhere: is (none)', [['is', 'event:props:color', ['(none)']]], 6, 13],
    ['absent everywhere: is', [['is', 'event:props:color', ['red']]], 0, 0],
  ];
  for (const [name, filters, visitors, events] of CASES) {
    it(`${name}: ${JSON.stringify(filters)} → ${visitors} visitors, ${events} events`, async () => {
      expect(await totals(['visitors', 'events'], filters)).toEqual([visitors, events]);
    });
  }

  it('contains_not in a breakdown by the property leaves out (none)', async () => {
    expect(
      await rows({
        metrics: ['visitors', 'events'],
        dimensions: ['event:props:plan'],
        filters: [['contains_not', 'event:props:plan', ['pro']]],
      }),
    ).toEqual([{ dimensions: ['free'], metrics: [1, 1] }]);
  });

  it('has_done with contains_not on a property: visits with an event that has it', async () => {
    expect(await totals(['visitors'], [['has_done', ['contains_not', 'event:props:plan', ['pro']]]])).toEqual(
      [1],
    );
  });
});

describe('default order (Plausible: time ascending, then the first metric, highest first)', () => {
  it('time, then the first metric within each time bucket', async () => {
    const want = [
      { dimensions: ['2026-10-05 10:00:00', 'Desktop'], metrics: [1] },
      { dimensions: ['2026-10-05 11:00:00', '(not set)'], metrics: [1] },
      { dimensions: ['2026-10-05 12:00:00', 'Mobile'], metrics: [2] },
      { dimensions: ['2026-10-05 12:00:00', 'Desktop'], metrics: [1] },
      { dimensions: ['2026-10-05 13:00:00', 'Mobile'], metrics: [1] },
    ];
    expect(await rows({ metrics: ['visitors'], dimensions: ['time:hour', 'visit:device'] })).toEqual(want);
    expect(
      await rows({ metrics: ['visitors'], dimensions: ['time:hour', 'visit:device'], date_range: DAY_RAW }),
    ).toEqual(want);
  });

  it('time given second still comes first, then pageviews (pages rollup and raw events)', async () => {
    const want = [
      { dimensions: ['/', '2026-10-05 10:00:00'], metrics: [1] },
      { dimensions: ['/', '2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['/a', '2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['/b', '2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['/c', '2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['/d', '2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['/pricing', '2026-10-05 12:00:00'], metrics: [2] },
      { dimensions: ['/', '2026-10-05 12:00:00'], metrics: [1] },
      { dimensions: ['/pricing', '2026-10-05 13:00:00'], metrics: [1] },
    ];
    expect(await rows({ metrics: ['pageviews'], dimensions: ['event:page', 'time:hour'] })).toEqual(want);
    expect(
      await rows({ metrics: ['pageviews'], dimensions: ['event:page', 'time:hour'], date_range: DAY_RAW }),
    ).toEqual(want);
  });

  it('several dimensions without time: the first metric, highest first', async () => {
    expect(await rows({ metrics: ['visitors'], dimensions: ['visit:country', 'visit:device'] })).toEqual([
      { dimensions: ['US', 'Mobile'], metrics: [3] },
      { dimensions: ['DE', 'Desktop'], metrics: [2] },
      { dimensions: ['', '(not set)'], metrics: [1] },
    ]);
  });

  it('the first metric as asked, even a derived one (percentage before pageviews)', async () => {
    const want = [
      { dimensions: ['Mobile'], metrics: [50, 3] },
      { dimensions: ['Desktop'], metrics: [33.3, 2] },
      { dimensions: ['(not set)'], metrics: [16.7, 5] },
    ];
    expect(await rows({ metrics: ['percentage', 'pageviews'], dimensions: ['visit:device'] })).toEqual(want);
    expect(
      await rows({ metrics: ['percentage', 'pageviews'], dimensions: ['visit:device'], date_range: DAY_RAW }),
    ).toEqual(want);
  });

  it('an order_by that is given is kept', async () => {
    expect(
      await rows({
        metrics: ['visitors'],
        dimensions: ['time:hour', 'visit:device'],
        order_by: [['visit:device', 'asc']],
        pagination: { limit: 3 },
      }),
    ).toEqual([
      { dimensions: ['2026-10-05 11:00:00', '(not set)'], metrics: [1] },
      { dimensions: ['2026-10-05 10:00:00', 'Desktop'], metrics: [1] },
      { dimensions: ['2026-10-05 12:00:00', 'Desktop'], metrics: [1] },
    ]);
  });
});

describe('a comparison over time buckets (Plausible: a row for every bucket)', () => {
  // Plausible's QueryRunner adds a zero row for every time bucket the range has no data in, after
  // the others, when the query has a comparison and only a time dimension: otherwise an earlier
  // bucket with data has no row to show its value on.
  const hour = (h: number) => `2026-10-05 ${String(h).padStart(2, '0')}:00:00`;
  const previousDay = (h: number) => `2026-10-04 ${String(h).padStart(2, '0')}:00:00`;

  it('by hour: the four hours with visits, then the twenty without, each with the day before', async () => {
    const results = await rows({
      metrics: ['visitors', 'pageviews'],
      dimensions: ['time:hour'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    // V1 at 10 (1 view), V2 at 11 (5), V3, V5, V6 at 12 (3), V4 at 13 (1); the day before, V0 at 10.
    const withData: [number, number[]][] = [
      [10, [1, 1]],
      [11, [1, 5]],
      [12, [3, 3]],
      [13, [1, 1]],
    ];
    const empty = Array.from({ length: 24 }, (_, h) => h).filter((h) => h < 10 || h > 13);
    expect(results).toEqual([
      ...withData.map(([h, metrics]) => ({
        dimensions: [hour(h)],
        metrics,
        comparison:
          h === 10
            ? { dimensions: [previousDay(h)], metrics: [1, 1], change: [0, 0] }
            : { dimensions: [previousDay(h)], metrics: [0, 0], change: [100, 100] },
      })),
      ...empty.map((h) => ({
        dimensions: [hour(h)],
        metrics: [0, 0],
        comparison: { dimensions: [previousDay(h)], metrics: [0, 0], change: [0, 0] },
      })),
    ]);
  });

  it('a range without data still lists its buckets, so the earlier ones show', async () => {
    // 2026-10-04 holds V0 only (10:00); the day before it nothing.
    const results = await rows({
      metrics: ['visitors'],
      date_range: ['2026-10-03', '2026-10-03'],
      dimensions: ['time:hour'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(results).toHaveLength(24);
    expect(results.every((r) => r.metrics[0] === 0)).toBe(true);
    // 2026-10-03 is before: its previous period is 2026-10-02, empty too.
    expect(results[10]?.comparison).toEqual({
      dimensions: ['2026-10-02 10:00:00'],
      metrics: [0],
      change: [0],
    });
    const later = await rows({
      metrics: ['visitors'],
      date_range: ['2026-10-04', '2026-10-04'],
      dimensions: ['time:day'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(later).toEqual([
      {
        dimensions: ['2026-10-04'],
        metrics: [1],
        comparison: { dimensions: ['2026-10-03'], metrics: [0], change: [100] },
      },
    ]);
  });

  it('no padding without a comparison, or with another dimension beside time', async () => {
    const plain = await rows({ metrics: ['visitors'], dimensions: ['time:hour'] });
    expect(plain.map((r) => r.dimensions[0])).toEqual([hour(10), hour(11), hour(12), hour(13)]);
    const twoDims = await rows({
      metrics: ['visitors'],
      dimensions: ['time:hour', 'visit:device'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    // 10 Desktop, 11 (not set), 12 Mobile and Desktop, 13 Mobile.
    expect(twoDims).toHaveLength(5);
  });
});
