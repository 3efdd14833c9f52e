import { describe, expect, it } from 'vitest';
import { hashToken } from '../../../functions/auth/tokens';
import { verifyApiKey } from '../../../functions/keys/verify';
import type { SiteJson } from '../../../functions/sites/store';
import { signUp } from '../helpers/accounts';
import { testEnv } from '../helpers/stack';
import { type Caller, call, uniqueDomain } from '../sites/client';

interface KeyJson {
  id: number;
  name: string;
  prefix: string;
  site_id: number | null;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
}

async function newKey(as: Caller, body: Record<string, unknown> = { name: 'reporting' }) {
  const res = await call<{ key: KeyJson & { secret: string } }>('POST', '/api/keys', { as, body });
  expect(res.status).toBe(201);
  return res.body.key;
}

async function newSite(as: Caller): Promise<SiteJson> {
  const res = await call<{ site: SiteJson }>('POST', '/api/sites', { as, body: { domain: uniqueDomain() } });
  return res.body.site;
}

function whoami(secret: string | null) {
  return call<{ key: { id: number; site_id: number | null; scopes: string[] } }>('GET', '/api/keys/whoami', {
    headers: secret === null ? {} : { authorization: `Bearer ${secret}` },
  });
}

describe('/api/keys: who may call', () => {
  it('answers 401 on every session route without a session, and on whoami without a key', async () => {
    const owner = await signUp();
    const key = await newKey(owner);
    for (const [method, path, body] of [
      ['GET', '/api/keys'],
      ['POST', '/api/keys', { name: 'x' }],
      ['DELETE', `/api/keys/${key.id}`],
    ] as [string, string, unknown?][]) {
      const res = await call(method, path, { body });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error?.code).toBe('unauthorized');
    }
    for (const secret of [null, 'eb_live_nope', `eb_live_${'A'.repeat(43)}`, owner.cookie]) {
      expect((await whoami(secret)).status).toBe(401);
    }
    // A session is not a key.
    const withCookie = await call('GET', '/api/keys/whoami', { as: owner });
    expect(withCookie.status).toBe(401);
  });

  it('answers 403 to changes without the CSRF header', async () => {
    const owner = await signUp();
    const key = await newKey(owner);
    expect((await call('POST', '/api/keys', { as: owner, body: { name: 'x' }, csrf: false })).status).toBe(
      403,
    );
    expect((await call('DELETE', `/api/keys/${key.id}`, { as: owner, csrf: false })).status).toBe(403);
    expect((await whoami(key.secret)).status).toBe(200);
  });

  it("answers 404 for another account's key or site", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const key = await newKey(owner);
    const site = await newSite(owner);
    const revoke = await call('DELETE', `/api/keys/${key.id}`, { as: stranger });
    expect(revoke.status).toBe(404);
    expect(revoke.body.error?.code).toBe('not_found');
    const scoped = await call('POST', '/api/keys', { as: stranger, body: { name: 'x', site_id: site.id } });
    expect(scoped.status).toBe(404);
    expect(scoped.body.error?.code).toBe('not_found');
    const list = await call<{ keys: KeyJson[] }>('GET', '/api/keys', { as: stranger });
    expect(list.body.keys).toEqual([]);
    expect((await whoami(key.secret)).status).toBe(200);
  });
});

describe('/api/keys: create, list, use, revoke', () => {
  it('shows the secret once; lists and D1 only ever hold its prefix and hash', async () => {
    const owner = await signUp();
    const key = await newKey(owner, { name: 'Nightly export' });
    expect(key.secret).toMatch(/^eb_live_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 16));
    expect(key).toMatchObject({
      name: 'Nightly export',
      site_id: null,
      scopes: ['stats:read', 'events:write'],
    });

    const list = await call<{ keys: KeyJson[] }>('GET', '/api/keys', { as: owner });
    expect(list.body.keys).toHaveLength(1);
    expect(list.body.keys[0]).toEqual({
      id: key.id,
      name: 'Nightly export',
      prefix: key.prefix,
      site_id: null,
      scopes: ['stats:read', 'events:write'],
      created_at: key.created_at,
      last_used_at: null,
    });
    expect(JSON.stringify(list.body)).not.toContain(key.secret.slice(16));

    const everything = await testEnv.DB.prepare('SELECT * FROM api_keys').all();
    const dump = JSON.stringify(everything.results);
    expect(dump).not.toContain(key.secret);
    expect(dump).not.toContain(key.secret.slice(16));
    const row = await testEnv.DB.prepare('SELECT secret_hash FROM api_keys WHERE id = ?1')
      .bind(key.id)
      .first<{ secret_hash: string }>();
    expect(row?.secret_hash).toBe(await hashToken(key.secret));
  });

  it('whoami answers with the key, records its use, and 401 once it is revoked', async () => {
    const owner = await signUp();
    const key = await newKey(owner, { name: 'read only', scopes: ['stats:read'] });
    const me = await whoami(key.secret);
    expect(me.status).toBe(200);
    expect(me.body.key).toEqual({ id: key.id, site_id: null, scopes: ['stats:read'] });
    const list = await call<{ keys: KeyJson[] }>('GET', '/api/keys', { as: owner });
    expect(list.body.keys[0]?.last_used_at).not.toBeNull();

    const revoked = await call<{ revoked: { id: number; revoked_at: string } }>(
      'DELETE',
      `/api/keys/${key.id}`,
      {
        as: owner,
      },
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked.id).toBe(key.id);
    expect((await whoami(key.secret)).status).toBe(401);
    expect((await call('DELETE', `/api/keys/${key.id}`, { as: owner })).status).toBe(404);
    expect((await call<{ keys: KeyJson[] }>('GET', '/api/keys', { as: owner })).body.keys).toEqual([]);
  });

  it('writes last_used_at at most once a minute', async () => {
    const owner = await signUp();
    const key = await newKey(owner);
    const header = `Bearer ${key.secret}`;
    const t0 = Date.parse('2031-01-01T00:00:00Z');
    const lastUsed = async () =>
      (
        await testEnv.DB.prepare('SELECT last_used_at FROM api_keys WHERE id = ?1')
          .bind(key.id)
          .first<{ last_used_at: number }>()
      )?.last_used_at;
    expect(await verifyApiKey(testEnv.DB, header, t0)).toMatchObject({ keyId: key.id, siteId: null });
    expect(await lastUsed()).toBe(t0 / 1000);
    await verifyApiKey(testEnv.DB, header, t0 + 59_000);
    expect(await lastUsed()).toBe(t0 / 1000);
    await verifyApiKey(testEnv.DB, header, t0 + 61_000);
    expect(await lastUsed()).toBe(t0 / 1000 + 61);
  });

  it('scopes a key to one site; it stops working when that site is deleted', async () => {
    const owner = await signUp();
    const site = await newSite(owner);
    const key = await newKey(owner, { name: 'one site', site_id: site.id });
    expect(key.site_id).toBe(site.id);
    const me = await whoami(key.secret);
    expect(me.body.key.site_id).toBe(site.id);
    expect(await verifyApiKey(testEnv.DB, `Bearer ${key.secret}`)).toMatchObject({
      siteId: site.id,
      billingProfileId: owner.billingProfileId,
    });
    expect((await call('DELETE', `/api/sites/${site.id}`, { as: owner })).status).toBe(200);
    expect((await whoami(key.secret)).status).toBe(401);
  });

  it.each([
    [{}, 'invalid_name'],
    [{ name: '   ' }, 'invalid_name'],
    [{ name: 'x'.repeat(101) }, 'invalid_name'],
    [{ name: 'x', scopes: ['admin'] }, 'invalid_scopes'],
    [{ name: 'x', scopes: [] }, 'invalid_scopes'],
    [{ name: 'x', site_id: '1 OR 1=1' }, 'invalid_site_id'],
  ])('refuses %j with 400 %s', async (body, code) => {
    const owner = await signUp();
    const res = await call('POST', '/api/keys', { as: owner, body });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe(code);
  });

  it('stores SQL in a name as plain text', async () => {
    const owner = await signUp();
    const name = "Robert'); DROP TABLE api_keys; --";
    const key = await newKey(owner, { name });
    expect(key.name).toBe(name);
    const list = await call<{ keys: KeyJson[] }>('GET', '/api/keys', { as: owner });
    expect(list.body.keys.map((k) => k.name)).toEqual([name]);
    expect((await whoami(key.secret)).status).toBe(200);
  });
});
