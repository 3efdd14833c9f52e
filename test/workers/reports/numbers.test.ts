/**
 * A report's numbers are the Stats API's (issue 12, item 3): on the hand-counted dataset of the
 * stats tests (Europe/Berlin, Monday 2026-10-05), every figure the report data function returns
 * is counted by hand here and equals what `POST /api/v2/query` (and `/api/stats/performance` for
 * web vitals) answers for the same site and days.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { reportData, reportExecutors, reportQueries } from '../../../functions/reports/data';
import { lastCompletePeriod } from '../../../functions/reports/periods';
import { renderReport } from '../../../functions/reports/render';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { authFetch, signUp, type TestAccount } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { dataset } from '../stats/dataset';
import { event, insertEvents, newSite, statsQuery } from '../stats/fixtures';

let owner: TestAccount;
let site: SiteJson;
let vitalsSite: SiteJson;

const readable = (s: SiteJson) => ({ id: s.id, domain: s.domain, timezone: s.timezone });

/** A page load with timings (kind 'performance'), as the tracker sends them. */
function pageLoad(siteId: number, at: string, n: number, lcp: number, inp: number, cls: number): EventRecord {
  return {
    ...event(siteId, at, { visitor: 9000 + n, session: 9000 + n, pathname: '/' }),
    kind: 'performance',
    name: 'performance',
    interactive: 0,
    lcp_ms: lcp,
    inp_ms: inp,
    cls,
    fcp_ms: 500,
    ttfb_ms: 100,
    dns_ms: 5,
    connect_ms: 10,
    dom_interactive_ms: 600,
    load_ms: 900,
  };
}

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'Europe/Berlin');
  vitalsSite = await newSite(owner, 'Europe/Berlin');
  await insertEvents(dataset(site.id));
  // Sunday the 4th: good LCP; Monday the 5th: poor LCP. INP and CLS stay good on both days.
  const loads: EventRecord[] = [];
  for (let i = 0; i < 8; i++) {
    loads.push(pageLoad(vitalsSite.id, `2026-10-04T09:0${i}:00Z`, i, 1200 + 10 * i, 80, 0.02));
    loads.push(pageLoad(vitalsSite.id, `2026-10-05T09:0${i}:00Z`, 10 + i, 5000 + 10 * i, 90, 0.03));
  }
  await insertEvents(loads);
});

describe('report numbers', () => {
  it('the daily report of Monday 2026-10-05 has the hand-counted figures', async () => {
    const period = lastCompletePeriod('daily', '2026-10-06');
    const data = await reportData(reportExecutors(testEnv), readable(site), period, Date.now());
    expect(data.current).toEqual({
      visitors: 4,
      visits: 5,
      pageviews: 8,
      bounce_rate: 60,
      visit_duration: 156,
    });
    // Sunday the 4th: F1 and B0, two one-page visits.
    expect(data.previous).toEqual({
      visitors: 2,
      visits: 2,
      pageviews: 2,
      bounce_rate: 100,
      visit_duration: 0,
    });
    expect(data.sameDayLastWeek).toEqual({
      visitors: 0,
      visits: 0,
      pageviews: 0,
      bounce_rate: 0,
      visit_duration: 0,
    });
    expect(data.topPages).toEqual([
      { page: '/pricing', visitors: 3, pageviews: 3 },
      { page: '/', visitors: 2, pageviews: 2 },
      { page: '/about', visitors: 1, pageviews: 1 },
      { page: '/blog/post-1', visitors: 1, pageviews: 1 },
      { page: '/blog/post-2', visitors: 1, pageviews: 1 },
    ]);
    expect(data.topSources).toEqual([
      { source: 'Direct / None', visitors: 2 },
      { source: 'Hacker News', visitors: 2 },
      { source: 'Google', visitors: 1 },
    ]);
    expect(data.topGoals).toEqual([
      { goal: 'Download', visitors: 1, events: 1 },
      { goal: 'Signup', visitors: 1, events: 1 },
    ]);
  });

  it('every figure equals the answer of POST /api/v2/query for the same query (daily, weekly, monthly)', async () => {
    for (const [frequency, today] of [
      ['daily', '2026-10-06'],
      ['weekly', '2026-10-12'],
      ['monthly', '2026-11-01'],
    ] as const) {
      const period = lastCompletePeriod(frequency, today);
      const data = await reportData(reportExecutors(testEnv), readable(site), period, Date.now());
      const bodies = reportQueries(readable(site), period);
      const answers: Record<string, { metrics: number[]; dimensions: string[] }[]> = {};
      for (const [name, body] of Object.entries(bodies)) {
        const res = await statsQuery(body, { cookie: owner.cookie });
        expect(res.status, `${frequency} ${name}`).toBe(200);
        answers[name] = res.body.results;
      }
      const totals = (name: string) => {
        const [visitors, visits, pageviews, bounce_rate, visit_duration] = answers[name]?.[0]?.metrics ?? [];
        return { visitors, visits, pageviews, bounce_rate, visit_duration };
      };
      expect(data.current, frequency).toEqual(totals('current'));
      expect(data.previous, frequency).toEqual(totals('previous'));
      if (frequency === 'daily') expect(data.sameDayLastWeek).toEqual(totals('sameDayLastWeek'));
      else expect(data.sameDayLastWeek).toBeUndefined();
      expect(data.topPages.map((p) => [p.page, p.visitors, p.pageviews])).toEqual(
        answers.topPages?.map((r) => [...r.dimensions, ...r.metrics]),
      );
      expect(data.topSources.map((s) => [s.source, s.visitors])).toEqual(
        answers.topSources?.map((r) => [...r.dimensions, ...r.metrics]),
      );
      expect(data.topGoals.map((g) => [g.goal, g.visitors, g.events])).toEqual(
        answers.topGoals?.map((r) => [...r.dimensions, ...r.metrics]),
      );
    }
    // The week of 5–11 October: the Monday's four and D (early on the 6th); the week before: F and B.
    const weekly = await reportData(
      reportExecutors(testEnv),
      readable(site),
      lastCompletePeriod('weekly', '2026-10-12'),
      Date.now(),
    );
    expect(weekly.current.visitors).toBe(5);
    expect(weekly.previous.visitors).toBe(2);
  });

  it('web vitals p75 equal /api/stats/performance, and LCP moving from good to poor is flagged', async () => {
    const period = lastCompletePeriod('daily', '2026-10-06');
    const data = await reportData(reportExecutors(testEnv), readable(vitalsSite), period, Date.now());
    const p75 = async (day: string) => {
      const res = await authFetch('/api/stats/performance', {
        body: { site_id: vitalsSite.domain, date_range: [day, day] },
        cookie: owner.cookie,
        csrf: owner.csrf,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { metrics: Record<string, { p75: number | null }> }[] };
      return body.results[0]?.metrics ?? {};
    };
    const [now, before] = [await p75('2026-10-05'), await p75('2026-10-04')];
    expect(data.vitalSamples).toBe(8);
    for (const vital of data.vitals) {
      expect(vital.p75, vital.metric).toBe(now[vital.metric]?.p75);
      expect(vital.previousP75, vital.metric).toBe(before[vital.metric]?.p75);
    }
    expect(data.vitals.map((v) => [v.metric, v.band, v.previousBand, v.worse])).toEqual([
      ['lcp', 'poor', 'good', true],
      ['inp', 'good', 'good', false],
      ['cls', 'good', 'good', false],
    ]);
    const mail = renderReport(data, {
      dashboard: 'https://d',
      unsubscribe: 'https://u',
      settings: 'https://s',
    });
    expect(mail.text).toContain('LCP moved into a worse band than the previous day.');
  });
});
