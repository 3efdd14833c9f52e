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

/** [visitors, pageviews] on 2026-10-05 with `filters`, read from wherever the planner chooses. */
async function totals(filters: unknown[]): Promise<number[] | undefined> {
  const res = await statsQuery(
    { site_id: site.domain, date_range: DAY, metrics: ['visitors', 'pageviews'], filters },
    { cookie: owner.cookie },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results[0]?.metrics;
}

/** The same through raw events (a date-time range), which must agree. */
async function rawTotals(filters: unknown[]): Promise<number[] | undefined> {
  const res = await statsQuery(
    {
      site_id: site.domain,
      date_range: ['2026-10-05T00:00:00+02:00', '2026-10-05T23:59:59+02:00'],
      metrics: ['visitors', 'pageviews'],
      filters,
    },
    { cookie: owner.cookie },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results[0]?.metrics;
}

// Pages on 2026-10-05: /pricing by A, C, E; / by A, B; /about by A; /blog/post-1 and -2 by C.
const CASES: [string, unknown[], number[]][] = [
  ['is', [['is', 'event:page', ['/pricing']]], [3, 3]],
  ['is with several values', [['is', 'event:page', ['/about', '/blog/post-1']]], [2, 2]],
  ['is_not', [['is_not', 'event:page', ['/pricing']]], [3, 5]],
  ['contains', [['contains', 'event:page', ['blog']]], [1, 2]],
  ['contains, case-insensitive', [['contains', 'event:page', ['BLOG'], { case_sensitive: false }]], [1, 2]],
  ['contains, case-sensitive by default', [['contains', 'event:page', ['BLOG']]], [0, 0]],
  ['contains_not', [['contains_not', 'event:page', ['blog']]], [4, 6]],
  ['matches', [['matches', 'event:page', ['^/blog/post-\\d$']]], [1, 2]],
  ['matches, case-insensitive', [['matches', 'event:page', ['^/BLOG/'], { case_sensitive: false }]], [1, 2]],
  ['matches_not', [['matches_not', 'event:page', ['^/blog/']]], [4, 6]],
  ['is on a visit dimension', [['is', 'visit:country', ['US']]], [2, 2]],
  ['is, case-insensitive', [['is', 'visit:country', ['us'], { case_sensitive: false }]], [2, 2]],
  ['is_not on a visit dimension', [['is_not', 'visit:country', ['US']]], [2, 6]],
  ['country name', [['is', 'visit:country_name', ['Germany']]], [2, 6]],
  ['country name not', [['is_not', 'visit:country_name', ['Germany']]], [2, 2]],
  [
    'country name contains',
    [['contains', 'visit:country_name', ['united'], { case_sensitive: false }]],
    [2, 2],
  ],
  ['country name matches', [['matches', 'visit:country_name', ['^Ger']]], [2, 6]],
  ['country name matching no country', [['is', 'visit:country_name', ['Atlantis']]], [0, 0]],
  ['Direct / None names visits without a source', [['is', 'visit:source', ['Direct / None']]], [2, 4]],
  ['contains on a visit dimension', [['contains', 'visit:source', ['hacker']]], [0, 0]],
  ['matches on a visit dimension', [['matches', 'visit:entry_page', ['^/blog']]], [1, 3]],
  [
    'and across an event and a visit dimension',
    [
      [
        'and',
        [
          ['is', 'visit:country', ['DE']],
          ['contains', 'event:page', ['pricing']],
        ],
      ],
    ],
    [2, 2],
  ],
  [
    'two top-level filters are and-ed',
    [
      ['is', 'visit:country', ['DE']],
      ['contains', 'event:page', ['pricing']],
    ],
    [2, 2],
  ],
  [
    'or across an event and a visit dimension',
    [
      [
        'or',
        [
          ['is', 'visit:country', ['US']],
          ['is', 'event:page', ['/about']],
        ],
      ],
    ],
    [3, 3],
  ],
  ['not', [['not', ['is', 'visit:country', ['DE']]]], [2, 2]],
  [
    'nested not inside or',
    [
      [
        'or',
        [
          ['not', ['contains', 'event:page', ['/']]],
          ['is', 'event:page', ['/about']],
        ],
      ],
    ],
    [1, 1],
  ],
  ['a goal filter keeps that goal’s custom events', [['is', 'event:goal', ['Signup']]], [1, 0]],
  ['event:name', [['is', 'event:name', ['pageview']]], [4, 8]],
  ['event:props', [['is', 'event:props:plan', ['pro']]], [1, 0]],
  ['event:props (none) for a missing key', [['is', 'event:props:plan', ['(none)']]], [4, 8]],
  ['event:hostname', [['is', 'event:hostname', ['other.example']]], [0, 0]],
  // Plausible: (not set) is the empty value; a negative filter on a property keeps events that have it.
  ['(not set) is a visit without the UTM tag', [['is', 'visit:utm_source', ['(not set)']]], [3, 7]],
  ['is_not (not set)', [['is_not', 'visit:utm_source', ['(not set)']]], [1, 1]],
  [
    'contains_not on a property never keeps events without it',
    [['contains_not', 'event:props:plan', ['x']]],
    [1, 0],
  ],
];

describe('filters', () => {
  for (const [name, filters, expected] of CASES) {
    it(`${name}: ${JSON.stringify(filters)} → visitors, pageviews ${expected.join(', ')}`, async () => {
      expect(await totals(filters)).toEqual(expected);
      expect(await rawTotals(filters)).toEqual(expected);
    });
  }

  it('a visit filter with visit metrics reads whole visits: bounce rate and duration of US visits', async () => {
    const res = await statsQuery(
      {
        site_id: site.domain,
        date_range: DAY,
        metrics: ['visits', 'bounce_rate', 'visit_duration'],
        filters: [['is', 'visit:country', ['US']]],
      },
      { cookie: owner.cookie },
    );
    expect(res.body.results).toEqual([{ dimensions: [], metrics: [2, 100, 30] }]);
  });

  it('a page filter with visit metrics: the visits that saw the page; bounce rate of those that entered on it', async () => {
    const res = await statsQuery(
      {
        site_id: site.domain,
        date_range: DAY,
        metrics: ['visits', 'bounce_rate', 'visit_duration'],
        filters: [['is', 'event:page', ['/pricing']]],
      },
      { cookie: owner.cookie },
    );
    // A1 (420 s), C1 (300 s), E1 (bounce, 0 s); only E1 entered on /pricing (Plausible's rule).
    expect(res.body.results).toEqual([{ dimensions: [], metrics: [3, 100, 240] }]);
  });

  it('filters narrow a breakdown', async () => {
    const res = await statsQuery(
      {
        site_id: site.domain,
        date_range: DAY,
        metrics: ['visitors'],
        dimensions: ['visit:source'],
        filters: [['is', 'visit:device', ['Desktop']]],
      },
      { cookie: owner.cookie },
    );
    expect(res.body.results).toEqual([
      { dimensions: ['Direct / None'], metrics: [2] },
      { dimensions: ['Google'], metrics: [1] },
    ]);
  });
});
