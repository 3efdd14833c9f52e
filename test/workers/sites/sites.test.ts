import { describe, expect, it } from 'vitest';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { pageview, send, testEnv } from '../helpers/stack';
import { type Caller, call, uniqueDomain } from './client';

type SiteBody = { site: SiteJson };

async function newSite(as: Caller, domain = uniqueDomain(), timezone = 'Europe/Berlin'): Promise<SiteJson> {
  const res = await call<SiteBody>('POST', '/api/sites', { as, body: { domain, timezone } });
  expect(res.status).toBe(201);
  return res.body.site;
}

describe('/api/sites: who may call', () => {
  it('answers 401 on every route without a session', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/sites'],
      ['POST', '/api/sites', { domain: uniqueDomain() }],
      ['GET', `/api/sites/${site.id}`],
      ['PATCH', `/api/sites/${site.id}`, { respect_dnt: true }],
      ['DELETE', `/api/sites/${site.id}`],
      ['GET', `/api/sites/${site.id}/snippet`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error?.code).toBe('unauthorized');
    }
  });

  it("answers 404 for another account's site on every route, as for a missing one", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const site = await newSite(owner);
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/sites/${site.id}`],
      ['PATCH', `/api/sites/${site.id}`, { respect_dnt: true }],
      ['DELETE', `/api/sites/${site.id}`],
      ['GET', `/api/sites/${site.id}/snippet`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { as: stranger, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error?.code).toBe('not_found');
    }
    expect((await call('GET', '/api/sites/999999999', { as: stranger })).status).toBe(404);
    expect((await call('GET', '/api/sites/1%20OR%201=1', { as: stranger })).status).toBe(404);
    const list = await call<{ sites: SiteJson[] }>('GET', '/api/sites', { as: stranger });
    expect(list.body.sites).toEqual([]);
    // Nothing changed for the owner.
    const mine = await call<SiteBody>('GET', `/api/sites/${site.id}`, { as: owner });
    expect(mine.body.site.respect_dnt).toBe(false);
  });

  it('answers 403 to changes without the CSRF header', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const routes: [string, string, unknown?][] = [
      ['POST', '/api/sites', { domain: uniqueDomain() }],
      ['PATCH', `/api/sites/${site.id}`, { respect_dnt: true }],
      ['DELETE', `/api/sites/${site.id}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { as: owner, body, csrf: false });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error?.code).toBe('csrf');
    }
    expect((await call('GET', `/api/sites/${site.id}`, { as: owner })).status).toBe(200);
  });
});

describe('/api/sites: create, list, read', () => {
  it('creates a site with a canonical domain and a random public key, and lists it', async () => {
    const owner = await signUp();
    const domain = uniqueDomain();
    const res = await call<SiteBody>('POST', '/api/sites', {
      as: owner,
      body: { domain: `  WWW.${domain.toUpperCase()} `, timezone: 'america/new_york' },
    });
    expect(res.status).toBe(201);
    expect(res.body.site).toMatchObject({
      domain,
      timezone: 'America/New_York',
      allowed_hostnames: [],
      respect_dnt: false,
      public_dashboard: false,
      excluded_paths: [],
      shared_link: null,
    });
    expect(res.body.site.public_key).toMatch(/^[0-9a-f-]{36}$/);
    const second = await newSite(owner, uniqueDomain('b'), 'UTC');
    const list = await call<{ sites: SiteJson[] }>('GET', '/api/sites', { as: owner });
    expect(list.body.sites.map((s) => s.id).sort()).toEqual([res.body.site.id, second.id].sort());
    const one = await call<SiteBody>('GET', `/api/sites/${second.id}`, { as: owner });
    expect(one.body.site).toEqual(second);
  });

  it('defaults the time zone to UTC', async () => {
    const owner = await signUp();
    const res = await call<SiteBody>('POST', '/api/sites', { as: owner, body: { domain: uniqueDomain() } });
    expect(res.body.site.timezone).toBe('UTC');
  });

  it.each([
    [{ domain: 'https://example.com/blog' }, 'invalid_domain'],
    [{ domain: 'example.com:8080' }, 'invalid_domain'],
    [{ domain: "x.example'); DROP TABLE sites; --" }, 'invalid_domain'],
    [{}, 'invalid_domain'],
    [{ domain: 'ok.example', timezone: 'Mars/Olympus' }, 'invalid_timezone'],
  ])('refuses %j with 400 %s', async (body, code) => {
    const owner = await signUp();
    const res = await call('POST', '/api/sites', { as: owner, body });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    expect(res.body.error?.message).toBeTruthy();
  });

  it('refuses a body that is not a JSON object', async () => {
    const owner = await signUp();
    const res = await call('POST', '/api/sites', { as: owner, body: 'not json' });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('invalid_json');
  });

  it('answers 409 when the domain is registered already: plainly to its owner, generically to others', async () => {
    const owner = await signUp();
    const other = await signUp();
    const domain = uniqueDomain();
    await newSite(owner, domain);
    const own = await call('POST', '/api/sites', { as: owner, body: { domain: `www.${domain}` } });
    expect(own.status).toBe(409);
    expect(own.body.error?.code).toBe('site_exists');
    const taken = await call('POST', '/api/sites', { as: other, body: { domain: `www.${domain}` } });
    expect(taken.status).toBe(409);
    expect(taken.body.error?.code).toBe('domain_unavailable');
  });

  it('gives the snippet to paste', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const res = await call<{ domain: string; snippet: string; script_url: string }>(
      'GET',
      `/api/sites/${site.id}/snippet`,
      { as: owner },
    );
    expect(res.status).toBe(200);
    const origin = (testEnv.APP_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
    expect(res.body.snippet).toBe(
      `<script defer data-domain="${site.domain}" src="${origin}/script.js"></script>`,
    );
    expect(res.body.script_url).toBe(`${origin}/script.js`);
  });

  it('a new site accepts events at once, even where "no such site" was cached', async () => {
    const owner = await signUp();
    const domain = uniqueDomain();
    const before = await send('/api/event', pageview(domain));
    expect(before.headers.get('x-edgebear-dropped')).toBe('unknown_site');
    await newSite(owner, domain);
    const after = await send('/api/event', pageview(domain));
    expect(after.status).toBe(202);
    expect(after.headers.get('x-edgebear-dropped')).toBeNull();
  });
});

describe('/api/sites/:id: update', () => {
  it('changes hostnames, time zone, DNT, public dashboard and excluded paths', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const res = await call<SiteBody>('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: {
        allowed_hostnames: ['Shop.Example.org', '*.example.net'],
        timezone: 'Asia/Tokyo',
        respect_dnt: true,
        public_dashboard: true,
        excluded_paths: ['/admin/**', "/x');DROP_TABLE_sites;--"],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.site).toMatchObject({
      allowed_hostnames: ['shop.example.org', '*.example.net'],
      timezone: 'Asia/Tokyo',
      respect_dnt: true,
      public_dashboard: true,
      excluded_paths: ['/admin/**', "/x');DROP_TABLE_sites;--"],
    });
    expect(res.body.site.updated_at >= site.updated_at).toBe(true);
    const read = await call<SiteBody>('GET', `/api/sites/${site.id}`, { as: owner });
    expect(read.body.site).toEqual(res.body.site);
  });

  it.each([
    [{ allowed_hostnames: ['https://shop.example.org'] }, 'invalid_allowed_hostnames'],
    [{ allowed_hostnames: 'shop.example.org' }, 'invalid_allowed_hostnames'],
    [{ timezone: 'Nowhere/Land' }, 'invalid_timezone'],
    [{ respect_dnt: 'yes' }, 'invalid_respect_dnt'],
    [{ public_dashboard: 1 }, 'invalid_public_dashboard'],
    [{ excluded_paths: ['admin'] }, 'invalid_excluded_paths'],
    [{ shared_link: { password: 'short' } }, 'invalid_shared_link'],
    [{ domain: 'other.example' }, 'unknown_field'],
  ])('refuses %j with 400 %s and changes nothing', async (body, code) => {
    const owner = await signUp();
    const site = await newSite(owner);
    const res = await call('PATCH', `/api/sites/${site.id}`, { as: owner, body });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
    const read = await call<SiteBody>('GET', `/api/sites/${site.id}`, { as: owner });
    expect(read.body.site).toEqual(site);
  });

  it('creates, re-passwords, rotates and removes the shared link; the password is stored hashed', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const password = 'correct horse battery';
    const created = await call<SiteBody>('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { shared_link: { password } },
    });
    const link = created.body.site.shared_link;
    expect(link?.password_protected).toBe(true);
    expect(link?.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(link?.url).toMatch(new RegExp(`/share/${link?.id}$`));
    const row = await testEnv.DB.prepare('SELECT * FROM sites WHERE id = ?1').bind(site.id).first();
    expect(JSON.stringify(row)).not.toContain(password);
    expect(row?.shared_link_password_hash).toBeTruthy();

    // A new password keeps the link; `rotate` makes a new one; null removes the password.
    const repassworded = await call<SiteBody>('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { shared_link: { password: null } },
    });
    expect(repassworded.body.site.shared_link).toMatchObject({ id: link?.id, password_protected: false });
    const rotated = await call<SiteBody>('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { shared_link: { rotate: true } },
    });
    expect(rotated.body.site.shared_link?.id).not.toBe(link?.id);
    const removed = await call<SiteBody>('PATCH', `/api/sites/${site.id}`, {
      as: owner,
      body: { shared_link: null },
    });
    expect(removed.body.site.shared_link).toBeNull();
  });

  it('reaches the ingest path of this isolate at once: Do-Not-Track', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const dnt = { headers: { dnt: '1' } };
    const before = await send('/api/event', pageview(site.domain), dnt);
    expect(before.headers.get('x-edgebear-dropped')).toBeNull();
    await call('PATCH', `/api/sites/${site.id}`, { as: owner, body: { respect_dnt: true } });
    const after = await send('/api/event', pageview(site.domain), dnt);
    expect(after.headers.get('x-edgebear-dropped')).toBe('do_not_track');
  });

  it('reaches the ingest path at once: allowed hostnames', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const mirror = uniqueDomain('mirror');
    const event = pageview(site.domain, `https://${mirror}/`);
    expect((await send('/api/event', event)).headers.get('x-edgebear-dropped')).toBe('hostname_not_allowed');
    await call('PATCH', `/api/sites/${site.id}`, { as: owner, body: { allowed_hostnames: [mirror] } });
    expect((await send('/api/event', event)).headers.get('x-edgebear-dropped')).toBeNull();
  });
});
