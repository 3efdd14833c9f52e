import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { DAY, dataset } from './dataset';
import { insertEvents, newSite, statsQuery } from './fixtures';

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  await insertEvents(dataset(site.id));
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

/** [dimension value, visits, visitors] rows, most visits first, ties by value. */
const VISIT_BREAKDOWNS: Record<string, [string, number, number][]> = {
  'visit:entry_page': [
    ['/', 2, 2],
    ['/about', 1, 1],
    ['/blog/post-1', 1, 1],
    ['/pricing', 1, 1],
  ],
  'visit:exit_page': [
    ['/pricing', 2, 2],
    ['/', 1, 1],
    ['/about', 1, 1],
    ['/blog/post-2', 1, 1],
  ],
  'visit:source': [
    ['Direct / None', 2, 2],
    ['Hacker News', 2, 2],
    ['Google', 1, 1],
  ],
  'visit:referrer': [
    ['Direct / None', 2, 2],
    ['news.ycombinator.com/item', 2, 2],
    ['www.google.com', 1, 1],
  ],
  'visit:channel': [
    ['Direct', 2, 2],
    ['Organic Social', 2, 2],
    ['Organic Search', 1, 1],
  ],
  'visit:utm_source': [
    ['(not set)', 4, 3],
    ['hn', 1, 1],
  ],
  'visit:utm_medium': [
    ['(not set)', 4, 3],
    ['social', 1, 1],
  ],
  'visit:utm_campaign': [
    ['(not set)', 4, 3],
    ['launch', 1, 1],
  ],
  'visit:utm_content': [
    ['(not set)', 4, 3],
    ['c1', 1, 1],
  ],
  'visit:utm_term': [
    ['(not set)', 4, 3],
    ['t1', 1, 1],
  ],
  'visit:country': [
    ['DE', 3, 2],
    ['US', 2, 2],
  ],
  'visit:country_name': [
    ['Germany', 3, 2],
    ['United States', 2, 2],
  ],
  'visit:region_name': [
    ['Berlin', 2, 1],
    ['California', 2, 2],
    ['Bavaria', 1, 1],
  ],
  'visit:city_name': [
    ['Berlin', 2, 1],
    ['San Francisco', 2, 2],
    ['Munich', 1, 1],
  ],
  'visit:region': [
    ['Berlin', 2, 1],
    ['California', 2, 2],
    ['Bavaria', 1, 1],
  ],
  'visit:city': [
    ['Berlin', 2, 1],
    ['San Francisco', 2, 2],
    ['Munich', 1, 1],
  ],
  'visit:device': [
    ['Desktop', 3, 2],
    ['Mobile', 2, 2],
  ],
  'visit:browser': [
    ['Chrome', 2, 1],
    ['Safari', 2, 2],
    ['Firefox', 1, 1],
  ],
  'visit:browser_version': [
    ['120', 2, 1],
    ['17', 2, 2],
    ['133', 1, 1],
  ],
  'visit:os': [
    ['Windows', 2, 1],
    ['iOS', 2, 2],
    ['Linux', 1, 1],
  ],
  'visit:os_version': [
    ['11', 2, 1],
    ['17', 2, 2],
    ['(not set)', 1, 1],
  ],
};

describe('visit dimensions (attributes of the visit: its first event, entry and exit page)', () => {
  for (const [dimension, expected] of Object.entries(VISIT_BREAKDOWNS)) {
    it(`${dimension}: visits and visitors per value`, async () => {
      const res = await query({ metrics: ['visits', 'visitors'], dimensions: [dimension] });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual(
        expected.map(([value, visits, visitors]) => ({ dimensions: [value], metrics: [visits, visitors] })),
      );
    });
  }

  it('bounce rate, duration and views per visit per source', async () => {
    const res = await query({
      metrics: ['visits', 'bounce_rate', 'visit_duration', 'views_per_visit'],
      dimensions: ['visit:source'],
    });
    expect(res.body.results).toEqual([
      // C1 (300 s, 3 pages) and A2 (bounce, 0 s, 1 page)
      { dimensions: ['Direct / None'], metrics: [2, 50, 150, 2] },
      // B1 (bounce, 60 s) and E1 (bounce, 0 s)
      { dimensions: ['Hacker News'], metrics: [2, 100, 30, 1] },
      // A1 (420 s, 2 pages)
      { dimensions: ['Google'], metrics: [1, 0, 420, 2] },
    ]);
  });

  it('country names: order by name, and conversion rate per country', async () => {
    const ordered = await query({
      metrics: ['visitors'],
      dimensions: ['visit:country_name'],
      order_by: [['visit:country_name', 'desc']],
    });
    expect(ordered.body.results.map((r) => r.dimensions[0])).toEqual(['United States', 'Germany']);
    const converted = await query({
      metrics: ['visitors', 'conversion_rate'],
      dimensions: ['visit:country_name'],
      filters: [['is', 'event:goal', ['Signup', 'Download']]],
    });
    // A (Signup) and C (Download), both from Germany, of the day's 4 visitors (Plausible's divisor).
    expect(converted.body.results).toEqual([{ dimensions: ['Germany'], metrics: [2, 50] }]);
  });

  it('two visit dimensions at once', async () => {
    const res = await query({
      metrics: ['visits', 'visitors'],
      dimensions: ['visit:country', 'visit:device'],
    });
    expect(res.body.results).toEqual([
      { dimensions: ['DE', 'Desktop'], metrics: [3, 2] },
      { dimensions: ['US', 'Mobile'], metrics: [2, 2] },
    ]);
  });
});

describe('event dimensions', () => {
  it('event:name counts pageviews and custom events by name', async () => {
    const res = await query({ metrics: ['events', 'visitors'], dimensions: ['event:name'] });
    expect(res.body.results).toEqual([
      { dimensions: ['pageview'], metrics: [8, 4] },
      { dimensions: ['Download'], metrics: [1, 1] },
      { dimensions: ['Signup'], metrics: [1, 1] },
    ]);
  });

  it('event:hostname', async () => {
    const res = await query({ metrics: ['pageviews', 'visitors'], dimensions: ['event:hostname'] });
    expect(res.body.results).toEqual([{ dimensions: ['shop.example'], metrics: [8, 4] }]);
  });

  it('event:props:<key>, with (none) for events without the property', async () => {
    const res = await query({ metrics: ['events', 'visitors'], dimensions: ['event:props:plan'] });
    expect(res.body.results).toEqual([
      { dimensions: ['(none)'], metrics: [9, 4] },
      { dimensions: ['pro'], metrics: [1, 1] },
    ]);
  });

  it('an event dimension with a visit dimension', async () => {
    const res = await query({ metrics: ['pageviews'], dimensions: ['event:page', 'visit:country'] });
    expect(res.body.results).toEqual([
      { dimensions: ['/pricing', 'DE'], metrics: [2] },
      { dimensions: ['/', 'DE'], metrics: [1] },
      { dimensions: ['/', 'US'], metrics: [1] },
      { dimensions: ['/about', 'DE'], metrics: [1] },
      { dimensions: ['/blog/post-1', 'DE'], metrics: [1] },
      { dimensions: ['/blog/post-2', 'DE'], metrics: [1] },
      { dimensions: ['/pricing', 'US'], metrics: [1] },
    ]);
  });
});

describe('time dimensions, labelled in the site time zone', () => {
  const HOURS = Array.from({ length: 24 }, (_, h) => `2026-10-05 ${String(h).padStart(2, '0')}:00:00`);

  it('time:hour over one day, with every hour in time_labels', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['time:hour'],
      include: { time_labels: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.meta.time_labels).toEqual(HOURS);
    expect(res.body.results).toEqual([
      { dimensions: ['2026-10-05 00:00:00'], metrics: [1] },
      { dimensions: ['2026-10-05 10:00:00'], metrics: [1] },
      { dimensions: ['2026-10-05 11:00:00'], metrics: [1] },
      { dimensions: ['2026-10-05 12:00:00'], metrics: [1] },
      { dimensions: ['2026-10-05 22:00:00'], metrics: [1] },
    ]);
  });

  it('time means hours for a single day', async () => {
    const res = await query({ metrics: ['visitors'], dimensions: ['time'], include: { time_labels: true } });
    expect(res.body.meta.time_labels).toEqual(HOURS);
    expect(res.body.results.map((r) => r.dimensions[0])).toEqual([
      '2026-10-05 00:00:00',
      '2026-10-05 10:00:00',
      '2026-10-05 11:00:00',
      '2026-10-05 12:00:00',
      '2026-10-05 22:00:00',
    ]);
  });

  it('time:day, from the rollups and from raw events', async () => {
    const range = ['2026-10-04', '2026-10-06'];
    const labels = ['2026-10-04', '2026-10-05', '2026-10-06'];
    const rollup = await query({
      metrics: ['visitors', 'pageviews'],
      dimensions: ['time:day'],
      date_range: range,
      include: { time_labels: true },
    });
    expect(rollup.body.meta.time_labels).toEqual(labels);
    expect(rollup.body.results).toEqual([
      { dimensions: ['2026-10-04'], metrics: [2, 2] },
      { dimensions: ['2026-10-05'], metrics: [4, 8] },
      { dimensions: ['2026-10-06'], metrics: [1, 1] },
    ]);
    const raw = await query({ metrics: ['visitors', 'events'], dimensions: ['time:day'], date_range: range });
    expect(raw.body.results).toEqual([
      { dimensions: ['2026-10-04'], metrics: [2, 2] },
      { dimensions: ['2026-10-05'], metrics: [4, 10] },
      { dimensions: ['2026-10-06'], metrics: [1, 1] },
    ]);
  });

  it('time:week starts on Monday; a week begun before the range carries the range start', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['time:week'],
      date_range: ['2026-10-01', '2026-10-31'],
      include: { time_labels: true },
    });
    expect(res.body.meta.time_labels).toEqual([
      '2026-10-01',
      '2026-10-05',
      '2026-10-12',
      '2026-10-19',
      '2026-10-26',
    ]);
    expect(res.body.results).toEqual([
      { dimensions: ['2026-10-01'], metrics: [2] },
      { dimensions: ['2026-10-05'], metrics: [5] },
    ]);
  });

  it('time:month, and time means months over two months', async () => {
    for (const dimension of ['time:month', 'time']) {
      const res = await query({
        metrics: ['visitors'],
        dimensions: [dimension],
        date_range: ['2026-09-01', '2026-10-31'],
        include: { time_labels: true },
      });
      expect(res.body.meta.time_labels).toEqual(['2026-09-01', '2026-10-01']);
      expect(res.body.results).toEqual([{ dimensions: ['2026-10-01'], metrics: [6] }]);
    }
  });

  it('a time dimension with a breakdown', async () => {
    const res = await query({
      metrics: ['visitors'],
      dimensions: ['time:day', 'visit:country'],
      date_range: ['2026-10-04', '2026-10-05'],
    });
    expect(res.body.results).toEqual([
      { dimensions: ['2026-10-04', 'DE'], metrics: [1] },
      { dimensions: ['2026-10-04', 'US'], metrics: [1] },
      { dimensions: ['2026-10-05', 'DE'], metrics: [2] },
      { dimensions: ['2026-10-05', 'US'], metrics: [2] },
    ]);
  });
});
