import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newSite, statsQuery } from './fixtures';

/**
 * Plausible v2's behavioural filters `has_done` / `has_not_done`: the visits in which an event
 * matching the inner filter did (not) happen. A UTC site, all on 2026-10-14; counted by hand:
 *
 * | visitor | source  | visit | events                        |
 * | V1      | Google  | A     | pageview /pricing; Signup there |
 * | V2      | Google  | B     | pageview /; pageview /pricing |
 * | V3      | Twitter | C     | pageview /; Signup            |
 * | V4      | (none)  | D     | pageview /blog                |
 * | V5      | Twitter | E     | pageview /pricing             |
 * | V5      | Twitter | F     | pageview /; Signup            |
 *
 * 5 visitors, 6 visits. Goals: Signup (event), Visit /pricing (page). Visits that signed up: A, C, F
 * (visitors V1 V3 V5); visits that did not: B, D, E (V2 V4 V5).
 */
function dataset(site: number): EventRecord[] {
  const at = (time: string) => `2026-10-14T${time}Z`;
  const sources: Record<number, string> = { 1: 'Google', 2: 'Google', 3: 'Twitter', 4: '', 5: 'Twitter' };
  const who = (v: number, visit: number) => ({
    visitor: 600 + v,
    session: 6600 + visit,
    referrer_source: sources[v],
  });
  const view = (v: number, visit: number, time: string, pathname: string) =>
    event(site, at(time), { ...who(v, visit), pathname });
  const signup = (v: number, visit: number, time: string, pathname: string) =>
    event(site, at(time), { ...who(v, visit), kind: 'custom', name: 'Signup', pathname });
  return [
    view(1, 1, '09:00:00', '/pricing'),
    signup(1, 1, '09:01:00', '/pricing'),
    view(2, 2, '10:00:00', '/'),
    view(2, 2, '10:01:00', '/pricing'),
    view(3, 3, '11:00:00', '/'),
    signup(3, 3, '11:01:00', '/'),
    view(4, 4, '12:00:00', '/blog'),
    view(5, 5, '13:00:00', '/pricing'),
    view(5, 6, '15:00:00', '/'),
    signup(5, 6, '15:01:00', '/'),
  ];
}

const DAY = ['2026-10-14', '2026-10-14'];
const signedUp = ['has_done', ['is', 'event:goal', ['Signup']]];
const notSignedUp = ['has_not_done', ['is', 'event:goal', ['Signup']]];

let owner: TestAccount;
let site: SiteJson;

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  await insertEvents(dataset(site.id));
  for (const body of [
    { kind: 'event', event_name: 'Signup' },
    { kind: 'page', page_path: '/pricing' },
  ]) {
    const res = await call('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
    expect(res.status).toBe(201);
  }
});

function query(body: Record<string, unknown>) {
  return statsQuery({ site_id: site.domain, date_range: DAY, ...body }, { cookie: owner.cookie });
}

async function results(body: Record<string, unknown>): Promise<unknown> {
  const res = await query(body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results;
}

describe('has_done / has_not_done', () => {
  it('keeps the visits that did, or did not, complete a goal', async () => {
    const metrics = ['visitors', 'visits', 'pageviews'];
    expect(await results({ metrics, filters: [signedUp] })).toEqual([{ dimensions: [], metrics: [3, 3, 3] }]);
    expect(await results({ metrics, filters: [notSignedUp] })).toEqual([
      { dimensions: [], metrics: [3, 3, 4] },
    ]);
    // `not` around has_done is has_not_done.
    expect(await results({ metrics, filters: [['not', signedUp]] })).toEqual([
      { dimensions: [], metrics: [3, 3, 4] },
    ]);
    // On event:name too, and on a page goal.
    expect(await results({ metrics, filters: [['has_done', ['is', 'event:name', ['Signup']]]] })).toEqual([
      { dimensions: [], metrics: [3, 3, 3] },
    ]);
    expect(
      await results({ metrics, filters: [['has_done', ['is', 'event:goal', ['Visit /pricing']]]] }),
    ).toEqual([{ dimensions: [], metrics: [3, 3, 4] }]);
  });

  it('works within a visit: the same visit, not the same visitor', async () => {
    // Plausible's example: Signup conversions of visits that saw /pricing. V5 saw /pricing in one
    // visit and signed up in another, so only V1 counts.
    expect(
      await results({
        metrics: ['visitors', 'events'],
        filters: [
          ['is', 'event:goal', ['Signup']],
          ['has_done', ['is', 'event:page', ['/pricing']]],
        ],
      }),
    ).toEqual([{ dimensions: [], metrics: [1, 1] }]);
    // Pages of the visits that signed up: /pricing only in A, / in C and F.
    expect(
      await results({ metrics: ['visitors', 'pageviews'], dimensions: ['event:page'], filters: [signedUp] }),
    ).toEqual([
      { dimensions: ['/'], metrics: [2, 2] },
      { dimensions: ['/pricing'], metrics: [1, 1] },
    ]);
    expect(
      await results({ metrics: ['visitors'], dimensions: ['visit:source'], filters: [signedUp] }),
    ).toEqual([
      { dimensions: ['Twitter'], metrics: [2] },
      { dimensions: ['Google'], metrics: [1] },
    ]);
  });

  it('exit rate and funnels take them too', async () => {
    // Exits of the visits that signed up: C and F end on / (its 2 pageviews there), A on /pricing.
    expect(
      await results({
        metrics: ['visits', 'exit_rate'],
        dimensions: ['visit:exit_page'],
        filters: [signedUp],
      }),
    ).toEqual([
      { dimensions: ['/'], metrics: [2, 100] },
      { dimensions: ['/pricing'], metrics: [1, 100] },
    ]);
    // Funnel /pricing → Signup over the visits that did not sign up (B, D, E): V2 and V5 reach
    // step 1 (V5 in E), nobody step 2; V4 never enters.
    const res = await workerFetch('/api/v2/funnel', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: owner.cookie },
      body: JSON.stringify({
        site_id: site.domain,
        steps: ['Visit /pricing', 'Signup'],
        date_range: DAY,
        filters: [notSignedUp],
      }),
    });
    expect(res.status).toBe(200);
    const funnel = (await res.json()) as { steps: { goal: string; visitors: number }[] };
    expect(funnel.steps.map((step) => [step.goal, step.visitors])).toEqual([
      ['Visit /pricing', 2],
      ['Signup', 0],
    ]);
  });

  it('empty cases: nobody did it, everybody did not', async () => {
    const nobody = ['has_done', ['is', 'event:name', ['Purchase']]];
    expect(await results({ metrics: ['visitors', 'visits'], filters: [nobody] })).toEqual([
      { dimensions: [], metrics: [0, 0] },
    ]);
    expect(await results({ metrics: ['visitors'], dimensions: ['visit:source'], filters: [nobody] })).toEqual(
      [],
    );
    expect(
      await results({
        metrics: ['visitors', 'visits'],
        filters: [['has_not_done', ['is', 'event:name', ['Purchase']]]],
      }),
    ).toEqual([{ dimensions: [], metrics: [5, 6] }]);
    // Both at once: no visit both signed up and did not.
    expect(await results({ metrics: ['visitors'], filters: [signedUp, notSignedUp] })).toEqual([
      { dimensions: [], metrics: [0] },
    ]);
  });

  it('echoes the filter, and refuses what Plausible refuses', async () => {
    const res = await query({ metrics: ['visitors'], filters: [signedUp] });
    expect(res.body.query.filters).toEqual([signedUp]);
    const bad: [unknown, RegExp][] = [
      [['has_done', signedUp], /cannot be nested/],
      [['has_done', ['is', 'visit:source', ['Google']]], /event dimensions/],
      [['has_done'], /expected \["has_done", filter\]/],
      [['has_not_done', ['is', 'event:goal', ['Signup']], ['x']], /expected \["has_not_done", filter\]/],
      [['has_done', ['is', 'segment', [1]]], /event dimensions/],
    ];
    for (const [filter, message] of bad) {
      const answer = await query({ metrics: ['visitors'], filters: [filter] });
      expect({ filter, status: answer.status }).toEqual({ filter, status: 400 });
      expect(answer.body.error?.message).toMatch(message);
    }
  });
});
