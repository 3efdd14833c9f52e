import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/errors';
import type { SiteJson } from '../../../functions/sites/store';
import { readExecutor } from '../../../workers/clickhouse/read';
import { configOf } from '../../../workers/config';
import { signUp, type TestAccount } from '../helpers/accounts';
import { testEnv, workerFetch } from '../helpers/stack';
import { DAY, dataset } from './dataset';
import { event, insertEvents, newSite, statsQuery, withoutNow } from './fixtures';

let owner: TestAccount;
let site: SiteJson;
let live: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  live = await newSite(owner, 'America/New_York');
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();
  await insertEvents([
    ...dataset(site.id),
    event(live.id, ago(2), { visitor: 11, session: 1101, pathname: '/now' }),
    event(live.id, ago(20), { visitor: 12, session: 1201, pathname: '/earlier' }),
    event(live.id, ago(180), { visitor: 13, session: 1301, pathname: '/hours-ago' }),
  ]);
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

describe('order, pagination and total_rows', () => {
  const pages = (res: Awaited<ReturnType<typeof query>>) => res.body.results.map((r) => r.dimensions[0]);

  it('pages a breakdown and counts all its rows', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['event:page'],
      pagination: { limit: 2, offset: 1 },
      include: { total_rows: true },
    });
    expect(res.body.results).toEqual([
      { dimensions: ['/'], metrics: [2] },
      { dimensions: ['/about'], metrics: [1] },
    ]);
    expect(res.body.meta.total_rows).toBe(5);
  });

  it('total_rows counts groups of raw-event queries too', async () => {
    const res = await query({
      metrics: ['events'],
      dimensions: ['event:name'],
      pagination: { limit: 1 },
      include: { total_rows: true },
    });
    expect(res.body.results).toEqual([{ dimensions: ['pageview'], metrics: [8] }]);
    expect(res.body.meta.total_rows).toBe(3);
  });

  it('orders by a dimension', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['event:page'],
      order_by: [['event:page', 'asc']],
    });
    expect(pages(res)).toEqual(['/', '/about', '/blog/post-1', '/blog/post-2', '/pricing']);
  });

  it('orders by a metric, then a dimension', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['event:page'],
      order_by: [
        ['visitors', 'asc'],
        ['event:page', 'desc'],
      ],
    });
    expect(pages(res)).toEqual(['/blog/post-2', '/blog/post-1', '/about', '/', '/pricing']);
  });

  it('orders time descending when asked', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['time:day'],
      date_range: ['2026-10-04', '2026-10-06'],
      order_by: [['time:day', 'desc']],
    });
    expect(pages(res)).toEqual(['2026-10-06', '2026-10-05', '2026-10-04']);
  });
});

describe('comparisons', () => {
  it('previous_period: the day before, with percent change (bounce rate by its difference)', async () => {
    const res = await query({
      metrics: ['visitors', 'pageviews', 'bounce_rate'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      {
        dimensions: [],
        metrics: [4, 8, 60],
        comparison: { dimensions: [], metrics: [2, 2, 100], change: [100, 300, -40] },
      },
    ]);
    expect(res.body.query.comparison_date_range).toEqual([
      '2026-10-04T00:00:00+02:00',
      '2026-10-04T23:59:59+02:00',
    ]);
  });

  it("changes as Plausible's: bounce rate by its difference only when it was above 0, percentage by its percentage change", async () => {
    // The day before (2026-10-04): F1 and B0, both bounces (100 %), 1 of 2 visitors from Direct.
    // A year before: Y1 alone, a bounce, from Direct (100 %).
    const res = await query({
      metrics: ['visitors', 'bounce_rate'],
      dimensions: ['visit:source'],
      include: { comparisons: { mode: 'custom', date_range: ['2026-10-04', '2026-10-04'] } },
    });
    // Now: Direct / None 2 visitors (A2 bounce, C1 not: 50 %), Hacker News 2 (B1, E1 bounces:
    // 100 %), Google 1 (A1, no bounce: 0 %). Before: Direct / None B0 100 %, Google F1 100 %.
    expect(res.body.results.map((r) => [r.dimensions[0], r.comparison?.change])).toEqual([
      ['Direct / None', [100, -50]],
      // Nothing before: 100 % more visitors; a bounce rate that was 0 has no change.
      ['Hacker News', [100, null]],
      ['Google', [0, -100]],
    ]);
    const shares = await query({
      metrics: ['visitors', 'percentage'],
      dimensions: ['visit:source'],
      pagination: { limit: 1, offset: 1 },
      include: { comparisons: { mode: 'custom', date_range: ['2026-10-04', '2026-10-04'] } },
    });
    // Hacker News: 50 % of visitors now, 0 % then: a percentage changes by its percentage change.
    expect(shares.body.results).toEqual([
      {
        dimensions: ['Hacker News'],
        metrics: [2, 50],
        comparison: { dimensions: ['Hacker News'], metrics: [0, 0], change: [100, 100] },
      },
    ]);
  });

  it('year_over_year: the same day a year before', async () => {
    const res = await query({
      metrics: ['visitors', 'pageviews'],
      include: { comparisons: { mode: 'year_over_year' } },
    });
    expect(res.body.results).toEqual([
      {
        dimensions: [],
        metrics: [4, 8],
        comparison: { dimensions: [], metrics: [1, 1], change: [300, 700] },
      },
    ]);
    expect(res.body.query.comparison_date_range).toEqual([
      '2025-10-05T00:00:00+02:00',
      '2025-10-05T23:59:59+02:00',
    ]);
  });

  it('custom comparison range', async () => {
    const res = await query({
      metrics: ['visitors'],
      include: { comparisons: { mode: 'custom', date_range: ['2025-10-05', '2025-10-05'] } },
    });
    expect(res.body.results[0]?.comparison).toEqual({ dimensions: [], metrics: [1], change: [300] });
    expect(res.body.query.include).toEqual({
      time_labels: false,
      total_rows: false,
      comparisons: { mode: 'custom', date_range: ['2025-10-05', '2025-10-05'] },
    });
  });

  it('compares each breakdown row with the same value; a value absent before changes by 100', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['visit:source'],
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(res.body.results).toEqual([
      {
        dimensions: ['Direct / None'],
        metrics: [2],
        comparison: { dimensions: ['Direct / None'], metrics: [1], change: [100] },
      },
      {
        dimensions: ['Hacker News'],
        metrics: [2],
        comparison: { dimensions: ['Hacker News'], metrics: [0], change: [100] },
      },
      {
        dimensions: ['Google'],
        metrics: [1],
        comparison: { dimensions: ['Google'], metrics: [1], change: [0] },
      },
    ]);
  });

  it('compares only the rows on the page, with percentages of the whole earlier range', async () => {
    const res = await query({
      metrics: ['visitors', 'percentage'],
      dimensions: ['visit:source'],
      pagination: { limit: 1, offset: 0 },
      include: { comparisons: { mode: 'previous_period' } },
    });
    // Direct / None: 2 of 4 visitors now, 1 (B) of 2 (B, F) the day before.
    expect(res.body.results).toEqual([
      {
        dimensions: ['Direct / None'],
        metrics: [2, 50],
        comparison: { dimensions: ['Direct / None'], metrics: [1, 50], change: [100, 0] },
      },
    ]);
    const last = await query({
      metrics: ['visitors'],
      dimensions: ['visit:source'],
      pagination: { limit: 1, offset: 2 },
      include: { comparisons: { mode: 'previous_period' } },
    });
    expect(last.body.results).toEqual([
      {
        dimensions: ['Google'],
        metrics: [1],
        comparison: { dimensions: ['Google'], metrics: [1], change: [0] },
      },
    ]);
  });

  it('pairs time buckets by position: the first day with the first day before', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['time:day'],
      date_range: ['2026-10-05', '2026-10-06'],
      include: { comparisons: { mode: 'previous_period' }, time_labels: true },
    });
    expect(res.body.results).toEqual([
      {
        dimensions: ['2026-10-05'],
        metrics: [4],
        comparison: { dimensions: ['2026-10-03'], metrics: [0], change: [100] },
      },
      {
        dimensions: ['2026-10-06'],
        metrics: [1],
        comparison: { dimensions: ['2026-10-04'], metrics: [2], change: [-50] },
      },
    ]);
  });
});

describe('realtime windows', () => {
  function live30(body: Record<string, unknown>) {
    return statsQuery({ site_id: live.domain, ...body }, { cookie: owner.cookie });
  }

  it('realtime counts the last 5 minutes, 30m the last 30', async () => {
    const five = await live30({ metrics: ['visitors', 'pageviews'], date_range: 'realtime' });
    expect(five.body.results).toEqual([{ dimensions: [], metrics: [1, 1] }]);
    const thirty = await live30({ metrics: ['visitors', 'pageviews'], date_range: '30m' });
    expect(thirty.body.results).toEqual([{ dimensions: [], metrics: [2, 2] }]);
  });

  it('minute buckets over the last 30 minutes', async () => {
    const res = await live30({
      metrics: ['visitors'],
      dimensions: ['time:minute'],
      date_range: '30m',
      include: { time_labels: true },
    });
    const labels = res.body.meta.time_labels ?? [];
    expect(labels.length).toBeGreaterThanOrEqual(30);
    expect(labels.length).toBeLessThanOrEqual(31);
    expect(res.body.results.map((r) => r.metrics[0])).toEqual([1, 1]);
    for (const row of res.body.results) expect(labels).toContain(row.dimensions[0]);
    const auto = await live30({ metrics: ['visitors'], dimensions: ['time'], date_range: 'realtime' });
    expect(auto.body.results.map((r) => r.metrics[0])).toEqual([1]);
    expect(auto.body.results[0]?.dimensions[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00$/);
  });

  it('a batch answers the realtime panels with one scan, exactly as the single queries', async () => {
    const bodies = [
      { metrics: ['visitors', 'pageviews'], date_range: 'realtime' },
      { metrics: ['visitors', 'pageviews'], date_range: '30m' },
      {
        metrics: ['visitors', 'pageviews'],
        dimensions: ['time:minute'],
        date_range: '30m',
        include: { time_labels: true },
      },
      { metrics: ['visitors'], dimensions: ['time'], date_range: 'realtime', include: { total_rows: true } },
      {
        metrics: ['visitors', 'events'],
        dimensions: ['time:minute'],
        date_range: '30m',
        pagination: { limit: 1 },
      },
    ].map((body) => ({ site_id: live.domain, ...body }));
    const res = await workerFetch('/api/v2/query/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({ queries: bodies }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Record<string, unknown>[] };
    const singles = await Promise.all(bodies.map((body) => statsQuery(body, { cookie: owner.cookie })));
    // Hand-counted: one visitor in the last 5 minutes, two in the last 30, one row per minute.
    expect(singles[0]?.body.results).toEqual([{ dimensions: [], metrics: [1, 1] }]);
    expect(singles[2]?.body.results.map((r) => r.metrics)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(singles[4]?.body.results).toHaveLength(1);
    // The requests resolve "now" a moment apart: everything but the echoed window must match.
    singles.forEach((single, i) => {
      expect({ i, answer: withoutNow(results[i] ?? {}) }).toEqual({
        i,
        answer: withoutNow({ status: 200, ...single.body }),
      });
    });
    expect(
      (results[2] as { meta: { time_labels?: string[] } }).meta.time_labels?.length,
    ).toBeGreaterThanOrEqual(30);
  });

  it('every named range answers', async () => {
    for (const range of ['day', '7d', '28d', '30d', 'month', '6mo', '12mo', 'year', 'all']) {
      const res = await live30({ metrics: ['visitors'], date_range: range });
      expect(res.status, range).toBe(200);
      expect(res.body.results[0]?.metrics[0], range).toBeGreaterThanOrEqual(range === 'day' ? 1 : 3);
    }
  });
});

describe('invalid queries: 400 invalid_query naming the field', () => {
  const CASES: [string, unknown, RegExp][] = [
    ['unknown metric', { metrics: ['visitors', 'visitorz'] }, /^metrics\[1\]: unknown metric "visitorz"/],
    ['no metrics', { metrics: [] }, /^metrics: /],
    ['unknown range', { metrics: ['visitors'], date_range: '8d' }, /^date_range: unknown date range "8d"/],
    ['reversed range', { metrics: ['visitors'], date_range: ['2026-10-06', '2026-10-05'] }, /^date_range: /],
    ['bad date', { metrics: ['visitors'], date_range: ['2026-13-45', '2026-10-05'] }, /^date_range: /],
    [
      'unknown dimension',
      { metrics: ['visitors'], dimensions: ['visit:shoe_size'] },
      /^dimensions\[0\]: unknown dimension/,
    ],
    [
      'unknown filter dimension',
      { metrics: ['visitors'], filters: [['is', 'visit:shoe_size', ['42']]] },
      /^filters\[0\]\[1\]: unknown dimension "visit:shoe_size"/,
    ],
    [
      'unknown operator',
      { metrics: ['visitors'], filters: [['like', 'event:page', ['/']]] },
      /^filters\[0\]\[0\]: unknown filter operator "like"/,
    ],
    [
      'values not a list',
      { metrics: ['visitors'], filters: [['is', 'event:page', '/']] },
      /^filters\[0\]\[2\]: expected a list/,
    ],
    [
      'nested bad filter',
      {
        metrics: ['visitors'],
        filters: [
          [
            'and',
            [
              ['is', 'event:page', ['/']],
              ['is', 'nope', ['x']],
            ],
          ],
        ],
      },
      /^filters\[0\]\[1\]\[1\]\[1\]: unknown dimension "nope"/,
    ],
    [
      'bad regex',
      { metrics: ['visitors'], filters: [['matches', 'event:page', ['(']]] },
      /^filters\[0\]\[2\]\[0\]: not a valid regular expression/,
    ],
    [
      'order by a field not in the query',
      { metrics: ['visitors'], order_by: [['pageviews', 'desc']] },
      /^order_by\[0\]\[0\]: "pageviews" is not among/,
    ],
    [
      'order direction',
      { metrics: ['visitors'], order_by: [['visitors', 'up']] },
      /^order_by\[0\]\[1\]: expected "asc" or "desc"/,
    ],
    ['limit', { metrics: ['visitors'], pagination: { limit: 0 } }, /^pagination\.limit: /],
    [
      'comparison mode',
      { metrics: ['visitors'], include: { comparisons: { mode: 'last_week' } } },
      /^include\.comparisons\.mode: unknown mode "last_week"/,
    ],
    ['percentage without a breakdown', { metrics: ['percentage'] }, /^metrics\[0\]: percentage needs/],
    [
      'scroll depth without a page',
      { metrics: ['scroll_depth'] },
      /^metrics\[0\]: scroll_depth needs event:page/,
    ],
    ['unknown field', { metrics: ['visitors'], interval: 'day' }, /^interval: unknown field/],
    [
      'two time dimensions',
      { metrics: ['visitors'], dimensions: ['time:day', 'time:hour'] },
      /^dimensions\[1\]: only one time dimension/,
    ],
  ];

  for (const [name, body, message] of CASES) {
    it(name, async () => {
      const res = await query(body as Record<string, unknown>);
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('invalid_query');
      expect(res.body.error?.message).toMatch(message);
    });
  }

  it('a pattern JavaScript accepts but RE2 does not (lookahead) is a 400 too, not a 500', async () => {
    const res = await query({
      metrics: ['visitors'],
      filters: [['matches', 'event:page', ['^/(?=pricing)']]],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'invalid_query',
      message: 'filters: a regular expression is not valid RE2 syntax',
    });
  });

  it('a body that is not JSON', async () => {
    const res = await statsQuery('{"site_id": ', { cookie: owner.cookie });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'invalid_json', message: 'the request body is not valid JSON' });
  });

  it('site_id missing', async () => {
    const res = await statsQuery({ metrics: ['visitors'], date_range: '7d' }, { cookie: owner.cookie });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^site_id: /);
  });
});

describe('ClickHouse unreachable', () => {
  it('is a 503 unavailable, not a crash', async () => {
    const execute = readExecutor(
      { ...testEnv, CLICKHOUSE_URL: 'http://127.0.0.1:9' },
      { limits: configOf(testEnv).clickhouseRead },
    );
    const error = await execute('SELECT 1', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 503, code: 'unavailable' });
  });
});
