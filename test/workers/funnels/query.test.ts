import { beforeAll, describe, expect, it } from 'vitest';
import type { FunnelJson } from '../../../functions/funnels/funnel';
import type { GoalJson } from '../../../functions/goals/goal';
import type { SiteJson } from '../../../functions/sites/store';
import type { EventRecord } from '../../../workers/events/record';
import { signUp, type TestAccount, uniqueIp } from '../helpers/accounts';
import { workerFetch } from '../helpers/stack';
import { call } from '../sites/client';
import { event, insertEvents, newKey, newSite } from '../stats/fixtures';

/**
 * A 3-step funnel, counted by hand. A UTC site; goals: Visit /pricing (page), Signup, Purchase
 * (events); the funnel is those three in that order. All on 2026-10-12 unless said:
 *
 * | visitor | visit | events (in time order)                                  | step reached |
 * | V1      | S1    | /pricing, /about, Signup, Purchase                      | 3            |
 * | V2      | S2    | /pricing, Signup                                        | 2            |
 * | V3      | S3    | /pricing                                                | 1            |
 * | V4      | S4    | Signup, /pricing, Purchase (out of order)               | 1            |
 * | V5      | S5a   | /pricing                                                | 1            |
 * | V5      | S5b   | Signup (another visit, two hours later)                 | (0)          |
 * | V6      | S6    | /about                                                  | 0            |
 * | V7      | S7    | /pricing, Signup, Purchase; country DE                  | 3            |
 * | V8      | S8    | 2026-10-13: /pricing, Signup                            | 2            |
 *
 * On 2026-10-12: 7 visitors; step 1: V1 V2 V3 V4 V5 V7 = 6; step 2: V1 V2 V7 = 3; step 3: V1 V7 = 2.
 * - conversion from step 1: 100, 50, 33.3; from the step before: 100, 50, 66.7
 * - drop-off: 0, 3 (50 %), 1 (33.3 %)
 * Both days: 8 visitors; steps 7, 4, 2.
 * Country DE: V7 alone, 1, 1, 1. Visits with an /about pageview: V1 and V6, so 2 visitors; 1, 1, 1.
 * V2 came from Google (its first event's source) and V3 uses Firefox; everyone else is Direct / None
 * on Chrome.
 */
function dataset(site: number): EventRecord[] {
  const rows: EventRecord[] = [];
  const add = (v: number, session: number, at: string, what: string, extra: Partial<EventRecord> = {}) => {
    const page = what.startsWith('/');
    rows.push(
      event(site, at.includes('T') ? at : `2026-10-12T${at}Z`, {
        visitor: 7700 + v,
        session,
        ...(page ? { pathname: what } : { kind: 'custom', name: what, pathname: '/app' }),
        ...extra,
      }),
    );
  };
  add(1, 1, '10:00:00', '/pricing');
  add(1, 1, '10:01:00', '/about');
  add(1, 1, '10:02:00', 'Signup');
  add(1, 1, '10:03:00', 'Purchase');
  add(2, 2, '10:00:00', '/pricing', { referrer_source: 'Google', browser: 'Chrome' });
  add(2, 2, '10:05:00', 'Signup', { browser: 'Chrome' });
  add(3, 3, '11:00:00', '/pricing', { browser: 'Firefox' });
  add(4, 4, '11:00:00', 'Signup');
  add(4, 4, '11:01:00', '/pricing');
  add(4, 4, '11:02:00', 'Purchase');
  add(5, 51, '12:00:00', '/pricing');
  add(5, 52, '14:00:00', 'Signup');
  add(6, 6, '12:00:00', '/about');
  add(7, 7, '13:00:00', '/pricing', { country: 'DE' });
  add(7, 7, '13:01:00', 'Signup', { country: 'DE' });
  add(7, 7, '13:02:00', 'Purchase', { country: 'DE' });
  add(8, 8, '2026-10-13T09:00:00Z', '/pricing');
  add(8, 8, '2026-10-13T09:01:00Z', 'Signup');
  return rows;
}

interface FunnelAnswer {
  status: number;
  body: {
    funnel: { id: number; name: string } | null;
    steps: {
      goal: string;
      visitors: number;
      conversion_rate: number;
      conversion_rate_step: number;
      dropoff: number;
      dropoff_percentage: number;
    }[];
    meta: Record<string, number>;
    query: Record<string, unknown>;
    error?: { code: string; message: string };
  };
}

let owner: TestAccount;
let site: SiteJson;
let funnel: FunnelJson;
const DAY = ['2026-10-12', '2026-10-12'];

async function funnelQuery(body: Record<string, unknown>, auth: { cookie?: string; bearer?: string } = {}) {
  const headers = new Headers({ 'content-type': 'application/json', 'cf-connecting-ip': uniqueIp() });
  if (auth.cookie) headers.set('cookie', auth.cookie);
  if (auth.bearer) headers.set('authorization', `Bearer ${auth.bearer}`);
  const res = await workerFetch('/api/v2/funnel', { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as FunnelAnswer['body'] } satisfies FunnelAnswer;
}

function ask(body: Record<string, unknown>) {
  return funnelQuery(
    { site_id: site.domain, funnel_id: funnel.id, date_range: DAY, ...body },
    { cookie: owner.cookie },
  );
}

/** [visitors, conversion_rate, conversion_rate_step, dropoff, dropoff_percentage] per step. */
function figures(answer: FunnelAnswer): number[][] {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.steps.map((s) => [
    s.visitors,
    s.conversion_rate,
    s.conversion_rate_step,
    s.dropoff,
    s.dropoff_percentage,
  ]);
}

beforeAll(async () => {
  owner = await signUp();
  site = await newSite(owner, 'UTC');
  const goals: GoalJson[] = [];
  for (const body of [
    { kind: 'page', page_path: '/pricing' },
    { kind: 'event', event_name: 'Signup' },
    { kind: 'event', event_name: 'Purchase' },
  ]) {
    const res = await call<{ goal: GoalJson }>('POST', `/api/sites/${site.id}/goals`, { as: owner, body });
    expect(res.status).toBe(201);
    goals.push(res.body.goal);
  }
  const created = await call<{ funnel: FunnelJson }>('POST', `/api/sites/${site.id}/funnels`, {
    as: owner,
    body: { name: 'Checkout', steps: goals.map((g) => g.id) },
  });
  expect(created.status).toBe(201);
  funnel = created.body.funnel;
  await insertEvents(dataset(site.id));
});

describe('POST /api/v2/funnel', () => {
  it('counts visitors per step within one visit: out of order and another visit do not count', async () => {
    const answer = await ask({});
    expect(figures(answer)).toEqual([
      [6, 100, 100, 0, 0],
      [3, 50, 50, 3, 50],
      [2, 33.3, 66.7, 1, 33.3],
    ]);
    expect(answer.body.steps.map((s) => s.goal)).toEqual(['Visit /pricing', 'Signup', 'Purchase']);
    expect(answer.body.funnel).toEqual({ id: funnel.id, name: 'Checkout' });
    expect(answer.body.meta).toEqual({
      all_visitors: 7,
      entering_visitors: 6,
      entering_visitors_percentage: 85.7,
      never_entering_visitors: 1,
      never_entering_visitors_percentage: 14.3,
    });
    expect(answer.body.query).toMatchObject({ site_id: site.domain, funnel_id: funnel.id, filters: [] });
  });

  it('takes ad-hoc steps by goal name or id, in the order given', async () => {
    const byName = await ask({ funnel_id: undefined, steps: ['Visit /pricing', 'Signup'] });
    expect(figures(byName).map((s) => s[0])).toEqual([6, 3]);
    expect(byName.body.funnel).toBeNull();
    // Signup then Purchase, by id: Signup by V1, V2, V4, V5 (its second visit), V7 = 5; Purchase after
    // it in the same visit by V1, V4 (Signup 11:00, Purchase 11:02) and V7 = 3.
    const ids = funnel.steps.map((s) => s.goal_id);
    const byId = await ask({ funnel_id: undefined, steps: [ids[1], ids[2]] });
    expect(figures(byId)).toEqual([
      [5, 100, 100, 0, 0],
      [3, 60, 60, 2, 40],
    ]);
    // Purchase then /pricing: nobody visits /pricing after purchasing.
    const backwards = await ask({ funnel_id: undefined, steps: ['Purchase', 'Visit /pricing'] });
    expect(figures(backwards).map((s) => s[0])).toEqual([3, 0]);
  });

  it('applies date ranges and filters', async () => {
    expect(figures(await ask({ date_range: ['2026-10-12', '2026-10-13'] })).map((s) => s[0])).toEqual([
      7, 4, 2,
    ]);
    expect(figures(await ask({ date_range: ['2026-10-13', '2026-10-13'] })).map((s) => s[0])).toEqual([
      1, 1, 0,
    ]);
    // "all" runs from the site's first event to today.
    const all = await ask({ date_range: 'all' });
    expect(figures(all).map((s) => s[0])).toEqual([7, 4, 2]);
    expect((all.body.query.date_range as string[])[0]).toMatch(/^2026-10-12T00:00:00/);
    const germany = await ask({ filters: [['is', 'visit:country', ['DE']]] });
    expect(figures(germany)).toEqual([
      [1, 100, 100, 0, 0],
      [1, 100, 100, 0, 0],
      [1, 100, 100, 0, 0],
    ]);
    expect(germany.body.meta.all_visitors).toBe(1);
    const about = await ask({ filters: [['is', 'event:page', ['/about']]] });
    expect(figures(about).map((s) => s[0])).toEqual([1, 1, 1]);
    expect(about.body.meta.all_visitors).toBe(2);
    // A visit filter and an event filter together: V1 read /about outside Germany, V7 did not read it.
    const mixed = await ask({
      filters: [
        ['is_not', 'visit:country', ['DE']],
        ['is', 'event:page', ['/about']],
      ],
    });
    expect(figures(mixed).map((s) => s[0])).toEqual([1, 1, 1]);
    const none = await ask({
      filters: [
        ['is', 'visit:country', ['DE']],
        ['is', 'event:page', ['/about']],
      ],
    });
    expect(figures(none).map((s) => s[0])).toEqual([0, 0, 0]);
    const notGermany = await ask({ filters: [['is_not', 'visit:country', ['DE']]] });
    expect(figures(notGermany).map((s) => s[0])).toEqual([5, 2, 1]);
    // A source is the visit's first touch, read from the visits; a browser from the step events.
    const google = await ask({ filters: [['is', 'visit:source', ['Google']]] });
    expect(figures(google).map((s) => s[0])).toEqual([1, 1, 0]);
    const notGoogle = await ask({ filters: [['is_not', 'visit:source', ['Google']]] });
    expect(figures(notGoogle).map((s) => s[0])).toEqual([5, 2, 2]);
    const firefox = await ask({ filters: [['is', 'visit:browser', ['Firefox']]] });
    expect(figures(firefox).map((s) => s[0])).toEqual([1, 0, 0]);
    expect(firefox.body.meta.all_visitors).toBe(1);
    // A visit filter with an event filter whose event is no step: V1 (/about, not Firefox) stays.
    const notFirefoxAbout = await ask({
      filters: [
        ['is_not', 'visit:browser', ['Firefox']],
        ['contains', 'event:page', ['/abo']],
      ],
    });
    expect(figures(notFirefoxAbout).map((s) => s[0])).toEqual([1, 1, 1]);
  });

  it('reads with an API key as the Stats API does, and hides other tenants’ sites and funnels', async () => {
    const key = await newKey(owner);
    const withKey = await funnelQuery(
      { site_id: site.domain, funnel_id: funnel.id, date_range: DAY },
      { bearer: key },
    );
    expect(figures(withKey).map((s) => s[0])).toEqual([6, 3, 2]);
    expect((await funnelQuery({ site_id: site.domain, funnel_id: funnel.id, date_range: DAY })).status).toBe(
      401,
    );

    const stranger = await signUp();
    const foreign = await funnelQuery(
      { site_id: site.domain, funnel_id: funnel.id, date_range: DAY },
      { cookie: stranger.cookie },
    );
    expect([foreign.status, foreign.body.error?.code]).toEqual([404, 'not_found']);
    const strangerSite = await newSite(stranger, 'UTC');
    const otherFunnel = await funnelQuery(
      { site_id: strangerSite.domain, funnel_id: funnel.id, date_range: DAY },
      { cookie: stranger.cookie },
    );
    expect([otherFunnel.status, otherFunnel.body.error?.message]).toEqual([404, 'no such funnel']);
  });

  it('refuses bad queries with a 400 naming the field', async () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ funnel_id: undefined }, /^funnel_id or steps/],
      [{ steps: ['Signup', 'Purchase'] }, /^funnel_id or steps/],
      [{ funnel_id: 'x' }, /^funnel_id:/],
      [{ funnel_id: undefined, steps: ['Signup'] }, /^steps:/],
      [{ funnel_id: undefined, steps: ['Signup', 'Nope'] }, /^steps\[1\]: "Nope" is not a goal/],
      [{ funnel_id: undefined, steps: ['Signup', 'Signup'] }, /^steps: each goal at most once/],
      [{ funnel_id: undefined, steps: ['Signup', {}] }, /^steps\[1\]/],
      [{ date_range: 'yesterday' }, /^date_range/],
      [{ date_range: undefined }, /^date_range/],
      [{ filters: [['is', 'event:goal', ['Signup']]] }, /^filters: event:goal/],
      [{ filters: [['is', 'visit:nope', ['x']]] }, /^filters\[0\]\[1\]/],
      [{ metrics: ['visitors'] }, /^metrics: unknown field/],
    ];
    for (const [body, message] of bad) {
      const res = await ask(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error?.message).toMatch(message);
    }
    expect((await ask({ funnel_id: 987654 })).status).toBe(404);
  });
});
