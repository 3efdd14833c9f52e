import { beforeAll, describe, expect, it } from 'vitest';
import { PAGE_TABS } from '../../../dashboard/src/components/page-tabs';
import { shownRows, tabMetrics } from '../../../dashboard/src/components/panel-tab';
import { breakdownQuery, type View } from '../../../dashboard/src/stats';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { dataset } from './dataset';
import { insertEvents, newSite } from './fixtures';

/**
 * The dashboard's pages panel, as it asks: its tabs' queries in one batch, answered from the
 * hand-counted dataset of ./dataset.ts (Monday 2026-10-05 in Berlin).
 *
 * Exit pages that day: A1 and E1 end on /pricing (3 pageviews), B1 on / (2), C1 on /blog/post-2
 * (1), A2 on /about (1).
 */
let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  await insertEvents(dataset(site.id));
});

type Rows = { dimensions: string[]; metrics: number[] }[];

/** Every tab's query under `view`, in one batch as the dashboard sends them. */
async function askTabs(view: View): Promise<Record<string, { columns: string[]; rows: Rows }>> {
  const asked = PAGE_TABS.map((tab) => ({ tab, ...tabMetrics(tab, view) }));
  const res = await workerFetch('/api/v2/query/batch', {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: owner.cookie },
    body: JSON.stringify({
      queries: asked.map(({ tab, metrics }) => ({
        site_id: site.domain,
        ...breakdownQuery(view, tab.dimension, metrics),
      })),
    }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: { status: number; results: Rows }[] };
  return Object.fromEntries(
    asked.map(({ tab, columns }, i) => {
      expect({ tab: tab.id, status: body.results[i]?.status }).toEqual({ tab: tab.id, status: 200 });
      return [tab.id, { columns, rows: body.results[i]?.results ?? [] }];
    }),
  );
}

const DAY: View = { range: { period: 'custom', from: '2026-10-05', to: '2026-10-05' }, chips: [] };

describe('the pages panel', () => {
  it('shows scroll depth and time on page per page, and the exit rate of exit pages', async () => {
    const tabs = await askTabs(DAY);
    expect(tabs.pages).toEqual({
      columns: ['Visitors', 'Pageviews', 'Scroll depth', 'Time on page'],
      rows: [
        { dimensions: ['/pricing'], metrics: [3, 3, 80, 30] },
        { dimensions: ['/'], metrics: [2, 2, 40, 10] },
        { dimensions: ['/about'], metrics: [1, 1, null, null] },
        { dimensions: ['/blog/post-1'], metrics: [1, 1, null, null] },
        { dimensions: ['/blog/post-2'], metrics: [1, 1, null, null] },
      ],
    });
    expect(tabs['exit-pages']).toEqual({
      columns: ['Visitors', 'Exits', 'Exit rate'],
      rows: [
        { dimensions: ['/pricing'], metrics: [2, 2, 66.7] },
        { dimensions: ['/'], metrics: [1, 1, 50] },
        { dimensions: ['/about'], metrics: [1, 1, 100] },
        { dimensions: ['/blog/post-2'], metrics: [1, 1, 100] },
      ],
    });
  });

  it('shows visit durations as a histogram, shortest first', async () => {
    // A1 420 s and C1 300 s (3–10 min), B1 60 s (1–3 min), A2 and E1 0 s.
    const tabs = await askTabs(DAY);
    expect(tabs['visit-duration']).toEqual({
      columns: ['Visits', 'Visitors'],
      rows: [
        { dimensions: ['0'], metrics: [2, 2] },
        { dimensions: ['180'], metrics: [2, 2] },
        { dimensions: ['60'], metrics: [1, 1] },
      ],
    });
    // On screen: every bucket, shortest first, the empty ones as zeros.
    const tab = PAGE_TABS.find((t) => t.id === 'visit-duration');
    if (!tab) throw new Error('no visit duration tab');
    const shown = shownRows(tab, tabs['visit-duration']?.rows ?? [], 2).map((r) => [
      tab.display?.(r.dimensions[0] ?? ''),
      ...r.metrics,
    ]);
    expect(shown).toEqual([
      ['0–10 s', 2, 2],
      ['10–30 s', 0, 0],
      ['30 s–1 min', 0, 0],
      ['1–3 min', 1, 1],
      ['3–10 min', 2, 2],
      ['10–30 min', 0, 0],
      ['30 min +', 0, 0],
    ]);
  });

  it('leaves the exit rate out under a page filter (the API refuses it: an event has no exit)', async () => {
    const tabs = await askTabs({ ...DAY, chips: [{ dimension: 'event:page', value: '/pricing' }] });
    // Visits with a /pricing pageview: A1 and E1 end there, C1 on /blog/post-2.
    expect(tabs['exit-pages']).toEqual({
      columns: ['Visitors', 'Exits'],
      rows: [
        { dimensions: ['/pricing'], metrics: [2, 2] },
        { dimensions: ['/blog/post-2'], metrics: [1, 1] },
      ],
    });
    expect(tabs.pages?.rows).toEqual([{ dimensions: ['/pricing'], metrics: [3, 3, 80, 30] }]);
  });
});
