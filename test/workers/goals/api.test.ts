import { describe, expect, it } from 'vitest';
import type { GoalJson } from '../../../functions/goals/goal';
import { MAX_GOALS_PER_SITE } from '../../../functions/goals/goal';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { type Caller, call, uniqueDomain } from '../sites/client';

type GoalsBody = { goals: GoalJson[] };
type GoalBody = { goal: GoalJson };

async function newSite(as: Caller): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', {
    as,
    body: { domain: uniqueDomain('goals') },
  });
  expect(res.status).toBe(201);
  return res.body.site;
}

/** The goals without ids and times, as compared below. */
function shapes(goals: GoalJson[]): Omit<GoalJson, 'id' | 'created_at'>[] {
  return goals.map(({ id: _id, created_at: _at, ...rest }) => rest);
}

describe('/api/sites/:id/goals: who may call', () => {
  it('answers 401 without a session, 404 for another account’s site, 403 without the CSRF header', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/goals`;
    const created = await call<GoalBody>('POST', path, {
      as: owner,
      body: { kind: 'event', event_name: 'Signup' },
    });
    expect(created.status).toBe(201);
    const goalPath = `${path}/${created.body.goal.id}`;
    const attempts = [
      ['GET', path, undefined],
      ['POST', path, { kind: 'event', event_name: 'Other' }],
      ['PATCH', goalPath, { display_name: 'Taken over' }],
      ['DELETE', goalPath, undefined],
    ] as const;
    for (const [method, target, body] of attempts) {
      expect((await call(method, target, { body })).status, `${method} anonymous`).toBe(401);
      const other = await call(method, target, { as: stranger, body });
      expect(other.status, `${method} stranger`).toBe(404);
      expect(other.body.error?.code).toBe('not_found');
    }
    for (const [method, target, body] of attempts.slice(1)) {
      const noCsrf = await call(method, target, { as: owner, body, csrf: false });
      expect(noCsrf.status, `${method} without CSRF`).toBe(403);
      expect(noCsrf.body.error?.code).toBe('csrf');
    }
    // The stranger's own site cannot reach the owner's goal by its id either.
    const strangerSite = await newSite(stranger);
    const cross = `/api/sites/${strangerSite.id}/goals/${created.body.goal.id}`;
    expect((await call('PATCH', cross, { as: stranger, body: { display_name: 'x' } })).status).toBe(404);
    expect((await call('DELETE', cross, { as: stranger })).status).toBe(404);

    const after = await call<GoalsBody>('GET', path, { as: owner });
    expect(shapes(after.body.goals)).toEqual([
      {
        kind: 'event',
        display_name: 'Signup',
        event_name: 'Signup',
        page_path: null,
        scroll_threshold: null,
        currency: null,
      },
    ]);
  });
});

describe('/api/sites/:id/goals: each kind', () => {
  it('creates, lists, renames and deletes goals of every kind', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/goals`;
    expect((await call<GoalsBody>('GET', path, { as: owner })).body.goals).toEqual([]);

    const bodies = [
      { kind: 'event', event_name: 'Signup' },
      { kind: 'page', page_path: '/blog/**' },
      { kind: 'page', page_path: '/docs/*/install', display_name: '  Read install docs ' },
      { kind: 'scroll', page_path: '/blog/**', scroll_threshold: 50 },
      { kind: 'scroll', page_path: '/blog/**', scroll_threshold: 90 },
      { kind: 'revenue', event_name: 'Purchase', currency: 'eur' },
    ];
    const created: GoalJson[] = [];
    for (const body of bodies) {
      const res = await call<GoalBody>('POST', path, { as: owner, body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      created.push(res.body.goal);
    }
    const expected = [
      {
        kind: 'event',
        display_name: 'Signup',
        event_name: 'Signup',
        page_path: null,
        scroll_threshold: null,
        currency: null,
      },
      {
        kind: 'page',
        display_name: 'Visit /blog/**',
        event_name: null,
        page_path: '/blog/**',
        scroll_threshold: null,
        currency: null,
      },
      {
        kind: 'page',
        display_name: 'Read install docs',
        event_name: null,
        page_path: '/docs/*/install',
        scroll_threshold: null,
        currency: null,
      },
      {
        kind: 'scroll',
        display_name: 'Scroll 50% on /blog/**',
        event_name: null,
        page_path: '/blog/**',
        scroll_threshold: 50,
        currency: null,
      },
      {
        kind: 'scroll',
        display_name: 'Scroll 90% on /blog/**',
        event_name: null,
        page_path: '/blog/**',
        scroll_threshold: 90,
        currency: null,
      },
      {
        kind: 'revenue',
        display_name: 'Purchase',
        event_name: 'Purchase',
        page_path: null,
        scroll_threshold: null,
        currency: 'EUR',
      },
    ];
    expect(shapes(created)).toEqual(expected);
    const listed = await call<GoalsBody>('GET', path, { as: owner });
    expect(listed.body.goals).toEqual(created);
    expect(created.every((g) => /^\d{4}-\d\d-\d\dT/.test(g.created_at))).toBe(true);

    const signup = created[0] as GoalJson;
    const renamed = await call<GoalBody>('PATCH', `${path}/${signup.id}`, {
      as: owner,
      body: { display_name: 'Signed up' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.goal).toEqual({ ...signup, display_name: 'Signed up' });

    const scroll = created[3] as GoalJson;
    const deleted = await call('DELETE', `${path}/${scroll.id}`, { as: owner });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: { id: scroll.id } });
    expect((await call('DELETE', `${path}/${scroll.id}`, { as: owner })).status).toBe(404);

    const after = await call<GoalsBody>('GET', path, { as: owner });
    expect(after.body.goals.map((g) => g.display_name)).toEqual([
      'Signed up',
      'Visit /blog/**',
      'Read install docs',
      'Scroll 90% on /blog/**',
      'Purchase',
    ]);
  });
});

describe('/api/sites/:id/goals: bad input', () => {
  it('refuses bad input with a 400 that names the field, and changes nothing', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/goals`;
    const first = await call<GoalBody>('POST', path, {
      as: owner,
      body: { kind: 'event', event_name: 'Signup' },
    });
    expect(first.status).toBe(201);

    const cases: [unknown, string][] = [
      [{}, 'invalid_kind'],
      [{ kind: 'click', event_name: 'x' }, 'invalid_kind'],
      [{ kind: 'event' }, 'invalid_event_name'],
      [{ kind: 'event', event_name: '' }, 'invalid_event_name'],
      [{ kind: 'event', event_name: '   ' }, 'invalid_event_name'],
      [{ kind: 'event', event_name: 42 }, 'invalid_event_name'],
      [{ kind: 'event', event_name: 'x'.repeat(121) }, 'invalid_event_name'],
      [{ kind: 'event', event_name: 'pageview' }, 'invalid_event_name'],
      [{ kind: 'event', event_name: 'Sign\tup' }, 'invalid_event_name'],
      [{ kind: 'event', event_name: 'Ok', page_path: '/x' }, 'unknown_field'],
      [{ kind: 'page' }, 'invalid_page_path'],
      [{ kind: 'page', page_path: 'blog' }, 'invalid_page_path'],
      [{ kind: 'page', page_path: '/a?b=1' }, 'invalid_page_path'],
      [{ kind: 'page', page_path: '/***' }, 'invalid_page_path'],
      [{ kind: 'page', page_path: `/${'*/'.repeat(9)}` }, 'invalid_page_path'],
      [{ kind: 'page', page_path: `/${'a'.repeat(200)}` }, 'invalid_page_path'],
      [{ kind: 'scroll', page_path: '/blog' }, 'invalid_scroll_threshold'],
      [{ kind: 'scroll', page_path: '/blog', scroll_threshold: 0 }, 'invalid_scroll_threshold'],
      [{ kind: 'scroll', page_path: '/blog', scroll_threshold: 101 }, 'invalid_scroll_threshold'],
      [{ kind: 'scroll', page_path: '/blog', scroll_threshold: 50.5 }, 'invalid_scroll_threshold'],
      [{ kind: 'scroll', page_path: '/blog', scroll_threshold: '50' }, 'invalid_scroll_threshold'],
      [{ kind: 'revenue', event_name: 'Buy' }, 'invalid_currency'],
      [{ kind: 'revenue', event_name: 'Buy', currency: 'EURO' }, 'invalid_currency'],
      [{ kind: 'revenue', event_name: 'Buy', currency: 'XYZ' }, 'invalid_currency'],
      [{ kind: 'event', event_name: 'Ok', display_name: '' }, 'invalid_display_name'],
      [{ kind: 'event', event_name: 'Ok', display_name: 'x'.repeat(121) }, 'invalid_display_name'],
      [{ kind: 'event', event_name: 'Ok', display_name: 'a\nb' }, 'invalid_display_name'],
      ['[1]', 'invalid_json'],
      ['{"kind":', 'invalid_json'],
    ];
    for (const [body, code] of cases) {
      const res = await call('POST', path, { as: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.code, JSON.stringify(body)).toBe(code);
      expect(res.body.error?.message.length).toBeGreaterThan(10);
    }
    const goalPath = `${path}/${first.body.goal.id}`;
    for (const [body, code] of [
      [{ display_name: '' }, 'invalid_display_name'],
      [{ event_name: 'Other' }, 'unknown_field'],
      [{}, 'invalid_display_name'],
    ] as const) {
      const res = await call('PATCH', goalPath, { as: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.code).toBe(code);
    }
    expect((await call('PATCH', `${path}/abc`, { as: owner, body: { display_name: 'x' } })).status).toBe(404);
    expect((await call('DELETE', `${path}/0`, { as: owner })).status).toBe(404);

    const after = await call<GoalsBody>('GET', path, { as: owner });
    expect(after.body.goals).toEqual([first.body.goal]);
  });

  it('keeps goals unique per site: one goal per event name, pattern and threshold, and display name', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const other = await newSite(owner);
    const path = `/api/sites/${site.id}/goals`;
    for (const body of [
      { kind: 'event', event_name: 'Signup' },
      { kind: 'page', page_path: '/pricing' },
      { kind: 'scroll', page_path: '/pricing', scroll_threshold: 50 },
    ]) {
      expect((await call('POST', path, { as: owner, body })).status).toBe(201);
    }
    const duplicates = [
      { kind: 'event', event_name: 'Signup', display_name: 'Another name' },
      { kind: 'revenue', event_name: 'Signup', currency: 'USD', display_name: 'Paid signup' },
      { kind: 'page', page_path: '/pricing', display_name: 'Pricing again' },
      { kind: 'scroll', page_path: '/pricing', scroll_threshold: 50, display_name: 'Half pricing' },
      { kind: 'event', event_name: 'Register', display_name: 'Signup' },
    ];
    for (const body of duplicates) {
      const res = await call('POST', path, { as: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.body.error?.code).toBe('goal_exists');
    }
    // A different threshold on the same page, and the same goal on another site, are new goals.
    expect(
      (
        await call('POST', path, {
          as: owner,
          body: { kind: 'scroll', page_path: '/pricing', scroll_threshold: 90 },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', `/api/sites/${other.id}/goals`, {
          as: owner,
          body: { kind: 'event', event_name: 'Signup' },
        })
      ).status,
    ).toBe(201);
    const list = (await call<GoalsBody>('GET', path, { as: owner })).body.goals;
    expect(list).toHaveLength(4);
    const rename = await call('PATCH', `${path}/${list[0]?.id}`, {
      as: owner,
      body: { display_name: 'Visit /pricing' },
    });
    expect(rename.status).toBe(409);
    expect(rename.body.error?.code).toBe('goal_exists');
  });

  it(`stops at ${MAX_GOALS_PER_SITE} goals per site`, async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/goals`;
    for (let i = 0; i < MAX_GOALS_PER_SITE; i++) {
      const res = await call('POST', path, { as: owner, body: { kind: 'event', event_name: `Event ${i}` } });
      expect(res.status).toBe(201);
    }
    const over = await call('POST', path, { as: owner, body: { kind: 'event', event_name: 'One more' } });
    expect(over.status).toBe(409);
    expect(over.body.error?.code).toBe('too_many_goals');
    const list = (await call<GoalsBody>('GET', path, { as: owner })).body.goals;
    expect(list).toHaveLength(MAX_GOALS_PER_SITE);
    // Deleting one makes room again.
    expect((await call('DELETE', `${path}/${list[0]?.id}`, { as: owner })).status).toBe(200);
    expect(
      (await call('POST', path, { as: owner, body: { kind: 'event', event_name: 'One more' } })).status,
    ).toBe(201);
  });
});
