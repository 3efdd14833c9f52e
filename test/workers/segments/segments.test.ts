import { describe, expect, it } from 'vitest';
import { MAX_SEGMENTS_PER_SITE } from '../../../functions/segments/validate';
import { signUp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { call } from '../sites/client';
import { handOver, newSite, type SegmentBody, type SegmentList, saveSegment, storedRows } from './helpers';

const US_MOBILE = [
  ['is', 'visit:country', ['US']],
  ['is', 'visit:device', ['Mobile']],
];

describe('/api/sites/:id/segments: who may call', () => {
  it('answers 401 without a session, 404 for another account’s site, 403 without the CSRF header', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const site = await newSite(owner);
    const mine = await saveSegment(owner, site.id, { name: 'US mobile', scope: 'site', filters: US_MOBILE });
    const list = `/api/sites/${site.id}/segments`;
    const one = `${list}/${mine.id}`;
    const create = { name: 'x', scope: 'site', filters: US_MOBILE };

    for (const [method, path, body] of [
      ['GET', list, undefined],
      ['POST', list, create],
      ['GET', one, undefined],
      ['PATCH', one, { name: 'taken over' }],
      ['DELETE', one, undefined],
    ] as const) {
      expect((await call(method, path, { body })).status, `${method} ${path} anonymous`).toBe(401);
      const other = await call(method, path, { as: stranger, body });
      expect(other.status, `${method} ${path} stranger`).toBe(404);
      expect(other.body.error?.code).toBe('not_found');
    }
    for (const [method, path, body] of [
      ['POST', list, create],
      ['PATCH', one, { name: 'no token' }],
      ['DELETE', one, undefined],
    ] as const) {
      const noCsrf = await call(method, path, { as: owner, body, csrf: false });
      expect(noCsrf.status, `${method} without CSRF`).toBe(403);
      expect(noCsrf.body.error?.code).toBe('csrf');
    }
    // The stranger's own site cannot reach the owner's segment by its id either.
    const theirs = await newSite(stranger);
    expect((await call('GET', `/api/sites/${theirs.id}/segments/${mine.id}`, { as: stranger })).status).toBe(
      404,
    );

    // None of that changed anything.
    const now = await call<SegmentList>('GET', list, { as: owner });
    expect(now.body.segments).toEqual([mine]);
  });
});

describe('/api/sites/:id/segments: saving, changing, deleting', () => {
  it('saves personal and site segments, lists them by name, changes and deletes them', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/segments`;
    expect((await call<SegmentList>('GET', path, { as: owner })).body.segments).toEqual([]);

    const personal = await saveSegment(owner, site.id, {
      name: '  Blog readers ',
      scope: 'personal',
      filters: [['contains', 'event:page', ['/blog'], { case_sensitive: false }]],
    });
    expect(personal).toMatchObject({
      name: 'Blog readers',
      scope: 'personal',
      mine: true,
      filters: [['contains', 'event:page', ['/blog'], { case_sensitive: false }]],
    });
    const shared = await saveSegment(owner, site.id, {
      name: 'US mobile',
      scope: 'site',
      filters: US_MOBILE,
    });
    const listed = await call<SegmentList>('GET', path, { as: owner });
    expect(listed.body.segments.map((s) => [s.name, s.scope])).toEqual([
      ['Blog readers', 'personal'],
      ['US mobile', 'site'],
    ]);

    const renamed = await call<SegmentBody>('PATCH', `${path}/${shared.id}`, {
      as: owner,
      body: { name: 'US phones', filters: [['is', 'visit:country', ['US']]] },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.segment).toMatchObject({
      id: shared.id,
      name: 'US phones',
      scope: 'site',
      filters: [['is', 'visit:country', ['US']]],
    });
    expect((await call<SegmentBody>('GET', `${path}/${shared.id}`, { as: owner })).body.segment.name).toBe(
      'US phones',
    );

    const deleted = await call('DELETE', `${path}/${personal.id}`, { as: owner });
    expect(deleted.status).toBe(200);
    expect((await call('GET', `${path}/${personal.id}`, { as: owner })).status).toBe(404);
    expect((await call<SegmentList>('GET', path, { as: owner })).body.segments.map((s) => s.id)).toEqual([
      shared.id,
    ]);
  });

  it('refuses bad input with a 400 naming the field, and stores nothing', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/segments`;
    const other = await saveSegment(owner, site.id, { name: 'kept', scope: 'site', filters: US_MOBILE });
    const before = await storedRows(site.id);
    const cases: [string, unknown, string][] = [
      [
        'unknown dimension',
        { name: 'a', scope: 'site', filters: [['is', 'visit:planet', ['Mars']]] },
        'invalid_filters',
      ],
      [
        'unknown operator',
        { name: 'a', scope: 'site', filters: [['equals', 'visit:country', ['US']]] },
        'invalid_filters',
      ],
      ['no values', { name: 'a', scope: 'site', filters: [['is', 'visit:country', []]] }, 'invalid_filters'],
      [
        'bad regex',
        { name: 'a', scope: 'site', filters: [['matches', 'event:page', ['(']]] },
        'invalid_filters',
      ],
      ['empty list', { name: 'a', scope: 'site', filters: [] }, 'invalid_filters'],
      ['not a list', { name: 'a', scope: 'site', filters: 'visit:country==US' }, 'invalid_filters'],
      [
        'a segment in a segment',
        { name: 'a', scope: 'site', filters: [['is', 'segment', [other.id]]] },
        'invalid_filters',
      ],
      [
        'over 5 KB',
        {
          name: 'a',
          scope: 'site',
          filters: [['is', 'event:page', Array.from({ length: 60 }, (_, i) => `/${'x'.repeat(90)}${i}`)]],
        },
        'invalid_filters',
      ],
      ['no name', { scope: 'site', filters: US_MOBILE }, 'invalid_name'],
      ['blank name', { name: '   ', scope: 'site', filters: US_MOBILE }, 'invalid_name'],
      ['long name', { name: 'n'.repeat(256), scope: 'site', filters: US_MOBILE }, 'invalid_name'],
      ['unknown scope', { name: 'a', scope: 'team', filters: US_MOBILE }, 'invalid_scope'],
      ['unknown field', { name: 'a', scope: 'site', filters: US_MOBILE, owner: 1 }, 'unknown_field'],
    ];
    for (const [label, body, code] of cases) {
      const res = await call('POST', path, { as: owner, body });
      expect(res.status, label).toBe(400);
      expect(res.body.error?.code, label).toBe(code);
    }
    // A change that is invalid in any part changes nothing.
    const bad = await call('PATCH', `${path}/${other.id}`, {
      as: owner,
      body: { name: 'renamed', filters: [['is', 'visit:planet', ['Mars']]] },
    });
    expect(bad.status).toBe(400);
    expect(await storedRows(site.id)).toBe(before);
    expect((await call<SegmentBody>('GET', `${path}/${other.id}`, { as: owner })).body.segment).toEqual(
      other,
    );
  });

  it(`keeps at most ${MAX_SEGMENTS_PER_SITE} segments per site`, async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    // Fill up to one below the cap directly; the API does the last one.
    const now = Math.floor(Date.now() / 1000);
    const fill = Array.from({ length: MAX_SEGMENTS_PER_SITE - 1 }, (_, i) =>
      testEnv.DB.prepare(
        `INSERT INTO site_segments (site_id, name, scope, filters, created_by, created_at, updated_at)
         VALUES (?1, ?2, 'site', '[["is","visit:country",["US"]]]', ?3, ?4, ?4)`,
      ).bind(site.id, `filler ${i}`, owner.userId, now),
    );
    await testEnv.DB.batch(fill);
    await saveSegment(owner, site.id, { name: 'last', scope: 'personal', filters: US_MOBILE });
    const over = await call('POST', `/api/sites/${site.id}/segments`, {
      as: owner,
      body: { name: 'one too many', scope: 'personal', filters: US_MOBILE },
    });
    expect(over.status).toBe(409);
    expect(over.body.error?.code).toBe('too_many_segments');
    expect(await storedRows(site.id)).toBe(MAX_SEGMENTS_PER_SITE);
  });
});

describe('/api/sites/:id/segments: personal and site segments', () => {
  it('shows a personal segment only to whoever saved it; a site segment to everyone with the site', async () => {
    const owner = await signUp();
    const member = await signUp();
    const site = await newSite(owner);
    const path = `/api/sites/${site.id}/segments`;
    const personal = await saveSegment(owner, site.id, {
      name: 'mine',
      scope: 'personal',
      filters: US_MOBILE,
    });
    const shared = await saveSegment(owner, site.id, { name: 'ours', scope: 'site', filters: US_MOBILE });

    await handOver(owner, member);
    const seen = await call<SegmentList>('GET', path, { as: member });
    expect(seen.status).toBe(200);
    expect(seen.body.segments.map((s) => [s.id, s.mine])).toEqual([[shared.id, false]]);
    // The personal one is a 404 to the member, whatever they try, and stays as it was.
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { scope: 'site' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await call(method, `${path}/${personal.id}`, { as: member, body });
      expect(res.status, method).toBe(404);
    }
    // A site segment cannot be taken private by someone else, but it can be changed and deleted.
    const takeOver = await call('PATCH', `${path}/${shared.id}`, { as: member, body: { scope: 'personal' } });
    expect(takeOver.status).toBe(403);
    expect(takeOver.body.error?.code).toBe('forbidden');
    const renamed = await call<SegmentBody>('PATCH', `${path}/${shared.id}`, {
      as: member,
      body: { name: 'team' },
    });
    expect(renamed.body.segment).toMatchObject({ name: 'team', scope: 'site', mine: false });
    expect((await call('DELETE', `${path}/${shared.id}`, { as: member })).status).toBe(200);

    // Handed back, the creator still has their personal segment.
    await handOver(owner, member, true);
    const back = await call<SegmentList>('GET', path, { as: owner });
    expect(back.body.segments).toEqual([personal]);
  });
});
