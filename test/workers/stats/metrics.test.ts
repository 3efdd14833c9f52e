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

const VISIT_METRICS = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration'];

describe('aggregate metrics for one day in the site time zone', () => {
  it('reads every visit metric from the sessions rollup', async () => {
    const res = await query({ metrics: VISIT_METRICS });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([{ metrics: [4, 5, 8, 1.6, 60, 156], dimensions: [] }]);
  });

  it('gives the same numbers from raw events (a date-time range) and counts events', async () => {
    const res = await query({
      metrics: [...VISIT_METRICS, 'events'],
      date_range: ['2026-10-05T00:00:00', '2026-10-05T23:59:59'],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([{ metrics: [4, 5, 8, 1.6, 60, 156, 10], dimensions: [] }]);
  });

  it('an event at 23:30 UTC belongs to the next day in Europe/Berlin, one at 22:30 UTC the day before to this one', async () => {
    const next = await query({
      metrics: ['visitors', 'pageviews'],
      date_range: ['2026-10-06', '2026-10-06'],
    });
    expect(next.body.results).toEqual([{ metrics: [1, 1], dimensions: [] }]);
    const before = await query({
      metrics: ['visitors', 'pageviews'],
      date_range: ['2026-10-04', '2026-10-04'],
    });
    expect(before.body.results).toEqual([{ metrics: [2, 2], dimensions: [] }]);
  });

  it('an empty range answers zeros', async () => {
    const res = await query({
      metrics: [...VISIT_METRICS, 'events'],
      date_range: ['2026-01-01', '2026-01-02'],
    });
    expect(res.body.results).toEqual([{ metrics: [0, 0, 0, 0, 0, 0, 0], dimensions: [] }]);
  });

  it('echoes the normalised query with the range in the site zone', async () => {
    const res = await query({ metrics: ['visitors'] });
    expect(res.body.query).toMatchObject({
      site_id: site.domain,
      metrics: ['visitors'],
      date_range: ['2026-10-05T00:00:00+02:00', '2026-10-05T23:59:59+02:00'],
      dimensions: [],
      filters: [],
    });
  });

  it('accepts the numeric site id too', async () => {
    const res = await statsQuery(
      { site_id: site.id, metrics: ['visitors'], date_range: DAY },
      { cookie: owner.cookie },
    );
    expect(res.body.results[0]?.metrics).toEqual([4]);
  });
});

describe('metrics per page', () => {
  it('visitors, pageviews, scroll depth and time on page per page, most visited first', async () => {
    const res = await query({
      metrics: ['visitors', 'pageviews', 'scroll_depth', 'time_on_page', 'percentage'],
      dimensions: ['event:page'],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { dimensions: ['/pricing'], metrics: [3, 3, 80, 30, 75] },
      { dimensions: ['/'], metrics: [2, 2, 40, 10, 50] },
      // No visit sent engagement from these pages: no scroll depth or time on page (Plausible: null).
      { dimensions: ['/about'], metrics: [1, 1, null, null, 25] },
      { dimensions: ['/blog/post-1'], metrics: [1, 1, null, null, 25] },
      { dimensions: ['/blog/post-2'], metrics: [1, 1, null, null, 25] },
    ]);
  });

  it('raw events give the same page numbers, plus events and visits per page', async () => {
    const res = await query({
      metrics: ['visitors', 'pageviews', 'scroll_depth', 'time_on_page', 'events', 'visits'],
      dimensions: ['event:page'],
      date_range: ['2026-10-05T00:00:00', '2026-10-05T23:59:59'],
    });
    expect(res.body.results).toEqual([
      { dimensions: ['/pricing'], metrics: [3, 3, 80, 30, 4, 3] },
      { dimensions: ['/'], metrics: [2, 2, 40, 10, 2, 2] },
      { dimensions: ['/about'], metrics: [1, 1, null, null, 1, 1] },
      { dimensions: ['/blog/post-1'], metrics: [1, 1, null, null, 1, 1] },
      { dimensions: ['/blog/post-2'], metrics: [1, 1, null, null, 2, 1] },
    ]);
  });

  it('time on page and scroll depth for one page by filter', async () => {
    const res = await query({
      metrics: ['scroll_depth', 'time_on_page'],
      filters: [['is', 'event:page', ['/pricing']]],
    });
    expect(res.body.results).toEqual([{ metrics: [80, 30], dimensions: [] }]);
  });
});

describe('goals', () => {
  it('conversions and conversion rate per goal (custom event name)', async () => {
    const res = await query({
      metrics: ['visitors', 'events', 'conversion_rate'],
      dimensions: ['event:goal'],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { dimensions: ['Download'], metrics: [1, 1, 25] },
      { dimensions: ['Signup'], metrics: [1, 1, 25] },
    ]);
  });

  it('a goal filter gives its converting visitors and rate', async () => {
    const res = await query({
      metrics: ['visitors', 'events', 'conversion_rate'],
      filters: [['is', 'event:goal', ['Signup']]],
    });
    expect(res.body.results).toEqual([{ dimensions: [], metrics: [1, 1, 25] }]);
  });

  it('conversion rate per source: converted visitors of the source over all visitors of the range (Plausible)', async () => {
    const res = await query({
      metrics: ['visitors', 'conversion_rate'],
      dimensions: ['visit:source'],
      filters: [['is', 'event:goal', ['Signup', 'Download']]],
    });
    expect(res.body.results).toEqual([
      // Direct: C converted (Download), Google: A; each of the day's 4 visitors → 25 %.
      { dimensions: ['Direct / None'], metrics: [1, 25] },
      { dimensions: ['Google'], metrics: [1, 25] },
    ]);
  });

  it('rejects conversion_rate without a goal', async () => {
    const res = await query({ metrics: ['conversion_rate'] });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^metrics\[0\]: conversion_rate needs event:goal/);
  });
});
