import { beforeAll, describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp, type TestAccount } from '../helpers/accounts';
import { call } from '../sites/client';
import { event, insertEvents, newKey, newSite, statsQuery } from './fixtures';

let owner: TestAccount;
let stranger: TestAccount;
let site: SiteJson;
let sibling: SiteJson;

const RANGE = ['2026-10-05', '2026-10-05'];

beforeAll(async () => {
  owner = await signUp();
  stranger = await signUp();
  site = await newSite(owner);
  sibling = await newSite(owner);
  await insertEvents([
    event(site.id, '2026-10-05T10:00:00Z', { visitor: 1, session: 1 }),
    event(site.id, '2026-10-05T11:00:00Z', { visitor: 2, session: 2 }),
    event(sibling.id, '2026-10-05T10:00:00Z', { visitor: 3, session: 3 }),
  ]);
});

function ask(target: SiteJson | string | number, auth: Parameters<typeof statsQuery>[1] = {}) {
  const siteId = typeof target === 'object' ? target.domain : target;
  return statsQuery({ site_id: siteId, metrics: ['visitors'], date_range: RANGE }, auth);
}

async function patchSite(target: SiteJson, body: unknown): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('PATCH', `/api/sites/${target.id}`, { as: owner, body });
  expect(res.status).toBe(200);
  return res.body.site;
}

describe('session cookie', () => {
  it('the owner reads their site, by domain or id', async () => {
    expect((await ask(site, { cookie: owner.cookie })).body.results).toEqual([
      { dimensions: [], metrics: [2] },
    ]);
    expect((await ask(site.id, { cookie: owner.cookie })).body.results).toEqual([
      { dimensions: [], metrics: [2] },
    ]);
  });

  it("another account's session gets 404 for the site, as for an unknown one", async () => {
    const other = await ask(site, { cookie: stranger.cookie });
    expect(other.status).toBe(404);
    expect(other.body.error?.code).toBe('not_found');
    const unknown = await ask('no-such-site.example', { cookie: owner.cookie });
    expect(unknown.status).toBe(404);
    expect(other.body).toEqual(unknown.body);
  });

  it('no credentials on a private site: 401, the same as for an unknown site', async () => {
    const res = await ask(site);
    expect(res.status).toBe(401);
    const unknown = await ask('no-such-site.example');
    expect(unknown.status).toBe(401);
    expect(res.body).toEqual(unknown.body);
  });

  it('a bogus session cookie is no session', async () => {
    expect((await ask(site, { cookie: 'eb_session=forged' })).status).toBe(401);
  });
});

describe('API keys', () => {
  it('a key with stats:read reads every site of its account', async () => {
    const key = await newKey(owner);
    expect((await ask(site, { bearer: key })).body.results[0]?.metrics).toEqual([2]);
    expect((await ask(sibling, { bearer: key })).body.results[0]?.metrics).toEqual([1]);
  });

  it('a site-scoped key reads only its own site', async () => {
    const key = await newKey(owner, { siteId: sibling.id });
    expect((await ask(sibling, { bearer: key })).status).toBe(200);
    const res = await ask(site, { bearer: key });
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe('not_found');
  });

  it("another account's key gets 404", async () => {
    const key = await newKey(stranger);
    const res = await ask(site, { bearer: key });
    expect(res.status).toBe(404);
  });

  it('a key without stats:read gets 403', async () => {
    const key = await newKey(owner, { scopes: ['events:write'] });
    const res = await ask(site, { bearer: key });
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('forbidden');
  });

  it('an unknown or revoked key gets 401, even with a valid session cookie beside it', async () => {
    const fake = `eb_live_${'A'.repeat(43)}`;
    expect((await ask(site, { bearer: fake })).status).toBe(401);
    expect((await ask(site, { bearer: fake, cookie: owner.cookie })).status).toBe(401);
    const key = await newKey(owner);
    const list = await call<{ keys: { id: number; prefix: string }[] }>('GET', '/api/keys', { as: owner });
    const id = list.body.keys.find((k) => key.startsWith(k.prefix))?.id;
    expect((await call('DELETE', `/api/keys/${id}`, { as: owner })).status).toBe(200);
    expect((await ask(site, { bearer: key })).status).toBe(401);
  });
});

describe('public dashboards and shared links', () => {
  it('a public dashboard is readable by anyone, only that site', async () => {
    const open = await newSite(owner);
    await insertEvents([event(open.id, '2026-10-05T10:00:00Z', { visitor: 9, session: 9 })]);
    expect((await ask(open)).status).toBe(401);
    await patchSite(open, { public_dashboard: true });
    expect((await ask(open)).body.results[0]?.metrics).toEqual([1]);
    expect((await ask(open, { cookie: stranger.cookie })).body.results[0]?.metrics).toEqual([1]);
    expect((await ask(site)).status).toBe(401);
  });

  it('a shared link reads its site without signing in; a wrong link or another site is 404', async () => {
    const shared = await patchSite(site, { shared_link: {} });
    const link = shared.shared_link?.id ?? '';
    expect(link).not.toBe('');
    const ok = await ask(site, { headers: { 'X-Shared-Link': link } });
    expect(ok.status).toBe(200);
    expect(ok.body.results[0]?.metrics).toEqual([2]);
    expect((await ask(site, { headers: { 'X-Shared-Link': `${link}x` } })).status).toBe(404);
    expect((await ask(sibling, { headers: { 'X-Shared-Link': link } })).status).toBe(404);
  });

  it('a password-protected shared link needs its password', async () => {
    const shared = await patchSite(site, { shared_link: { password: 'open sesame 42' } });
    const link = shared.shared_link?.id ?? '';
    const without = await ask(site, { headers: { 'X-Shared-Link': link } });
    expect(without.status).toBe(401);
    expect(without.body.error?.code).toBe('password_required');
    const wrong = await ask(site, { headers: { 'X-Shared-Link': link, 'X-Shared-Link-Password': 'guess' } });
    expect(wrong.status).toBe(401);
    const right = await ask(site, {
      headers: { 'X-Shared-Link': link, 'X-Shared-Link-Password': 'open sesame 42' },
    });
    expect(right.status).toBe(200);
    expect(right.body.results[0]?.metrics).toEqual([2]);
  });

  it('a deleted site is gone for its owner too', async () => {
    const doomed = await newSite(owner);
    expect((await call('DELETE', `/api/sites/${doomed.id}`, { as: owner })).status).toBe(200);
    expect((await ask(doomed.id, { cookie: owner.cookie })).status).toBe(404);
  });
});
