import { beforeAll, describe, expect, it } from 'vitest';
import type { SegmentJson } from '../../../functions/segments/store';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { post } from '../stats/app-fetch';
import { DAY, dataset } from '../stats/dataset';
import { insertEvents, newKey, newSite, statsQuery } from '../stats/fixtures';
import { handOver, saveSegment } from './helpers';

let owner: TestAccount;
let site: SiteJson;
let germanPricing: SegmentJson;
let blog: SegmentJson;
let personal: SegmentJson;

// Written out, the segments are these filters (dataset: visits of 2026-10-05 in Berlin).
const GERMAN_PRICING = [
  ['is', 'visit:country', ['DE']],
  ['contains', 'event:page', ['pricing']],
];
const BLOG = [['matches', 'visit:entry_page', ['^/blog']]];
const US = [['is', 'visit:country', ['US']]];

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  await insertEvents(dataset(site.id));
  germanPricing = await saveSegment(owner, site.id, {
    name: 'DE pricing',
    scope: 'site',
    filters: GERMAN_PRICING,
  });
  blog = await saveSegment(owner, site.id, { name: 'Blog', scope: 'site', filters: BLOG });
  personal = await saveSegment(owner, site.id, { name: 'US (mine)', scope: 'personal', filters: US });
});

function query(filters: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    site_id: site.domain,
    date_range: DAY,
    metrics: ['visitors', 'visits', 'pageviews', 'bounce_rate'],
    filters,
    ...extra,
  };
}

async function results(filters: unknown[], extra: Record<string, unknown> = {}, auth = { cookie: '' }) {
  const res = await statsQuery(query(filters, extra), auth.cookie ? auth : { cookie: owner.cookie });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results;
}

describe('Stats API: the segment filter', () => {
  it('answers exactly as the segment’s filters written out', async () => {
    const shapes: [string, Record<string, unknown>][] = [
      ['totals', {}],
      ['by page', { dimensions: ['event:page'], order_by: [['visitors', 'desc']] }],
      ['by day over a week', { dimensions: ['time:day'], date_range: ['2026-10-01', '2026-10-07'] }],
      [
        'raw events (a date-time range)',
        { date_range: ['2026-10-05T00:00:00+02:00', '2026-10-05T23:59:59+02:00'] },
      ],
    ];
    for (const [label, extra] of shapes) {
      const viaSegment = await results([['is', 'segment', [germanPricing.id]]], extra);
      const written = await results(GERMAN_PRICING, extra);
      expect(viaSegment, label).toEqual(written);
      expect(viaSegment.length, `${label}: not empty`).toBeGreaterThan(0);
    }
    // The hand count: A (A1: /, /pricing) and C (C1: …, /pricing, …) are German visitors on /pricing.
    expect((await results([['is', 'segment', [germanPricing.id]]]))[0]?.metrics.slice(0, 3)).toEqual([
      2, 2, 2,
    ]);
  });

  it('combines with other filters, inside not, and several ids as alternatives', async () => {
    const cases: [string, unknown[], unknown[]][] = [
      [
        'beside another filter',
        [
          ['is', 'segment', [germanPricing.id]],
          ['is', 'visit:source', ['Google']],
        ],
        [...GERMAN_PRICING, ['is', 'visit:source', ['Google']]],
      ],
      ['inside not', [['not', ['is', 'segment', [blog.id]]]], [['not', ['and', BLOG]]]],
      [
        'two ids: either segment',
        [['is', 'segment', [germanPricing.id, blog.id]]],
        [
          [
            'or',
            [
              ['and', GERMAN_PRICING],
              ['and', BLOG],
            ],
          ],
        ],
      ],
      ['a string id', [['is', 'segment', [String(blog.id)]]], BLOG],
    ];
    for (const [label, viaSegment, written] of cases) {
      expect(await results(viaSegment), label).toEqual(await results(written));
    }
  });

  it('answers each query of a batch as it would alone; a bad segment fails its query only', async () => {
    const batch = {
      queries: [
        query([['is', 'segment', [germanPricing.id]]]),
        query([['is', 'segment', [999_999_999]]]),
        query(BLOG, { dimensions: ['event:page'] }),
        query([['is', 'segment', [blog.id]]], { dimensions: ['event:page'] }),
      ],
    };
    const res = await post<{ results: { status: number; results?: unknown; error?: { message: string } }[] }>(
      '/api/v2/query/batch',
      batch,
      { cookie: owner.cookie },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [first, missing, written, viaSegment] = res.body.results;
    expect(first?.status).toBe(200);
    expect(first?.results).toEqual(await results(GERMAN_PRICING));
    expect(missing?.status).toBe(400);
    expect(missing?.error?.message).toMatch(/^queries\[1\]\.filters: segment 999999999 does not exist/);
    expect(viaSegment?.status).toBe(200);
    expect(viaSegment?.results).toEqual(written?.results);
  });

  it('checks metrics against the segment’s filters as if written out', async () => {
    // conversion_rate needs a goal filter: one inside a segment counts.
    const signups = await saveSegment(owner, site.id, {
      name: 'Signups',
      scope: 'site',
      filters: [['is', 'event:goal', ['Signup']]],
    });
    const viaSegment = await results([['is', 'segment', [signups.id]]], {
      metrics: ['visitors', 'conversion_rate'],
    });
    expect(viaSegment).toEqual(
      await results([['is', 'event:goal', ['Signup']]], { metrics: ['visitors', 'conversion_rate'] }),
    );
    // exit_rate cannot be filtered by an event dimension, from a segment either.
    const exits = await statsQuery(
      query([['is', 'segment', [germanPricing.id]]], {
        metrics: ['exit_rate'],
        dimensions: ['visit:exit_page'],
      }),
      { cookie: owner.cookie },
    );
    expect(exits.status).toBe(400);
    expect(exits.body.error?.message).toMatch(/exit_rate cannot be filtered by event:page/);
  });

  it('refuses a segment of another site, another user’s personal segment, and a malformed reference', async () => {
    const stranger = await signUp();
    const theirSite = await newSite(stranger);
    const theirs = await saveSegment(stranger, theirSite.id, { name: 'theirs', scope: 'site', filters: US });

    // The owner's own personal segment works for the owner's session.
    expect(await results([['is', 'segment', [personal.id]]])).toEqual(await results(US));

    const refused: [string, unknown[], { cookie?: string; bearer?: string }][] = [
      ['another site’s segment', [['is', 'segment', [theirs.id]]], { cookie: owner.cookie }],
      ['a missing segment', [['is', 'segment', [999_999_998]]], { cookie: owner.cookie }],
      // An API key reads as the site's integrator, not as a user: site segments only.
      [
        'a personal segment through an API key',
        [['is', 'segment', [personal.id]]],
        { bearer: await newKey(owner) },
      ],
    ];
    for (const [label, filters, auth] of refused) {
      const res = await statsQuery(query(filters), auth);
      expect(res.status, label).toBe(400);
      expect(res.body.error?.code, label).toBe('invalid_query');
    }
    const key = await newKey(owner, { siteId: site.id });
    const viaKey = await statsQuery(query([['is', 'segment', [germanPricing.id]]]), { bearer: key });
    expect(viaKey.status).toBe(200);

    for (const bad of [
      ['is_not', 'segment', [blog.id]],
      ['is', 'segment', []],
      ['is', 'segment', ['blog']],
      ['is', 'segment', [0]],
      ['is', 'segment', Array.from({ length: 11 }, (_, i) => i + 1)],
    ]) {
      const res = await statsQuery(query([bad]), { cookie: owner.cookie });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
  });

  it('keeps a personal segment from another user who reads the same site', async () => {
    const member = await signUp();
    await handOver(owner, member);
    try {
      const res = await statsQuery(query([['is', 'segment', [personal.id]]]), { cookie: member.cookie });
      expect(res.status).toBe(400);
      const shared = await statsQuery(query([['is', 'segment', [blog.id]]]), { cookie: member.cookie });
      expect(shared.status).toBe(200);
    } finally {
      await handOver(owner, member, true);
    }
  });
});
