import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { blankEvent } from '../../fixtures/event-record';
import { authFetch, signUp, type TestAccount } from '../helpers/accounts';
import { insertEvents, newKey, newSite } from '../stats/fixtures';
import { saveSegment } from './helpers';

let owner: TestAccount;
let site: SiteJson;

/** Page loads on 2026-10-05: German desktops on /, a US phone on /pricing, a German phone on /pricing. */
function load(
  siteId: number,
  n: number,
  page: string,
  country: string,
  device: string,
  lcp: number,
): EventRecord {
  return {
    ...blankEvent(),
    site_id: siteId,
    timestamp: Date.UTC(2026, 9, 5, 10, n) / 1000,
    kind: 'performance',
    name: 'performance',
    visitor_id: String(9_100 + n),
    session_id: String(9_200 + n),
    hostname: 'shop.example',
    pathname: page,
    channel: 'Direct',
    country,
    device,
    interactive: 0,
    lcp_ms: lcp,
    inp_ms: 100,
    cls: 0.01,
    fcp_ms: 800,
    ttfb_ms: 200,
  };
}

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents([
    load(site.id, 1, '/', 'DE', 'Desktop', 1000),
    load(site.id, 2, '/', 'DE', 'Desktop', 1200),
    load(site.id, 3, '/pricing', 'US', 'Mobile', 5000),
    load(site.id, 4, '/pricing', 'DE', 'Mobile', 3000),
  ]);
});

async function performance(filters: unknown[], auth: { cookie?: string; bearer?: string } = {}) {
  const res = await authFetch('/api/stats/performance', {
    body: {
      site_id: site.domain,
      date_range: ['2026-10-05', '2026-10-05'],
      dimension: 'event:page',
      filters,
    },
    cookie: auth.bearer ? undefined : (auth.cookie ?? owner.cookie),
    headers: auth.bearer ? { authorization: `Bearer ${auth.bearer}` } : {},
  });
  return {
    status: res.status,
    body: (await res.json()) as { results?: unknown[]; error?: { message: string } },
  };
}

describe('performance API: the segment filter', () => {
  it('answers as the segment’s filters written out, beside other filters', async () => {
    const german = [['is', 'visit:country', ['DE']]];
    const segment = await saveSegment(owner, site.id, { name: 'German', scope: 'site', filters: german });
    const viaSegment = await performance([['is', 'segment', [segment.id]]]);
    expect(viaSegment.status, JSON.stringify(viaSegment.body)).toBe(200);
    expect(viaSegment.body).toEqual((await performance(german)).body);
    expect(viaSegment.body.results).toHaveLength(2);

    const narrowed = await performance([
      ['is', 'segment', [segment.id]],
      ['is', 'visit:device', ['Mobile']],
    ]);
    expect(narrowed.body).toEqual((await performance([...german, ['is', 'visit:device', ['Mobile']]])).body);
    expect(narrowed.body.results).toHaveLength(1);
  });

  it('refuses what it cannot apply: a filter it cannot take, several ids, a personal segment for a key', async () => {
    const bySource = await saveSegment(owner, site.id, {
      name: 'Google',
      scope: 'site',
      filters: [['is', 'visit:source', ['Google']]],
    });
    const either = await saveSegment(owner, site.id, {
      name: 'Either',
      scope: 'site',
      filters: [
        [
          'or',
          [
            ['is', 'visit:country', ['DE']],
            ['is', 'visit:device', ['Mobile']],
          ],
        ],
      ],
    });
    const mine = await saveSegment(owner, site.id, {
      name: 'Mine',
      scope: 'personal',
      filters: [['is', 'event:page', ['/']]],
    });
    const key = await newKey(owner);
    const cases: [string, unknown[], { bearer?: string }, RegExp][] = [
      [
        'a dimension performance lacks',
        [['is', 'segment', [bySource.id]]],
        {},
        /segment \d+ cannot filter performance/,
      ],
      ['an or', [['is', 'segment', [either.id]]], {}, /segment \d+ cannot filter performance/],
      ['two ids', [['is', 'segment', [bySource.id, either.id]]], {}, /one segment per filter/],
      ['a missing segment', [['is', 'segment', [999_999_997]]], {}, /does not exist/],
      ['a personal segment through a key', [['is', 'segment', [mine.id]]], { bearer: key }, /does not exist/],
    ];
    for (const [label, filters, auth, message] of cases) {
      const res = await performance(filters, auth);
      expect(res.status, label).toBe(400);
      expect(res.body.error?.message, label).toMatch(message);
    }
    expect((await performance([['is', 'segment', [mine.id]]])).status).toBe(200);
  });
});
