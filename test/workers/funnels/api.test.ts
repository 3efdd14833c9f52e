import { describe, expect, it } from 'vitest';
import type { FunnelJson } from '../../../functions/funnels/funnel';
import { MAX_FUNNELS_PER_SITE } from '../../../functions/funnels/funnel';
import type { GoalJson } from '../../../functions/goals/goal';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { type Caller, call, uniqueDomain } from '../sites/client';

type FunnelsBody = { funnels: FunnelJson[] };
type FunnelBody = { funnel: FunnelJson };

async function newSite(as: Caller): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', {
    as,
    body: { domain: uniqueDomain('funnels') },
  });
  expect(res.status).toBe(201);
  return res.body.site;
}

async function goal(as: Caller, site: SiteJson, body: Record<string, unknown>): Promise<GoalJson> {
  const res = await call<{ goal: GoalJson }>('POST', `/api/sites/${site.id}/goals`, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.goal;
}

async function threeGoals(as: Caller, site: SiteJson): Promise<GoalJson[]> {
  return [
    await goal(as, site, { kind: 'page', page_path: '/pricing' }),
    await goal(as, site, { kind: 'event', event_name: 'Signup' }),
    await goal(as, site, { kind: 'event', event_name: 'Purchase' }),
  ];
}

describe('/api/sites/:id/funnels: who may call', () => {
  it('answers 401 without a session, 404 for another account’s site, 403 without the CSRF header', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const site = await newSite(owner);
    const [a, b] = await threeGoals(owner, site);
    const path = `/api/sites/${site.id}/funnels`;
    const created = await call<FunnelBody>('POST', path, {
      as: owner,
      body: { name: 'Signup', steps: [a?.id, b?.id] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const funnelPath = `${path}/${created.body.funnel.id}`;
    const attempts = [
      ['GET', path, undefined],
      ['POST', path, { name: 'Other', steps: [b?.id, a?.id] }],
      ['PATCH', funnelPath, { name: 'Taken over' }],
      ['DELETE', funnelPath, undefined],
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
    }
    // The stranger's own site reaches neither the owner's funnel nor the owner's goals.
    const strangerSite = await newSite(stranger);
    const cross = `/api/sites/${strangerSite.id}/funnels`;
    expect(
      (await call('PATCH', `${cross}/${created.body.funnel.id}`, { as: stranger, body: { name: 'x' } }))
        .status,
    ).toBe(404);
    expect((await call('DELETE', `${cross}/${created.body.funnel.id}`, { as: stranger })).status).toBe(404);
    const foreignSteps = await call('POST', cross, {
      as: stranger,
      body: { name: 'x', steps: [a?.id, b?.id] },
    });
    expect(foreignSteps.status).toBe(400);
    expect(foreignSteps.body.error?.code).toBe('invalid_steps');

    const after = await call<FunnelsBody>('GET', path, { as: owner });
    expect(after.body.funnels.map((f) => [f.name, f.steps])).toEqual([
      [
        'Signup',
        [
          { goal_id: a?.id, display_name: 'Visit /pricing' },
          { goal_id: b?.id, display_name: 'Signup' },
        ],
      ],
    ]);
  });
});

describe('/api/sites/:id/funnels: create, change, delete', () => {
  it('refuses bad bodies with a 400 naming the field, and stores nothing', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const goals = await threeGoals(owner, site);
    const [a, b, c] = goals.map((g) => g.id);
    const path = `/api/sites/${site.id}/funnels`;
    const bad: [unknown, string][] = [
      [{ name: 'One step', steps: [a] }, 'invalid_steps'],
      [{ name: 'Nine', steps: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'invalid_steps'],
      [{ name: 'Twice', steps: [a, b, a] }, 'invalid_steps'],
      [{ name: 'Text', steps: ['Signup', 'Purchase'] }, 'invalid_steps'],
      [{ name: 'Unknown goal', steps: [a, 999_999_999] }, 'invalid_steps'],
      [{ name: 'No steps' }, 'invalid_steps'],
      [{ name: '', steps: [a, b] }, 'invalid_name'],
      [{ name: 'x'.repeat(121), steps: [a, b] }, 'invalid_name'],
      [{ steps: [a, b] }, 'invalid_name'],
      [{ name: 'Extra', steps: [a, b], window: 30 }, 'unknown_field'],
      ['[1, 2]', 'invalid_json'],
    ];
    for (const [body, code] of bad) {
      const res = await call('POST', path, { as: owner, body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code });
      expect(res.body.error?.message.length).toBeGreaterThan(10);
    }
    expect((await call<FunnelsBody>('GET', path, { as: owner })).body.funnels).toEqual([]);

    const created = await call<FunnelBody>('POST', path, {
      as: owner,
      body: { name: ' Checkout ', steps: [a, b, c] },
    });
    expect(created.status).toBe(201);
    expect(created.body.funnel.name).toBe('Checkout');
    const same = await call('POST', path, { as: owner, body: { name: 'Checkout', steps: [b, c] } });
    expect([same.status, same.body.error?.code]).toEqual([409, 'funnel_exists']);

    const id = created.body.funnel.id;
    const renamed = await call<FunnelBody>('PATCH', `${path}/${id}`, { as: owner, body: { name: 'Buy' } });
    expect(renamed.body.funnel.name).toBe('Buy');
    expect(renamed.body.funnel.steps.map((s) => s.goal_id)).toEqual([a, b, c]);
    const restepped = await call<FunnelBody>('PATCH', `${path}/${id}`, {
      as: owner,
      body: { steps: [c, a] },
    });
    expect(restepped.body.funnel.steps.map((s) => s.goal_id)).toEqual([c, a]);
    const badChange = await call('PATCH', `${path}/${id}`, { as: owner, body: { steps: [c] } });
    expect([badChange.status, badChange.body.error?.code]).toEqual([400, 'invalid_steps']);
    const empty = await call('PATCH', `${path}/${id}`, { as: owner, body: {} });
    expect(empty.status).toBe(400);
    expect((await call('PATCH', `${path}/424242`, { as: owner, body: { name: 'x' } })).status).toBe(404);

    // A goal a funnel uses cannot be deleted; one it no longer uses can.
    const blocked = await call('DELETE', `/api/sites/${site.id}/goals/${a}`, { as: owner });
    expect([blocked.status, blocked.body.error?.code]).toEqual([409, 'goal_in_funnel']);
    expect((await call('DELETE', `/api/sites/${site.id}/goals/${b}`, { as: owner })).status).toBe(200);
    // Renaming a goal renames the step.
    await call('PATCH', `/api/sites/${site.id}/goals/${c}`, { as: owner, body: { display_name: 'Paid' } });
    const listed = await call<FunnelsBody>('GET', path, { as: owner });
    expect(listed.body.funnels[0]?.steps.map((s) => s.display_name)).toEqual(['Paid', 'Visit /pricing']);

    expect((await call('DELETE', `${path}/${id}`, { as: owner })).status).toBe(200);
    expect((await call('DELETE', `${path}/${id}`, { as: owner })).status).toBe(404);
    expect((await call('DELETE', `/api/sites/${site.id}/goals/${a}`, { as: owner })).status).toBe(200);
  });

  it(`keeps at most ${MAX_FUNNELS_PER_SITE} funnels per site`, async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const [a, b] = (await threeGoals(owner, site)).map((g) => g.id);
    const path = `/api/sites/${site.id}/funnels`;
    for (let i = 0; i < MAX_FUNNELS_PER_SITE; i++) {
      const res = await call('POST', path, { as: owner, body: { name: `F${i}`, steps: [a, b] } });
      expect(res.status).toBe(201);
    }
    const over = await call('POST', path, { as: owner, body: { name: 'One more', steps: [a, b] } });
    expect([over.status, over.body.error?.code]).toEqual([409, 'too_many_funnels']);
  });
});
